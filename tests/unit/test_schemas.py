"""Schemas as data: loading, checks with clear errors, JSON Schema export, ``idp schemas``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from idp.cli import main
from idp.errors import SchemaError, UnknownSchemaError
from idp.schemas import DEFAULT_SCHEMAS_DIR, load_schema, load_schemas, parse_schema_file
from idp.settings import Settings

CONTRACT_FIELDS = [
    "first_name", "last_name", "date_of_birth", "national_insurance_number", "email", "phone",
    "address", "postcode", "employment_status", "monthly_income", "household_size",
    "declaration_signed", "application_date",
]  # fmt: skip

MINIMAL = """\
name: {name}
version: 2
retention_days: 30
fields:
  reference:
    type: string
    required: true
    label_hints: {{en: [Reference]}}
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_application_schema_has_the_contract_fields() -> None:
    schema = load_schema("application", Settings())
    assert list(schema.fields) == CONTRACT_FIELDS
    assert schema.version == "1"
    assert schema.retention_days > 0
    assert schema.fields["employment_status"].enum.keys() == {
        "employed", "self_employed", "unemployed", "retired", "student",
    }
    for name, spec in schema.fields.items():
        assert spec.label_hints.get("en"), name
        assert spec.label_hints.get("cy"), f"{name} has no Welsh hint"


def test_schema_hints_never_use_the_held_out_test_phrasings() -> None:
    from tests.synthetic.vocab import TEST_OPTIONS, TEST_PHRASINGS

    schema = load_schema("application", Settings())
    for name, spec in schema.fields.items():
        held_out = {p.casefold() for ps in TEST_PHRASINGS[name].values() for p in ps}
        assert not held_out & {h.casefold() for h in spec.hints()}, name
    options = {o.casefold() for ps in schema.fields["employment_status"].enum.values() for o in ps}
    for member, phrasings in TEST_OPTIONS.items():
        assert not options & {p.casefold() for ps in phrasings.values() for p in ps}, member


def test_a_second_document_type_is_just_a_file(tmp_path: Path) -> None:
    write(tmp_path, "parking.yaml", MINIMAL.format(name="parking"))
    schemas = load_schemas(Settings(schemas_dir=tmp_path))
    assert list(schemas) == ["parking"]
    assert schemas["parking"].version == "2"  # a number in YAML becomes the version text


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: bad\nversion: 1\nretention_days: 1\nfields: [\n", "not valid yaml"),
        ("- a list\n", "top level must be a mapping"),
        (MINIMAL.format(name="other"), "must match the file name"),
        (MINIMAL.format(name="bad").replace("type: string", "type: hue"), "fields.reference.type"),
        (MINIMAL.format(name="bad") + "    rules: [sometimes]\n", "unknown rule 'sometimes'"),
        (MINIMAL.format(name="bad") + "    rules: [{min_age: null}]\n", "needs an argument"),
        (MINIMAL.format(name="bad").replace("type: string", "type: enum"), "needs `enum` members"),
        (MINIMAL.format(name="bad").replace("{en: [Reference]}", "{}"), "at least one label hint"),
        (MINIMAL.format(name="bad") + "    patterns: ['([a-z']\n", "not a regular expression"),
        (MINIMAL.format(name="bad") + "    colour: red\n", "colour"),
        (MINIMAL.format(name="bad").replace("days: 30", "days: 0"), "retention_days"),
        (MINIMAL.format(name="bad") + "cross_rules: [{before: [reference, nope]}]\n", "'nope'"),
    ],
)
def test_a_bad_schema_file_is_one_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, "bad.yaml", text)
    with pytest.raises(SchemaError) as caught:
        parse_schema_file(path)
    assert "bad.yaml" in caught.value.message
    assert message in caught.value.message


def test_a_bad_file_stops_start_up_with_its_name(tmp_path: Path) -> None:
    write(tmp_path, "good.yaml", MINIMAL.format(name="good"))
    write(tmp_path, "broken.json", "{not json")
    with pytest.raises(SchemaError, match="broken.json: not valid json"):
        load_schemas(Settings(schemas_dir=tmp_path))


def test_unknown_schema_names_the_known_ones() -> None:
    with pytest.raises(UnknownSchemaError, match="known: .*application"):
        load_schema("passport", Settings())


def test_json_schema_export_types_each_field() -> None:
    exported = load_schema("application", Settings()).to_json_schema()
    assert exported["$schema"].startswith("https://json-schema.org/draft/2020-12")
    props = exported["properties"]
    assert set(exported["required"]) == set(CONTRACT_FIELDS)
    assert props["date_of_birth"]["format"] == "date"
    assert props["household_size"]["type"] == ["integer", "null"]
    assert props["household_size"]["minimum"] == 1
    assert props["declaration_signed"]["type"] == ["boolean", "null"]
    assert props["employment_status"]["enum"][:5] == [
        "employed", "self_employed", "unemployed", "retired", "student",
    ]
    assert props["national_insurance_number"]["pattern"].startswith("^[A-CEGHJ-PR-TW-Z]{2}")
    assert props["first_name"]["x-personal-data"] is True
    assert "description" in props["monthly_income"]


def test_cli_lists_and_shows_schemas(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schemas"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("application\tversion 1\t13 fields")
    assert main(["schemas", "show", "application"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["$id"] == "urn:idp:schema:application:1"
    assert main(["schemas", "show", "passport"]) == UnknownSchemaError.exit_code
    assert "unknown schema 'passport'" in capsys.readouterr().err


def test_project_schemas_folder_is_the_default() -> None:
    assert (DEFAULT_SCHEMAS_DIR / "application.yaml").is_file()
