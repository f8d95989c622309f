"""The error codes of documents (issue 11 item 3): the refusals of an upload."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    DOCUMENT_TOO_LARGE = (
        "document_too_large",
        "The file is larger than IKAZE_DOCUMENT_MAX_BYTES; nothing was stored.",
    )
    DOCUMENT_TYPE_REFUSED = (
        "document_type_refused",
        "The file's content is not one of the accepted types (PDF, PNG, JPEG, TIFF, WebP), "
        "whatever its name says; nothing was stored.",
    )
    DOCUMENT_EMPTY = "document_empty", "The file is empty; nothing was stored."
