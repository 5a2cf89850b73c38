"""Builds the app: settings, problem handlers, routers, and the background work it owns."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from idp.api.docs import install_docs
from idp.api.limits import BodyLimitMiddleware
from idp.api.problems import install_problem_handlers
from idp.settings import Settings, get_settings

log = logging.getLogger(__name__)

API_ROUTERS = [
    "idp.api.routes.health",
    "idp.api.routes.documents",
    "idp.api.routes.schemas",
    "idp.api.routes.keys",
    "idp.api.routes.webhooks",
    "idp.review.api",
    "idp.audit.api",
    "idp.web.routes",
]
"""Modules whose ``router`` the app includes, in this order."""


def create_app(settings: Settings | None = None, *, background: bool = True) -> FastAPI:
    """The FastAPI app. ``background=False`` leaves out workers and webhook delivery (tests
    that drive jobs themselves); migrations run at start-up either way."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from idp.db.migrate import upgrade_database

        upgrade_database(settings)
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
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.api.max_body_bytes)
    for name in API_ROUTERS:
        module = importlib.import_module(name)
        app.include_router(module.router)
    return app
