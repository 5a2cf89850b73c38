"""Signature lines beyond "a drawn mark or nothing": what a declaration's line can show.

``assign_signature_styles`` gives each form's ``declaration_signed`` one style and sets its
truth to match. Only a drawn mark (with or without the name printed under it) and a typed
``/s/ Name`` are signatures; a printed name on or under the line, a stamp and an empty line
are not. The default corpus keeps its plain styles; these are opt-in so that the field
benchmark's numbers stay comparable.
"""

from __future__ import annotations

import random
from typing import Any

SIGNED_STYLES = ("drawn", "drawn_over_name", "typed_s")
UNSIGNED_STYLES = ("empty", "printed_name", "printed_under", "stamp")
STYLES = SIGNED_STYLES + UNSIGNED_STYLES


def assign_signature_styles(forms: list[Any], seed: str = "signature-styles") -> list[Any]:
    """Give each form's signature line a style, in turn over ``STYLES`` (shuffled per
    round), and make its truth follow; the forms are changed in place and returned."""
    rng = random.Random(seed)
    order: list[str] = []
    for spec in forms:
        if not order:
            order = list(STYLES)
            rng.shuffle(order)
        field = spec.fields["declaration_signed"]
        field.style = order.pop()
        field.value = field.style in SIGNED_STYLES
    return forms
