"""Pydantic types shared by every stage; no processing code lives here."""

from idp.datamodel.document import (
    BBox,
    Block,
    Checkbox,
    KeyValue,
    Line,
    Page,
    PageSource,
    SignatureMark,
    Table,
    TableCell,
    Word,
    normalise_confidence,
)
from idp.datamodel.record import (
    Alternative,
    Classification,
    FieldResult,
    Record,
    RecordStatus,
    ReviewReason,
    Source,
)
from idp.datamodel.result import ProcessingOptions, ProcessingResult, StageError

__all__ = [
    "Alternative",
    "Classification",
    "BBox",
    "Block",
    "Checkbox",
    "FieldResult",
    "KeyValue",
    "Line",
    "Page",
    "PageSource",
    "ProcessingOptions",
    "ProcessingResult",
    "Record",
    "RecordStatus",
    "ReviewReason",
    "SignatureMark",
    "Source",
    "StageError",
    "Table",
    "TableCell",
    "Word",
    "normalise_confidence",
]
