"""Who may do what: the roles an API key can hold and the role sets each action needs.

Every check in the service (API dependencies, web pages, webhooks) reads its roles from
here, so a new role or a changed rule is one edit.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a key may do."""

    UPLOADER = "uploader"
    """Submit documents and see its own."""
    INTEGRATOR = "integrator"
    """Submit documents and read every record; register webhooks."""
    REVIEWER = "reviewer"
    """Work the review queue: read documents, records and page images."""
    ADMIN = "admin"
    """Everything, including keys and erasure."""


ADMIN_ROLES = frozenset({Role.ADMIN})
"""Keys, erasure, the audit export."""
UPLOAD_ROLES = frozenset({Role.UPLOADER, Role.INTEGRATOR, Role.ADMIN})
"""Submit documents, register webhooks, use the upload page."""
READ_ROLES = frozenset({Role.UPLOADER, Role.INTEGRATOR, Role.REVIEWER, Role.ADMIN})
"""Read documents (uploaders only their own, see ``READ_ALL_ROLES``)."""
READ_ALL_ROLES = frozenset({Role.INTEGRATOR, Role.REVIEWER, Role.ADMIN})
"""Read every document, not only those the key uploaded (and hear webhooks about them)."""
REVIEW_ROLES = frozenset({Role.REVIEWER, Role.ADMIN})
"""Work the review queue and use the reviewer page."""
INTEGRATE_ROLES = frozenset({Role.INTEGRATOR, Role.ADMIN})
"""Integration endpoints."""


def has_role(role: str, allowed: frozenset[Role]) -> bool:
    """Whether a key holding ``role`` is in ``allowed`` (an unknown role never is)."""
    return role in allowed


def can_read_all(role: str) -> bool:
    """Whether a key holding ``role`` may read documents it did not upload."""
    return role in READ_ALL_ROLES


def sees_everyones_webhooks(role: str) -> bool:
    """Whether a key holding ``role`` lists and removes webhooks other keys registered."""
    return role in ADMIN_ROLES
