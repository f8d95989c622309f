"""The error codes of protection: the case after arrival, departures, complaints, monitors."""

from __future__ import annotations

from ikaze.core.error_codes import ErrorCodes


class ErrorCode(ErrorCodes):
    CASE_CLOSED = "case_closed", "The case is closed."
    NOT_FINAL = "not_final", "No final decision on status yet (SAFEGUARDS B1)."
    NO_BRIEFING = "no_briefing", "The rights briefing is not recorded (SAFEGUARDS B2)."
    NO_REPRESENTATION = (
        "no_representation",
        "An interview needs an interpreter language and a representative or a waiver (B3).",
    )
    NOT_REASONED = "not_reasoned", "A decision must be written and reasoned (SAFEGUARDS B4)."
    NOT_UNDERSTOOD = (
        "not_understood",
        "The decision is not in a language the person understands (B4).",
    )
    STAGE_ORDER = "stage_order", "The claim's steps come in order: claim, decision, appeal, court."
    REMOVAL_BLOCKED = "removal_blocked", "No removal now: appeal window or court case (B5)."
    REFOULEMENT = "refoulement", "The non-refoulement lock refuses this destination (B6)."
    REASON_FORBIDDEN = (
        "reason_forbidden",
        "Support is never reduced because of a complaint, appeal or fear claim (B8).",
    )
    SELF_SERVICE_REFUSED = (
        "self_service_refused",
        "The code and PIN do not open the page (one answer for every failure).",
    )
    MONITOR_REVOCATION = (
        "monitor_revocation",
        "A monitor's access is removed only when the monitoring body confirms (C1).",
    )
    REQUEST_DECIDED = "request_decided", "The request was already answered."
