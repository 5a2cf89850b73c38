"""Hand new work to whatever processes it: Celery when a broker is set, else local threads."""

from __future__ import annotations

import logging

from idp.settings import Settings

log = logging.getLogger(__name__)


def submit(document_ids: list[str], settings: Settings) -> None:
    """Make sure ``document_ids`` will be processed. The job rows are already committed, so a
    failure here loses nothing: the service re-sends unfinished work periodically."""
    if not document_ids:
        return
    if settings.broker_url:
        try:
            from idp.jobs.celery_app import send

            send(document_ids, settings)
        except Exception:
            log.exception("could not queue %d documents; they will be re-sent", len(document_ids))
    else:
        from idp.jobs.embedded import wake_local_workers

        wake_local_workers()
