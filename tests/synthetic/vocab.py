"""Words the synthetic forms are made of: label phrasings (split), option labels, names, places.

The phrasings come in two disjoint sets. ``HINT_PHRASINGS`` may be listed as label hints in
``schemas/application.yaml``; ``TEST_PHRASINGS`` must never be, so that the field benchmark
measures labels the schema has not seen. Each set has English (``en``) and Welsh (``cy``)
phrasings per field; the bilingual layouts print ``"<cy> / <en>"``.
"""

from __future__ import annotations

from typing import Final

Phrasings = dict[str, dict[str, tuple[str, ...]]]

FIELD_NAMES: Final[tuple[str, ...]] = (
    "first_name",
    "last_name",
    "date_of_birth",
    "national_insurance_number",
    "email",
    "phone",
    "address",
    "postcode",
    "employment_status",
    "monthly_income",
    "household_size",
    "declaration_signed",
    "application_date",
)
"""The ``application`` schema's fields (a contract of issue 3), in form order."""

HINT_PHRASINGS: Final[Phrasings] = {
    "first_name": {"en": ("First name", "Forename", "First names"), "cy": ("Enw cyntaf",)},
    "last_name": {"en": ("Last name", "Surname", "Family name"), "cy": ("Cyfenw",)},
    "date_of_birth": {"en": ("Date of birth", "DOB", "Birth date"), "cy": ("Dyddiad geni",)},
    "national_insurance_number": {
        "en": ("National Insurance number", "NI number", "NINO"),
        "cy": ("Rhif Yswiriant Gwladol",),
    },
    "email": {"en": ("Email address", "Email", "E-mail"), "cy": ("Cyfeiriad e-bost",)},
    "phone": {
        "en": ("Phone number", "Telephone", "Telephone number", "Mobile"),
        "cy": ("Rhif ffôn",),
    },
    "address": {"en": ("Address", "Street address"), "cy": ("Cyfeiriad",)},
    "postcode": {"en": ("Postcode",), "cy": ("Cod post",)},
    "employment_status": {
        "en": ("Employment status", "Current employment"),
        "cy": ("Statws cyflogaeth",),
    },
    "monthly_income": {"en": ("Monthly income", "Income per month"), "cy": ("Incwm misol",)},
    "household_size": {
        "en": ("Household size", "Number of people in household"),
        "cy": ("Nifer yn yr aelwyd",),
    },
    "declaration_signed": {
        "en": ("Signature", "Signature of applicant"),
        "cy": ("Llofnod",),
    },
    "application_date": {"en": ("Date", "Application date"), "cy": ("Dyddiad y cais",)},
}
"""Phrasings a schema may list as label hints (copy them into ``label_hints``)."""

TEST_PHRASINGS: Final[Phrasings] = {
    "first_name": {
        "en": ("Given name(s)", "Christian name", "Name you are known by"),
        "cy": ("Enw personol",),
    },
    "last_name": {
        "en": ("Surname / family name", "Last (family) name", "Family surname"),
        "cy": ("Enw teuluol",),
    },
    "date_of_birth": {
        "en": ("Date you were born", "Your date of birth", "Born on"),
        "cy": ("Pryd cawsoch eich geni",),
    },
    "national_insurance_number": {
        "en": ("NI No.", "National Insurance No.", "Your NI reference"),
        "cy": ("Rhif YG",),
    },
    "email": {
        "en": ("Email contact", "Your email", "Electronic mail address"),
        "cy": ("E-bost cyswllt",),
    },
    "phone": {
        "en": ("Contact telephone", "Daytime phone", "Tel. no."),
        "cy": ("Ffôn cyswllt",),
    },
    "address": {
        "en": ("Residential address", "Where you live", "Current address"),
        "cy": ("Cyfeiriad preswyl",),
    },
    "postcode": {"en": ("Postal code", "Your postcode"), "cy": ("Côd post",)},
    "employment_status": {
        "en": ("Work status", "Which best describes you?", "Current work situation"),
        "cy": ("Sefyllfa waith",),
    },
    "monthly_income": {
        "en": ("Monthly take-home pay", "Income each month", "Net pay per month"),
        "cy": ("Cyflog clir misol",),
    },
    "household_size": {
        "en": (
            "Number of people in your household",
            "People living with you (including you)",
            "How many people live with you?",
        ),
        "cy": ("Faint o bobl sy'n byw gyda chi",),
    },
    "declaration_signed": {
        "en": ("Applicant's signature", "Sign here", "Signed by applicant"),
        "cy": ("Llofnod yr ymgeisydd",),
    },
    "application_date": {
        "en": ("Date signed", "Date completed", "Today's date"),
        "cy": ("Dyddiad heddiw",),
    },
}
"""Unseen phrasings for testing; a schema must not list any of them."""

