"""The error codes of the core and of the API's own answers, and the shape of every app's list.

Each app declares the codes its errors carry in its own `error_codes.py`, as one `ErrorCode`
enum of `ErrorCodes` (issue 10 item 4): its error classes and its inline raises name a member,
never a string, and the OpenAPI document lists every app's codes with their descriptions
(`x-ikaze-error-codes`). A code is a stable part of the API: a client branches on it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class ErrorCodes(StrEnum):
    """A StrEnum whose members carry a one-line description: `NAME = "code", "what it means"`.

    Members compare and serialise as their code, so the wire format is the plain string.
    """

    description: str

    def __new__(cls, value: str, description: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member


class ErrorCode(ErrorCodes):
    """Codes of `ikaze.core.errors` and of the API's answers before any app is reached."""

    ERROR = "error", "Something was refused (the base code; no service answers with it)."
    INVALID = "invalid", "The input is not valid; `details` names each field and its reasons."
    NOT_FOUND = "not_found", "No such object, or not one the caller may know of."
    FORBIDDEN = "forbidden", "The caller lacks the permission this needs."
    CONFLICT = "conflict", "The object changed, or a uniqueness rule refuses the change."
    ILLEGAL_TRANSITION = "illegal_transition", "The status cannot change that way."
    BLOCKED = "blocked", "A safeguard blocks the action."
    CAP_REACHED = "cap_reached", "No place is left under the agreement's cap (SAFEGUARDS A6)."
    TOO_LARGE = "too_large", "The request body is larger than the limit; nothing was read."
    UNAUTHENTICATED = "unauthenticated", "Sign in or send a valid bearer token."
    NOT_AN_OBJECT = "not_an_object", "The request body must be a JSON object."
    UNPARSEABLE = "unparseable", "The request body cannot be read (not JSON, a broken form)."
    HTTP_ERROR = "http_error", "The request cannot be served as sent (method, route)."
    SERVER_ERROR = "server_error", "Something went wrong on our side; it has been logged."
    DATABASE_UNAVAILABLE = "database_unavailable", "The database does not answer."
