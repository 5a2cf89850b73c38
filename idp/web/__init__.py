"""The reviewer and upload pages' parts: templates, static files, messages and sign-in sessions.

The pages' routes are in ``idp.api.routes.pages``; this package holds what they serve and
the session cookie that ``idp.api.main`` wires in as a way to authenticate API calls.
"""

from pathlib import Path

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
"""Jinja2 templates of the pages."""
STATIC_DIR = WEB_DIR / "static"
"""The pages' own CSS, scripts and images."""
