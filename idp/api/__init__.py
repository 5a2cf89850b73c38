"""The REST API (FastAPI): ``create_app()`` in ``idp.api.main``."""
