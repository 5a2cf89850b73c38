"""Human review: the queue, claim locks, corrections and what they teach the extractors.

``learned_hints(session, schema_name)`` gives the label phrasings learned from corrections,
by field; the job runner puts them into ``ProcessingOptions.learned_hints``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def learned_hints(session: Session, schema_name: str) -> dict[str, list[str]]:
    """Label phrasings learned for ``schema_name``, by field, most used first."""
    from idp.review.service import learned_hints as _learned

    return _learned(session, schema_name)


__all__ = ["learned_hints"]
