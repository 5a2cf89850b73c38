"""Builds the app: settings, problem handlers, routers, and the background work it owns."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from idp.api.docs import install_docs
from idp.api.headers import SecurityHeadersMiddleware
from idp.api.limits import BodyLimitMiddleware
from idp.api.problems import install_problem_handlers
from idp.api.routes import (
    audit,
    documents,
    health,
    keys,
    metrics,
    my_documents,
    pages,
    review,
    schemas,
    webhooks,
)
from idp.audit.keyring import install_keyring
from idp.settings import Settings, get_settings
from idp.web.session import key_from_cookie

log = logging.getLogger(__name__)

API_ROUTERS = [
    health.router,
    documents.router,
    schemas.router,
    keys.router,
    webhooks.router,
    review.router,
    audit.router,
    pages.router,
    my_documents.router,
    metrics.router,
]
"""Routers the app includes, in this order."""
KEY_RESOLVERS = [key_from_cookie]
"""Ways to find the calling key besides ``Authorization: Bearer``: the web pages' session
cookie, so the pages' scripts call the same ``/v1`` API with the signed-in key's roles."""


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """The FastAPI app. ``background=False`` leaves out workers and webhook delivery (tests
    that drive jobs themselves); migrations run at start-up either way."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from idp.db.migrate import upgrade_database

        upgrade_database(settings)
        install_keyring(settings)  # audit events are HMAC-keyed (idp.audit.keyring)
        runtime = None
        if background:
            from idp.jobs.runtime import ServiceRuntime

            runtime = ServiceRuntime(settings)
            runtime.start()
        app.state.runtime = runtime
        try:
            yield
        finally:
            if runtime is not None:
                runtime.stop()

    app = FastAPI(
        title="idp",
        summary="Intelligent document processing: scans and PDFs to validated records.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by install_docs from packaged files
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.runtime = None
    install_problem_handlers(app)
    install_docs(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.api.max_body_bytes,
        timeout_s=settings.api.body_timeout_s,
    )
    # Added last, so outermost: the 413 of the body limit gets the headers too.
    app.add_middleware(SecurityHeadersMiddleware, hsts=settings.api.hsts)
    app.state.key_resolvers = list(KEY_RESOLVERS)
    for router in API_ROUTERS:
        app.include_router(router)
    return app
