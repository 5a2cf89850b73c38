"""Schema-driven fields: the extract, reread, validate and decide stages of the pipeline.

``extract_fields`` runs every registered extractor on every page and merges the candidates
into one ``FieldResult`` per schema field (``classify_result`` first records which schema
the pages read as); ``reread_fields`` reads name and address boxes
of scanned pages again with the Latin model; ``validate_result`` checks them with the one
schema-bound validator (``idp.validation``, also used by review); ``decide_status`` accepts
a record only when every required field is valid and at or above its threshold.
"""

from idp.fields.classify import classify_result
from idp.fields.extract import extract_fields
from idp.fields.reread import reread_fields
from idp.fields.validate import decide_status, validate_result

__all__ = [
    "classify_result",
    "decide_status",
    "extract_fields",
    "reread_fields",
    "validate_result",
]
