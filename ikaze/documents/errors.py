"""The refusals of an upload, each with its code (rendered as {"error": {"code": ...}})."""

from __future__ import annotations

from ikaze.core.errors import ValidationError
from ikaze.documents.error_codes import ErrorCode


class DocumentTooLarge(ValidationError):
    code = ErrorCode.DOCUMENT_TOO_LARGE


class DocumentTypeRefused(ValidationError):
    code = ErrorCode.DOCUMENT_TYPE_REFUSED


class DocumentEmpty(ValidationError):
    code = ErrorCode.DOCUMENT_EMPTY
