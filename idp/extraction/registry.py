"""The extractors that run, in order: built-ins by dotted name, then plugins by entry point.

Built-ins and plugins load the same way, by name, so ``idp`` never imports an extractor
itself. A third-party extractor is a class with ``name`` and ``extract(page, context)``
published in the ``idp.extractors`` entry-point group; one that fails to load is logged and
skipped, never taking the service down.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from importlib import import_module
from importlib.metadata import entry_points

from idp.extraction import Extractor

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "idp.extractors"

BUILT_IN: tuple[str, ...] = (
    "extractors.keyvalue:KeyValueExtractor",
    "extractors.semantic:SemanticLabelExtractor",
    "extractors.patterns:PatternExtractor",
    "extractors.choices:CheckboxGroupExtractor",
    "extractors.signature:SignatureExtractor",
    "idp.learn.extractor:LearnedFieldExtractor",  # proposes nothing until `idp train` ran
)
"""Built-in extractors (``module:class``) in the order they run."""


def _load(target: str) -> type:
    module, _, name = target.partition(":")
    cls: type = getattr(import_module(module), name)
    return cls


@lru_cache
def get_extractors() -> tuple[Extractor, ...]:
    """Built-ins then plugins, each instantiated once per process.

    A built-in that fails to load is a broken installation and raises; a plugin that fails
    is logged and skipped.
    """
    found: list[Extractor] = [_load(target)() for target in BUILT_IN]
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
