"""Errors that carry their category, HTTP status and CLI exit code.

One API handler turns any ``IdpError`` into ``application/problem+json``; the CLI prints
its one-line message. Messages say what is wrong with the input, never how the code failed.
"""

from __future__ import annotations


class IdpError(Exception):
    """Base of every error the project raises on purpose."""

    category = "error"
    http_status = 500
    exit_code = 1
    title = "Internal error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(IdpError):
    """The input cannot be processed as it is."""

    category = "invalid-input"
    http_status = 422
    exit_code = 2
    title = "Invalid input"


class EmptyFileError(InputError):
    category = "empty-file"
    title = "Empty file"


class UnsupportedTypeError(InputError):
    category = "unsupported-type"
    http_status = 415
    title = "Unsupported file type"


class CorruptFileError(InputError):
    category = "corrupt-file"
    title = "Unreadable file"


class EncryptedFileError(InputError):
    category = "encrypted-file"
    title = "Encrypted file"


class LimitExceededError(InputError):
    category = "limit-exceeded"
    http_status = 413
    title = "Limit exceeded"


class SchemaError(IdpError):
    """A schema file is invalid, or an unknown schema was asked for."""

    category = "schema"
    http_status = 422
    exit_code = 3
    title = "Schema error"


class UnknownSchemaError(SchemaError):
    category = "unknown-schema"
    http_status = 404
    title = "Unknown schema"


class NotFoundError(IdpError):
    category = "not-found"
    http_status = 404
    exit_code = 4
    title = "Not found"


class ConflictError(IdpError):
    category = "conflict"
    http_status = 409
    title = "Conflict"


class AuthError(IdpError):
    category = "unauthorized"
    http_status = 401
    title = "Unauthorized"


class ForbiddenError(IdpError):
    category = "forbidden"
    http_status = 403
    title = "Forbidden"


class EngineError(IdpError):
    """An engine (Tesseract, a model) failed on otherwise valid input."""

    category = "engine"
    http_status = 500
    exit_code = 5
    title = "Engine failure"
