"""The extractors that run, in order: built-ins listed explicitly, plugins by entry point.

A third-party extractor is a class with ``name`` and ``extract(page, context)`` published in
the ``idp.extractors`` entry-point group; one that fails to load is logged and skipped, never
taking the service down.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib.metadata import entry_points

from extractors.base import Extractor
from extractors.choices import CheckboxGroupExtractor
from extractors.keyvalue import KeyValueExtractor
from extractors.patterns import PatternExtractor
from extractors.semantic import SemanticLabelExtractor
from extractors.signature import SignatureExtractor

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "idp.extractors"

BUILT_IN: tuple[type, ...] = (
    KeyValueExtractor,
    SemanticLabelExtractor,
    PatternExtractor,
    CheckboxGroupExtractor,
    SignatureExtractor,
)
"""Built-in extractors in the order they run."""


@lru_cache
def get_extractors() -> tuple[Extractor, ...]:
    """Built-ins then plugins, each instantiated once per process."""
    found: list[Extractor] = [cls() for cls in BUILT_IN]
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            plugin = ep.load()()
        except Exception:
            log.exception("extractor plugin %s failed to load; skipped", ep.name)
            continue
        if not isinstance(plugin, Extractor):
            log.error("extractor plugin %s lacks name/extract; skipped", ep.name)
            continue
        found.append(plugin)
    return tuple(found)
