"""Field values as a person would print them, each with its canonical value.

Every ``make_*`` function takes a ``random.Random`` and returns ``(text, canonical)``: the text
as it appears on the form and the value the ``application`` schema should produce from it.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from tests.synthetic.vocab import EMAIL_DOMAINS, FIRST_NAMES, LAST_NAMES, MONTHS, STREETS, TOWNS

DATE_FORMATS: tuple[str, ...] = ("dmy_slash", "d_month_y", "dmy_dot", "dd_mon_y", "iso")
"""The printed date styles: 03/03/1985, 3 March 1985, 03.03.1985, 03 Mar 1985, 1985-03-03."""

# Letters the NI number rules allow (HMRC): not D, F, I, Q, U, V first; not O second either.
_NI_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NI_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NI_BAD_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
# Postcode inward letters never use C, I, K, M, O or V.
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def format_date(date: dt.date, style: str) -> str:
    """``date`` printed in one of ``DATE_FORMATS``."""
    if style == "dmy_slash":
        return date.strftime("%d/%m/%Y")
    if style == "d_month_y":
        return f"{date.day} {MONTHS[date.month - 1]} {date.year}"
    if style == "dmy_dot":
        return date.strftime("%d.%m.%Y")
    if style == "dd_mon_y":
        return f"{date.day:02d} {MONTHS[date.month - 1][:3]} {date.year}"
    if style == "iso":
        return date.isoformat()
    raise ValueError(f"unknown date style {style!r}")


def random_date(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    """A uniformly drawn day between ``start`` and ``end`` inclusive."""
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def make_date(rng: random.Random, start: dt.date, end: dt.date) -> tuple[str, str]:
    """A date in a random printed style, and its ISO form."""
    date = random_date(rng, start, end)
    return format_date(date, rng.choice(DATE_FORMATS)), date.isoformat()


def make_name(rng: random.Random, diacritics: bool) -> tuple[tuple[str, str], tuple[str, str]]:
    """``((first, origin), (last, origin))``, with at least one diacritic iff ``diacritics``.

    Apostrophes and particles (O'Brien, ap Gwilym) count as plain ASCII.
    """
    while True:
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        if (not (first[0] + last[0]).isascii()) == diacritics:
            return first, last


def ascii_fold(text: str) -> str:
    """``text`` without diacritics, for e-mail addresses (Ł → L, ø → o, ı → i, đ → d)."""
    table = str.maketrans({"Ł": "L", "ł": "l", "Ø": "O", "ø": "o", "ı": "i", "Đ": "D", "đ": "d"})
    decomposed = unicodedata.normalize("NFKD", text.translate(table))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def make_email(rng: random.Random, first: str, last: str) -> tuple[str, str]:
    """An address built from the name; the canonical form lower-cases it."""
    f = "".join(c for c in ascii_fold(first).lower() if c.isalnum())
    la = "".join(c for c in ascii_fold(last).lower() if c.isalnum())
    local = rng.choice([f"{f}.{la}", f"{f[0]}{la}", f"{f}{rng.randint(1, 99)}", f"{la}.{f}"])
    text = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
    return text, text.lower()


def make_phone(rng: random.Random) -> tuple[str, str]:
    """A UK mobile or landline, with or without +44 and spaces; canonical is digits with 0."""
    if rng.random() < 0.6:
        rest = f"7{rng.randint(100, 999)}{rng.randint(100000, 999999)}"  # 10 digits after 0
        groups: tuple[str, ...] = (rest[:4], rest[4:])
    else:
        area = rng.choice(["29", "1970", "1248", "1792", "1267", "117", "161"])
        local_len = 10 - len(area)
        local = str(rng.randint(10 ** (local_len - 1) * 2, 10**local_len - 1))
        rest = area + local
        groups = (area, local) if len(area) > 2 else (area, local[:4], local[4:])
    canonical = "0" + rest
    style = rng.choice(["spaced", "plain", "intl_spaced", "intl_plain"])
    if style == "spaced":
        text = "0" + " ".join(groups)
    elif style == "plain":
        text = canonical
    elif style == "intl_spaced":
        text = "+44 " + " ".join(groups)
    else:
        text = "+44" + rest
    return text, canonical


def make_ni_number(rng: random.Random) -> tuple[str, str]:
    """A valid-format NI number, printed with or without spaces; canonical has none."""
    while True:
        prefix = rng.choice(_NI_FIRST) + rng.choice(_NI_SECOND)
        if prefix not in _NI_BAD_PREFIXES:
            break
    digits = f"{rng.randint(0, 999999):06d}"
    suffix = rng.choice("ABCD")
    canonical = f"{prefix}{digits}{suffix}"
    style = rng.choice(["plain", "pairs", "block"])
    if style == "plain":
        text = canonical
    elif style == "pairs":
        text = f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {suffix}"
    else:
        text = f"{prefix} {digits} {suffix}"
    return text, canonical


def make_address(rng: random.Random) -> tuple[str, str, str, str]:
    """``(address_text, address_canonical, postcode_text, postcode_canonical)``."""
    town, area = rng.choice(TOWNS)
    street = f"{rng.randint(1, 180)} {rng.choice(STREETS)}"
    if rng.random() < 0.2:
        street = f"Flat {rng.randint(1, 12)}, {street}"
    text = f"{street}, {town}"
    outward = f"{area}{rng.randint(1, 24)}"
    inward = f"{rng.randint(0, 9)}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
    canonical_pc = f"{outward} {inward}"
    roll = rng.random()
    if roll < 0.7:
        pc_text = canonical_pc
    elif roll < 0.9:
        pc_text = f"{outward}{inward}"
    else:
        pc_text = canonical_pc.lower()
    return text, text, pc_text, canonical_pc


def make_amount(rng: random.Random) -> tuple[str, str]:
    """A monthly amount in pounds as printed (£1,234.56, 1234.56, £950); canonical 2 d.p."""
    pence = rng.randint(0, 450000)
    if rng.random() < 0.25:
        pence -= pence % 100
    pounds, rest = divmod(pence, 100)
    canonical = f"{pounds}.{rest:02d}"
    style = rng.choice(["gbp_comma", "plain", "gbp_plain", "gbp_whole"])
    if style == "gbp_comma":
        text = f"£{pounds:,}.{rest:02d}"
    elif style == "plain":
        text = canonical
    elif style == "gbp_plain":
        text = f"£{canonical}"
    else:
        text = f"£{pounds:,}" if rest == 0 else f"£{pounds:,}.{rest:02d}"
    return text, canonical
