"""Document types as data: load and check schema files, export JSON Schema, ``idp schemas``.

A schema file (YAML or JSON) in ``schemas/`` declares one document type: its fields with
type, format, label hints, validation rules and review threshold, and its retention period.
Files are checked when loaded; a bad file is one ``SchemaError`` naming the file and what is
wrong in it. Adding a document type means adding a file.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from idp.errors import SchemaError, UnknownSchemaError
from idp.formats import DEFAULT_FORMAT, Format, check_format, format_for
from idp.settings import Settings, get_settings

DEFAULT_SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"
"""The project's own ``schemas/`` folder, used unless ``IDP_SCHEMAS_DIR`` says otherwise."""

SCHEMA_SUFFIXES = (".yaml", ".yml", ".json")
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


class FieldType(StrEnum):
    """The type of a field's value in the record."""

    STRING = "string"
    DATE = "date"
    INTEGER = "integer"
    MONEY = "money"
    BOOLEAN = "boolean"
    ENUM = "enum"


class FieldSource(StrEnum):
    """Where on the page a field's value comes from."""

    TEXT = "text"
    CHECKBOX_GROUP = "checkbox_group"
    SIGNATURE = "signature"


RULES_WITH_ARGUMENT = {"min", "max", "min_age", "max_age", "not_before"}
RULES_WITHOUT_ARGUMENT = {"past", "not_future"}


class Rule(BaseModel):
    """One validation rule: ``past``, ``not_future``, ``min``, ``max``, ``min_age``,
    ``max_age`` or ``not_before`` (with its argument)."""

    name: str
    """The rule's name."""
    arg: Any = None
    """The rule's argument (a number, or an ISO date for ``not_before``)."""