HINT_OPTIONS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "employed": {"en": ("Employed", "In work"), "cy": ("Cyflogedig",)},
    "self_employed": {"en": ("Self-employed", "Self employed"), "cy": ("Hunangyflogedig",)},
    "unemployed": {"en": ("Unemployed", "Not working"), "cy": ("Di-waith",)},
    "retired": {"en": ("Retired",), "cy": ("Wedi ymddeol",)},
    "student": {"en": ("Student",), "cy": ("Myfyriwr",)},
}
"""Employment status option labels a schema may list (enum member → phrasings)."""

TEST_OPTIONS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "employed": {"en": ("In paid employment", "Working for an employer"), "cy": ("Mewn gwaith",)},
    "self_employed": {"en": ("Working for myself", "Freelance"), "cy": ("Gweithio i fi fy hun",)},
    "unemployed": {"en": ("Looking for work", "Out of work"), "cy": ("Chwilio am waith",)},
    "retired": {"en": ("Retired from work", "Pensioner"), "cy": ("Ar bensiwn",)},
    "student": {"en": ("In full-time education", "Full-time student"), "cy": ("Mewn addysg",)},
}
"""Unseen option labels for testing."""

EMPLOYMENT_STATUSES: Final[tuple[str, ...]] = (
    "employed",
    "self_employed",
    "unemployed",
    "retired",
    "student",
)

CONTACT_GROUP: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Preferred contact method", "Email", "Phone", "Post"),
    "cy": ("Dull cyswllt", "E-bost", "Ffôn", "Post"),
}
"""A second checkbox group that no schema field uses: question, then options."""

TITLES: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Application for support", "Application form", "Household support application"),
    "cy": ("Cais am gymorth",),
}

SECTIONS: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Section 1 - About you", "Section 2 - Contact details",
           "Section 3 - Your circumstances", "Section 4 - Declaration"),
    "cy": ("Adran 1 - Amdanoch chi", "Adran 2 - Manylion cyswllt",
           "Adran 3 - Eich amgylchiadau", "Adran 4 - Datganiad"),
}

DECLARATION: Final[dict[str, str]] = {
    "en": "I declare that the information I have given on this form is correct and complete.",
    "cy": "Rwy'n datgan bod yr wybodaeth ar y ffurflen hon yn gywir ac yn gyflawn.",
}

HOUSEHOLD_HEADER: Final[dict[str, tuple[str, str, str]]] = {
    "en": ("Name", "Relationship", "Age"),
    "cy": ("Enw / Name", "Perthynas / Relationship", "Oed / Age"),
}
RELATIONSHIPS: Final[tuple[str, ...]] = ("Partner", "Son", "Daughter", "Parent", "Lodger")

