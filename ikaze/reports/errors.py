"""Errors specific to reports (stable codes the API and the pages show)."""

from __future__ import annotations

from ikaze.core.errors import ValidationError
from ikaze.reports.error_codes import ErrorCode


class FilterInvalid(ValidationError):
    code = ErrorCode.FILTER_INVALID


class MonthInvalid(ValidationError):
    code = ErrorCode.MONTH_INVALID
