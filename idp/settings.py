"""One settings class, ``IDP_`` prefix, nested groups with ``__``.

Read through ``get_settings()``; tests override with ``get_settings.cache_clear()`` and
environment variables, or by passing a ``Settings`` object where a function accepts one.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = re.compile(
    r"change[-_ ]?me|replace[-_ ]?me|generate[-_ ]?me|^<.*>$|your[-_ ]?(secret|password)|"
    r"placeholder|^(secret|password|admin|minioadmin|passw0rd|default|example|test|xxx+|\*+)$",
    re.IGNORECASE,
)
"""Values that are someone's example, not a secret: refused at start-up."""
GENERATE_HINT = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(32))"'


def _refuse_placeholder(what: str, value: str | None) -> None:
    if value and PLACEHOLDER_SECRETS.search(value):
        raise ValueError(f"{what} is a placeholder ({value[:2]}…), not a secret; {GENERATE_HINT}")


def _url_password(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).password
    except ValueError:
        return None


class LimitSettings(BaseModel):
    """Input limits: anything larger is refused with a clear error."""

    max_bytes: int = 50 * 1024 * 1024
    """Largest accepted file, in bytes."""
    max_pages: int = 200
    """Most pages in one document."""
    max_pixels: int = 80_000_000
    """Most pixels in one page image (guards against decompression bombs)."""
    max_page_points: float = 14_400
    """Largest PDF page side in points (200 inches)."""
    max_page_area: float = 16_000_000
    """Largest PDF page area in square points (about two A0 sheets). Every page is rendered
    (text-layer pages too, for layout), so a larger page is refused from its page box
    before anything is drawn: a 602-byte PDF with one 14,400 × 14,400 pt page would
    otherwise render to gigabytes."""
    max_document_pixels: int = 2_500_000_000
    """Most pixels rendered or decoded for one document, all pages together (200 legal-size
    pages at 300 dpi). Image files are checked when opened; PDF pages before each render."""
    max_form_depth: int = Field(12, ge=1, le=60)
    """Deepest nesting of PDF form XObjects; a page nested deeper is refused (not skipped),
    so no image can hide below the depth the image-size check looks at (64, see
    ``idp.engines.pdf_render.MAX_FORM_WALK``)."""
    max_page_objects: int = 100_000
    """Most drawing objects on one PDF page, counting every use of a form XObject again
    (a form drawn twice in a form drawn twice… multiplies)."""


class OcrSettings(BaseModel):
    """Page rendering and Tesseract."""

    dpi: int = 300
    """Resolution at which image-only PDF pages are rendered."""
    languages: str = "Latin+eng"
    """Tesseract language models, joined with ``+``. ``Latin`` (Debian
    ``tesseract-ocr-script-latn``) reads every Latin-script language, Welsh included,
    with its accents (Sørensen, Łukasz, Siân), which ``eng+cym`` drops; ``eng`` after it
    keeps English words sure. Measured (issue 2): synthetic scans key–value recall 0.982
    against 0.863 for ``eng+cym``, FUNSD real scans word recall 0.478 against 0.475;
    Tesseract CPU +38 % on the synthetic pages, +3 % on FUNSD."""
    page_workers: int = 2
    """Pages of one document read in parallel (Tesseract itself runs single-threaded)."""
    timeout_s: float = 120.0
    """Longest one Tesseract call may take."""
    auto_rotate: bool = True
    """Turn pages that lie on their side or upside down. A turn is taken only when a
    sample of the page reads clearly better turned than as it came, so an upright page
    is never spoiled; off, pages are only deskewed (``page.rotation_method`` is ``off``)."""
    engine: str = "auto"
    """OCR engine for image pages: ``tesseract``, ``rapidocr`` (PP-OCRv6), or ``auto``:
    chosen per page before reading by the measured text height and ink contrast (small
    or faint print goes to rapidocr), and a page Tesseract still reads unsure across its
    words read again with rapidocr (see ``idp.reading``)."""


class StorageSettings(BaseModel):
    """Object storage: a local folder, or S3 through the minio client."""

    model_config = ConfigDict(validate_assignment=True)

    backend: Literal["local", "s3"] = "local"
    """``local`` or ``s3``."""
    s3_endpoint: str = "127.0.0.1:9000"
    """Host and port of the S3 server (MinIO, SeaweedFS), without a scheme."""
    s3_access_key: str = ""
    """S3 access key."""
    s3_secret_key: SecretStr = SecretStr("")
    """S3 secret key (never printed; placeholders such as ``change-me`` are refused)."""
    s3_bucket: str = "idp"
    """Bucket that holds every object; created at start if missing."""
    s3_secure: bool = False
    """Use HTTPS to reach the S3 server."""
    s3_region: str | None = None
    """S3 region, when the server needs one."""