# (name, origin); names with and without diacritics from many origins.
FIRST_NAMES: Final[tuple[tuple[str, str], ...]] = (
    ("Siân", "welsh"), ("Llŷr", "welsh"), ("Gwenllïan", "welsh"), ("Dafydd", "welsh"),
    ("Rhiannon", "welsh"), ("Ieuan", "welsh"), ("Cerys", "welsh"), ("Bethan", "welsh"),
    ("Seán", "irish"), ("Siobhán", "irish"), ("Dáithí", "irish"), ("Aoife", "irish"),
    ("Niamh", "irish"), ("Zoë", "english"), ("Oliver", "english"), ("Sarah", "english"),
    ("Gareth", "english"), ("Łukasz", "polish"), ("Małgorzata", "polish"),
    ("Tomasz", "polish"), ("Thảo", "vietnamese"), ("Minh", "vietnamese"), ("José", "spanish"),
    ("Ángel", "spanish"), ("Lucía", "spanish"), ("Jürgen", "german"), ("Anna", "german"),
    ("Øyvind", "norwegian"), ("Søren", "danish"), ("Björn", "swedish"),
    ("Renée", "french"), ("François", "french"), ("Anaïs", "french"), ("Élodie", "french"),
    ("Çağla", "turkish"), ("Emre", "turkish"), ("Chidi", "nigerian"), ("Ngozi", "nigerian"),
    ("Kwame", "ghanaian"), ("Priya", "indian"), ("Arjun", "indian"), ("Fatima", "arabic"),
    ("Mohammed", "arabic"), ("Hamza", "arabic"), ("Wei", "chinese"), ("Mei", "chinese"),
    ("Olga", "russian"), ("Antonín", "czech"),
)
LAST_NAMES: Final[tuple[tuple[str, str], ...]] = (
    ("Jones", "welsh"), ("Williams", "welsh"), ("Davies", "welsh"), ("Pritchard", "welsh"),
    ("ap Gwilym", "welsh"), ("Gruffydd", "welsh"), ("Llŷn", "welsh"),
    ("O'Brien", "irish"), ("Ní Bhriain", "irish"), ("Ó Súilleabháin", "irish"),
    ("MacCarthy", "irish"), ("Smith", "english"), ("Hughes", "english"), ("Brontë", "english"),
    ("Nguyễn", "vietnamese"), ("Trần", "vietnamese"), ("Phạm", "vietnamese"),
    ("Müller", "german"), ("Böhm", "german"), ("Schmidt", "german"), ("Łukaszewicz", "polish"),
    ("Żak", "polish"), ("Kowalski", "polish"), ("Fernández", "spanish"), ("Gómez", "spanish"),
    ("Garcia", "spanish"), ("Sørensen", "danish"), ("Øberg", "norwegian"),
    ("Çelik", "turkish"), ("Yılmaz", "turkish"), ("Okafor", "nigerian"),
    ("Adeyemi", "nigerian"), ("Mensah", "ghanaian"), ("Patel", "indian"), ("Singh", "indian"),
    ("Khan", "arabic"), ("Al-Sayed", "arabic"), ("Chen", "chinese"), ("Wang", "chinese"),
    ("Novák", "czech"), ("Lefèvre", "french"), ("Dubois", "french"),
)

STREETS: Final[tuple[str, ...]] = (
    "Heol y Frenhines", "Station Road", "High Street", "Ffordd yr Eglwys", "Church Lane",
    "Stryd Fawr", "Park Avenue", "Mill Lane", "Victoria Road", "Bryn Glas", "Maes y Dref",
    "Queen Street", "Clos Tŷ Gwyn", "North Parade",
)
TOWNS: Final[tuple[tuple[str, str], ...]] = (
    ("Cardiff", "CF"), ("Caerdydd", "CF"), ("Swansea", "SA"), ("Aberystwyth", "SY"),
    ("Bangor", "LL"), ("Wrexham", "LL"), ("Newport", "NP"), ("Carmarthen", "SA"),
    ("Llandudno", "LL"), ("Bristol", "BS"), ("Manchester", "M"), ("Leeds", "LS"),
    ("London", "E"), ("Machynlleth", "SY"), ("Llanelli", "SA"), ("Pontypridd", "CF"),
)
EMAIL_DOMAINS: Final[tuple[str, ...]] = (
    "example.org", "example.co.uk", "mail.example.com", "post.example.net",
)
MONTHS: Final[tuple[str, ...]] = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
