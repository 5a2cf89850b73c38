"""The reviewer and upload pages: Jinja2 templates and plain CSS/JS served by the service."""
