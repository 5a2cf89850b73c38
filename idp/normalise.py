"""Where review's corrections still read values from; everything here lives elsewhere now.

Formats (normalisers, search patterns, JSON Schema) are declared in ``idp.formats``; reading
a field's value and checking its rules is ``idp.validation``. This module goes once review
calls ``idp.validation.normalise_value``.
"""

from idp.validation import check_rules, normalise_field

__all__ = ["check_rules", "normalise_field"]
