"""The error codes of reports: filters refused, monthly reports asked for wrongly."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    FILTER_INVALID = (
        "filter_invalid",
        "A filter is impossible: an unknown agreement, a date range that ends before it starts or lies outside the years reported, or a nationality that is not a country code.",
    )
    MONTH_INVALID = "month_invalid", "The month of a monthly report is not a past or current month."
