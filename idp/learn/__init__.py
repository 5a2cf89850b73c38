"""Layout-aware transformer models that learn a document type from examples.

A page's words and boxes go through a MiniLM encoder whose input embeddings gain a learned
projection of smooth 2-D box features (LayoutLM-style, without per-coordinate tables); a
token head tags schema fields (BIO) and, for generic forms, a pair head links question
spans to answer spans. Training locates the example values on the page by fuzzy matching,
holds out a validation split, calibrates a confidence threshold per field on it and writes
a versioned artefact that round-trips through bytes, so the service can keep models in
object storage, switch between versions and roll back.

Modules: ``dataset`` (words, reading order, value location, BIO tags), ``model`` (the
encoder and heads), ``decode`` (spans to field values), ``train`` (the training loop),
``calibrate`` (per-field thresholds), ``compare`` (what counts as the same value),
``predict`` (fields and question→answer pairs of a page), ``artefact`` (versioned
save/load, current version, rollback), ``reviews`` (examples from approved reviews),
``extractor`` (the registry's learned extractor), ``cli`` (``idp train``, ``idp models``).
torch and transformers are imported only by ``model``, ``train``, ``predict`` and
``artefact``'s loaders.
"""
