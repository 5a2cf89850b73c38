"""Human review of records that need it, in four parts by responsibility:

- ``claims``: the queue, claim with expiry, renew, release;
- ``corrections``: a reviewer sets a field, normalised and validated again;
- ``decisions``: approve the corrected record, or reject the document;
- ``learning``: the label beside a value the extractors missed, remembered for the schema
  and handed to later jobs (``learned_hints``).

Records are read and written through ``idp.storage.RecordStore`` as typed ``Record``s.
"""
