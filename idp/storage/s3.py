"""Objects in an S3 bucket through the ``minio`` client (MinIO, SeaweedFS, AWS)."""

from __future__ import annotations

import contextlib
import io
from typing import Any

from idp.storage.base import ObjectNotFoundError, StorageError, check_key


class S3ObjectStore:
    """Objects in one bucket; the bucket is created if missing."""

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str | None = None,
    ) -> None:
        from minio import Minio

        self.bucket = bucket
        self.client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region
        )
        self._bucket_ready = False

    def _ensure_bucket(self) -> None:
        if self._bucket_ready:
            return
        try:
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)
        except Exception as exc:
            if "BucketAlreadyOwnedByYou" not in str(exc) and "BucketAlreadyExists" not in str(exc):
                raise StorageError(f"S3 bucket {self.bucket!r} is unavailable: {exc}") from None
        self._bucket_ready = True

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from minio.error import S3Error

        self._ensure_bucket()
        try:
            return fn(*args, **kwargs)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                raise ObjectNotFoundError(f"no object {args[1]!r}") from None
            raise StorageError(f"S3 error: {exc.code}") from None
        except (OSError, ValueError) as exc:
            if isinstance(exc, ValueError) and not str(exc).startswith("HTTP"):
                raise
            raise StorageError(f"S3 server unreachable: {exc}") from None
        except Exception as exc:  # urllib3 errors derive from Exception
            if type(exc).__module__.startswith("urllib3"):
                raise StorageError(f"S3 server unreachable: {type(exc).__name__}") from None
            raise

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Upload; S3 acknowledges only once the object is stored."""
        self._call(
            self.client.put_object,
            self.bucket,
            check_key(key),
            io.BytesIO(data),
            len(data),
            content_type=content_type,
        )

    def get(self, key: str) -> bytes:
        """Download the whole object."""
        resp = self._call(self.client.get_object, self.bucket, check_key(key))
        try:
            return bytes(resp.read())
        finally:
            resp.close()
            resp.release_conn()

    def exists(self, key: str) -> bool:
        """Whether the object exists (a HEAD request)."""
        try:
            self._call(self.client.stat_object, self.bucket, check_key(key))
        except ObjectNotFoundError:
            return False
        return True

    def delete(self, key: str) -> None:
        """Remove one object (S3 deletes are idempotent)."""
        with contextlib.suppress(ObjectNotFoundError):
            self._call(self.client.remove_object, self.bucket, check_key(key))

    def list(self, prefix: str) -> list[str]:
        """Keys under ``prefix``."""
        objs = self._call(self.client.list_objects, self.bucket, prefix=prefix, recursive=True)
        try:
            return sorted(o.object_name for o in objs if o.object_name)
        except Exception as exc:
            raise StorageError(f"S3 listing failed: {exc}") from None

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object under ``prefix``."""
        keys = self.list(prefix)
        for key in keys:
            self.delete(key)
        return len(keys)

    def check(self) -> None:
        """Write, read and remove a probe object."""
        self.put("health/probe", b"ok")
        if self.get("health/probe") != b"ok":
            raise StorageError("S3 read back different bytes")
        self.delete("health/probe")