class JobSettings(BaseModel):
    """How documents are processed: in-process workers or Celery, retries and time limits."""

    workers: int = 2
    """In-process worker threads in embedded mode (0 disables them, e.g. for the API alone)."""
    max_attempts: int = 3
    """Attempts before a document is marked failed for good."""
    max_outage_retries: int = 20
    """Times a job goes back to the queue, without using an attempt, because the object
    store or the database could not be reached (waiting 2, 4, 8 … 60 s: about 15 minutes
    in all); after that such errors use up attempts like any other."""
    soft_time_limit_s: float = 300.0
    """After this long a job is asked to stop (Celery raises inside the task)."""
    hard_time_limit_s: float = 360.0
    """After this long a job's process is killed (Celery) and its lease given up."""
    lease_s: float = 420.0
    """How long a claimed job belongs to its worker before another may take it over."""
    poll_interval_s: float = 0.5
    """How often idle in-process workers look for queued jobs."""
    sweep_interval_s: float = 30.0
    """Scale mode: how often unfinished jobs (lost messages, workers killed or timed out)
    are sent again; the database claim makes duplicates harmless."""
    visibility_timeout_s: int = 300
    """Celery/Redis: an unacknowledged task is redelivered after this many seconds."""


class WebhookSettings(BaseModel):
    """Delivery of signed webhook events."""

    max_attempts: int = 6
    """Deliveries tried before an event is given up."""
    backoff_s: float = 2.0
    """First retry delay; each later retry waits twice as long."""
    timeout_s: float = 10.0
    """Longest a receiver may take to answer (read and write timeout of one delivery)."""
    connect_timeout_s: float = 3.0
    """Longest connecting to a receiver may take."""
    poll_interval_s: float = 1.0
    """How often due deliveries are looked for."""
    senders: int = 4
    """Deliveries sent at the same time (slow receivers hold one sender each, never the
    database)."""
    max_per_key: int = 10
    """Most webhooks one API key may register."""
    egress_allow: list[str] = Field(default_factory=list)
    """Private destinations webhooks may reach anyway: host names or IP networks (for
    example ``127.0.0.1/32`` or ``hooks.internal``). Empty: public addresses only; loopback,
    private, link-local, CGNAT and metadata addresses are refused."""


class AuditSettings(BaseModel):
    """The audit trail's HMAC key (kept outside the database) and signed head exports."""

    keys_dir: Path | None = None
    """Folder of audit key files ``<key id>.key`` (hex); default ``<data_dir>/audit-keys``.
    In production mount it from a secret store; keep retired keys for verification."""
    key_id: str = "k1"
    """Key that hashes new events; rotate by adding a file and changing this."""
    head_export_interval_s: float = 3600.0
    """How often the service writes a signed copy of the chain's head to object storage
    (``audit/heads/``); 0 turns it off (``idp audit export-head`` does it on demand)."""


class ApiSettings(BaseModel):
    """The HTTP API."""

    max_files: int = 20
    """Most files in one upload request."""
    max_body_bytes: int = 200 * 1024 * 1024
    """Largest request body; a larger one is refused before it is read (each file must
    also be within ``limits.max_bytes``)."""
    page_size: int = 50
    """Default number of documents in one list page."""
    max_page_size: int = 200
    """Largest list page a client may ask for."""
    header_timeout_s: float = 10.0
    """A connection whose request headers are not complete this long after it opened (or
    after its previous answer) is closed."""
    body_timeout_s: float = 300.0
    """Longest the whole request body may take to arrive; slower uploads get ``408``."""
    keep_alive_s: float = 5.0
    """How long an idle keep-alive connection stays open."""
    auth_max_failures: int = 10
    """Failed authentications from one client address, or for one key id, within
    ``auth_window_s`` before further attempts are refused for ``auth_lockout_s``."""
    auth_window_s: float = 300.0
    """Window in which failed authentications are counted."""
    auth_lockout_s: float = 300.0
    """How long a locked-out address or key id is refused (``429`` with ``Retry-After``)."""
    hsts: bool = False
    """Send ``Strict-Transport-Security`` on every response, for a service whose TLS ends
    at a proxy in front (it is sent anyway on requests that arrive over https)."""
    metrics_token: SecretStr | None = None
    """A bearer token that may read ``/metrics`` (for Prometheus) without an admin key;
    unset, only admin keys may."""


class Settings(BaseSettings):
    """Service configuration from the environment (``IDP_`` prefix)."""

    model_config = SettingsConfigDict(env_prefix="IDP_", env_nested_delimiter="__")

    data_dir: Path = Path("./idp-data")
    """Folder for embedded storage, the SQLite database and work files."""
    database_url: str | None = None
    """SQLAlchemy URL; default is SQLite inside ``data_dir``."""
    broker_url: str | None = None
    """Redis URL for Celery workers; unset means workers inside the service."""
    schemas_dir: Path | None = None
    """Folder of schema files; default is the project's ``schemas/``."""
    limits: LimitSettings = Field(default_factory=LimitSettings)
    ocr: OcrSettings = Field(default_factory=OcrSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    jobs: JobSettings = Field(default_factory=JobSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    audit: AuditSettings = Field(default_factory=AuditSettings)

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Settings:
        """Refuse example secrets copied from documentation or manifests."""
        _refuse_placeholder("IDP_STORAGE__S3_SECRET_KEY",
                            self.storage.s3_secret_key.get_secret_value())
        _refuse_placeholder("the password in IDP_DATABASE_URL", _url_password(self.database_url))
        _refuse_placeholder("the password in IDP_BROKER_URL", _url_password(self.broker_url))
        if self.api.metrics_token is not None:
            _refuse_placeholder("IDP_API__METRICS_TOKEN", self.api.metrics_token.get_secret_value())
        return self

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite (WAL) inside ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'idp.sqlite3').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
