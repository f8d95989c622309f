"""The error codes of audit (issue 10 item 4): none of its own yet.

Its services answer with the core's codes (`ikaze.core.error_codes`). A refusal that a client
must tell apart gets a member here, an error class in `errors.py` naming it, and a line in the
OpenAPI document, which lists this enum (`x-ikaze-error-codes`).
"""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    pass
