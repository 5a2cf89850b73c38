"""Processing jobs: one function (``process.run_claimed``) in every mode.

Embedded mode runs it in worker threads inside the service (``embedded``); scale mode in
Celery workers on Redis (``celery_app``). The job table is the source of truth for who
processes what (``queue``); uploads enter through ``intake``, erasure leaves via ``erase``.
"""
