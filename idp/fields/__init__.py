"""Schema-driven fields: the extract, validate and decide stages of the pipeline.

``extract_fields`` runs every registered extractor on every page and merges the candidates
into one ``FieldResult`` per schema field; ``validate_fields`` applies the schema's rules
across fields; ``decide_status`` accepts a record only when every required field is valid
and at or above its threshold.
"""

from idp.fields.extract import extract_fields
from idp.fields.validate import decide_status, validate_fields

__all__ = ["decide_status", "extract_fields", "validate_fields"]