class FieldSpec(BaseModel):
    """One field of a document type."""

    model_config = {"extra": "forbid"}

    type: FieldType = FieldType.STRING
    """Type of the value in the record."""
    format: str = DEFAULT_FORMAT
    """Normalisation and checks for string fields (name, ni_number, email…), from the
    format registry (``idp.formats``)."""
    source: FieldSource = FieldSource.TEXT
    """Where the value comes from: text near a label, a ticked box of a group, a signature."""
    description: str = ""
    """What the field holds; shown in the JSON Schema export and to reviewers."""
    titles: dict[str, str] = Field(default_factory=dict)
    """The field's name as people read it, by language code (``en``, ``cy``); the reviewer
    and record pages show it instead of the contract name."""
    personal_data: bool = False
    """Whether the value is personal data (redacted from logs, subject to retention)."""
    required: bool = False
    """Whether a record needs this field, valid, to be accepted without review."""
    threshold: float = Field(default=0.8, ge=0.0, le=1.0)
    """Confidence at or above which the value is trusted without review."""
    label_hints: dict[str, list[str]] = Field(default_factory=dict)
    """Label phrasings a form may use, by language code (``en``, ``cy``)."""
    patterns: list[str] = Field(default_factory=list)
    """Extra regular expressions a value must match (after normalisation)."""
    enum: dict[str, list[str]] = Field(default_factory=dict)
    """For enum fields: each member with the box labels that mean it."""
    rules: list[Rule] = Field(default_factory=list)
    """Validation rules beyond type and format."""

    @field_validator("rules", mode="before")
    @classmethod
    def _parse_rules(cls, value: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for item in value or []:
            if isinstance(item, str):
                name, arg = item, None
            elif isinstance(item, dict) and len(item) == 1:
                name, arg = next(iter(item.items()))
            elif isinstance(item, dict) and "name" in item:
                name, arg = item["name"], item.get("arg")
            else:
                raise ValueError(f"a rule is a name or a one-key mapping, not {item!r}")
            if name in RULES_WITHOUT_ARGUMENT:
                if arg is not None:
                    raise ValueError(f"rule {name!r} takes no argument")
            elif name in RULES_WITH_ARGUMENT:
                if arg is None:
                    raise ValueError(f"rule {name!r} needs an argument")
            else:
                known = sorted(RULES_WITH_ARGUMENT | RULES_WITHOUT_ARGUMENT)
                raise ValueError(f"unknown rule {name!r} (known: {', '.join(known)})")
            out.append({"name": name, "arg": str(arg) if name == "not_before" else arg})
        return out

    @field_validator("patterns")
    @classmethod
    def _compile_patterns(cls, value: list[str]) -> list[str]:
        for pattern in value:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.type == FieldType.ENUM and not self.enum:
            raise ValueError("an enum field needs `enum` members")
        if self.enum and self.type != FieldType.ENUM:
            raise ValueError("`enum` members are only for fields of type enum")
        check_format(self.type.value, self.format)
        if self.source == FieldSource.CHECKBOX_GROUP and self.type != FieldType.ENUM:
            raise ValueError("source checkbox_group needs type enum")
        if self.source == FieldSource.SIGNATURE and self.type != FieldType.BOOLEAN:
            raise ValueError("source signature needs type boolean")
        if not self.hints():
            raise ValueError("a field needs at least one label hint")
        return self

    def value_format(self) -> Format:
        """The registered format that reads, checks, finds and exports this field's values."""
        return format_for(self.type.value, self.format)

    def title_in(self, lang: str, name: str) -> str:
        """The field's title in ``lang`` (English, then ``name`` made readable, if missing)."""
        return self.titles.get(lang) or self.titles.get("en") or name.replace("_", " ").capitalize()

    def hints(self) -> list[str]:
        """Every label hint, all languages, in file order."""
        return [h for phrasings in self.label_hints.values() for h in phrasings]

    def rule(self, name: str) -> Any:
        """The argument of rule ``name``; ``True`` for a rule without one; ``None`` if absent."""
        for rule in self.rules:
            if rule.name == name:
                return True if rule.arg is None else rule.arg
        return None


class CrossRule(BaseModel):
    """A rule between two fields: ``{before: [first, second]}`` says first < second."""

    kind: str
    """The rule: ``before``."""
    first: str
    """The field that must come first."""
    second: str
    """The field it is compared with."""


class DocumentSchema(BaseModel):
    """A document type: its fields and how long records of it are kept."""

    model_config = {"extra": "forbid"}

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Identifier used by ``--schema`` and the API."""
    version: str
    """Version written into every record (``schema_version``)."""
    title: str = ""
    """Human-readable name."""
    titles: dict[str, str] = Field(default_factory=dict)
    """The human-readable name by language code (``en``, ``cy``), for the web pages."""
    description: str = ""
    """What the document is."""
    retention_days: int = Field(gt=0)
    """Days a record and its original are kept before purge."""
    fields: dict[str, FieldSpec]
    """The fields, by contract name, in the order reviewers see them."""
    cross_rules: list[CrossRule] = Field(default_factory=list)
    """Rules between fields, such as a date of birth before the application date."""

    @field_validator("cross_rules", mode="before")
    @classmethod
    def _parse_cross_rules(cls, value: Any) -> list[dict[str, str]]:
        out = []
        for item in value or []:
            if isinstance(item, dict) and "kind" in item:
                out.append(item)
                continue
            if not (isinstance(item, dict) and len(item) == 1):
                raise ValueError(f"a cross-field rule is a one-key mapping, not {item!r}")
            kind, names = next(iter(item.items()))
            if kind != "before":
                raise ValueError(f"unknown cross-field rule {kind!r} (known: before)")
            if not (isinstance(names, list) and len(names) == 2):
                raise ValueError(f"rule {kind!r} takes a list of two field names")
            out.append({"kind": kind, "first": names[0], "second": names[1]})
        return out

    @model_validator(mode="after")
    def _cross_rules_name_fields(self) -> DocumentSchema:
        for rule in self.cross_rules:
            for name in (rule.first, rule.second):
                if name not in self.fields:
                    raise ValueError(f"cross-field rule names unknown field {name!r}")
        return self

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: Any) -> str:
        return str(value)

    @field_validator("fields")
    @classmethod
    def _field_names(cls, value: dict[str, FieldSpec]) -> dict[str, FieldSpec]:
        if not value:
            raise ValueError("a schema needs at least one field")
        for name in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
                raise ValueError(f"field name {name!r} must be lower_snake_case")
        return value

    def title_in(self, lang: str) -> str:
        """The document type's title in ``lang`` (then English, ``title``, the name)."""
        return self.titles.get(lang) or self.titles.get("en") or self.title or self.name

    def to_json_schema(self) -> dict[str, Any]:
        """The record's ``fields`` values as JSON Schema (draft 2020-12) for integrators."""
        properties = {name: _field_json_schema(spec) for name, spec in self.fields.items()}
        return {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": f"urn:idp:schema:{self.name}:{self.version}",
            "title": self.title or self.name,
            "description": self.description,
            "type": "object",
            "properties": properties,
            "required": [name for name, spec in self.fields.items() if spec.required],
            "additionalProperties": False,
            "x-retention-days": self.retention_days,
            "x-version": self.version,
        }


def _field_json_schema(spec: FieldSpec) -> dict[str, Any]:
    out: dict[str, Any] = dict(spec.value_format().json_schema)
    out["type"] = [out["type"], "null"]
    if spec.type == FieldType.ENUM:
        out["enum"] = [*spec.enum, None]
    if spec.type == FieldType.INTEGER:
        for rule, key in (("min", "minimum"), ("max", "maximum")):
            arg = spec.rule(rule)
            if arg is not None:
                out[key] = arg
    if spec.description:
        out["description"] = spec.description
    out["x-personal-data"] = spec.personal_data
    out["x-review-threshold"] = spec.threshold
    out["x-label-hints"] = spec.label_hints
    return out


def schemas_dir(settings: Settings | None = None) -> Path:
    """The folder schema files are read from."""
    settings = settings or get_settings()
    return settings.schemas_dir or DEFAULT_SCHEMAS_DIR


def parse_schema_file(path: Path) -> DocumentSchema:
    """Read and check one schema file; a bad file is a ``SchemaError`` saying what and where."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"schema file {path.name}: cannot be read ({exc})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        kind = path.suffix[1:]
        raise SchemaError(f"schema file {path.name}: not valid {kind}: {detail}") from None
    if not isinstance(data, dict):
        raise SchemaError(f"schema file {path.name}: the top level must be a mapping")
    try:
        schema = DocumentSchema.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(top)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise SchemaError(f"schema file {path.name}: {problems}") from None
    if schema.name != path.stem:
        raise SchemaError(
            f"schema file {path.name}: name {schema.name!r} must match the file name {path.stem!r}"
        )
    return schema


_cache: dict[tuple[Path, tuple[tuple[str, float], ...]], dict[str, DocumentSchema]] = {}


def load_schemas(settings: Settings | None = None) -> dict[str, DocumentSchema]:
    """Every schema in the schemas folder, by name; re-read only when a file changes."""
    folder = schemas_dir(settings)
    if not folder.is_dir():
        raise SchemaError(f"schemas folder {folder} does not exist")
    files = sorted(p for p in folder.iterdir() if p.suffix in SCHEMA_SUFFIXES and p.is_file())
    key = (folder, tuple((p.name, p.stat().st_mtime) for p in files))
    if key not in _cache:
        schemas: dict[str, DocumentSchema] = {}
        for path in files:
            schema = parse_schema_file(path)
            if schema.name in schemas:
                raise SchemaError(f"schema file {path.name}: a second schema named {schema.name!r}")
            schemas[schema.name] = schema
        _cache.clear()
        _cache[key] = schemas
    return _cache[key]


def load_schema(name: str, settings: Settings | None = None) -> DocumentSchema:
    """One schema by name; an unknown name is an ``UnknownSchemaError`` listing the known."""
    schemas = load_schemas(settings)
    if name not in schemas:
        known = ", ".join(sorted(schemas)) or "none"
        raise UnknownSchemaError(f"unknown schema {name!r} (known: {known})")
    return schemas[name]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``idp schemas`` (list) and ``idp schemas show NAME`` (JSON Schema)."""
    p = subparsers.add_parser(
        "schemas",
        help="list document types, or show one as JSON Schema",
        description="List the document types (schemas), check them, or print one as JSON Schema.",
    )
    actions = p.add_subparsers(dest="schemas_action")
    show = actions.add_parser("show", help="print a document type as JSON Schema")
    show.add_argument("name", help="schema name (see `idp schemas`)")
    actions.add_parser("check", help="load and check every schema file; exit 3 on a bad one")
    p.set_defaults(func=run_schemas)


def run_schemas(args: argparse.Namespace) -> int:
    """Carry out ``idp schemas [show NAME | check]``."""
    action = getattr(args, "schemas_action", None)
    if action == "show":
        schema = load_schema(args.name)
        sys.stdout.write(json.dumps(schema.to_json_schema(), indent=2, ensure_ascii=False) + "\n")
        return 0
    schemas = load_schemas()
    if action == "check":
        print(f"{len(schemas)} schema(s) OK in {schemas_dir()}")
        return 0
    for schema in schemas.values():
        required = sum(1 for spec in schema.fields.values() if spec.required)
        print(
            f"{schema.name}\tversion {schema.version}\t{len(schema.fields)} fields "
            f"({required} required)\t{schema.title}"
        )
    return 0
