"""One settings class, ``IDP_`` prefix, nested groups with ``__``.

Read through ``get_settings()``; tests override with ``get_settings.cache_clear()`` and
environment variables, or by passing a ``Settings`` object where a function accepts one.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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


class OcrSettings(BaseModel):
    """Page rendering and Tesseract."""

    dpi: int = 300
    """Resolution at which image-only PDF pages are rendered."""
    languages: str = "eng+cym"
    """Tesseract language packs, joined with ``+``."""
    page_workers: int = 2
    """Pages of one document read in parallel (Tesseract itself runs single-threaded)."""
    timeout_s: float = 120.0
    """Longest one Tesseract call may take."""


class StorageSettings(BaseModel):
    """Object storage: a local folder, or S3 through the minio client."""

    backend: str = "local"
    """``local`` or ``s3``."""
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "idp"
    s3_secure: bool = False


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


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
