"""Row locks of protection: every `select_for_update` of its rows is here.

Order: case → its decisions → complaint → personal code → monitor access request.
"""

from __future__ import annotations

from typing import Any

from ikaze.protection.models import (
    Case,
    Complaint,
    MonitorAccessRequest,
    PersonalCode,
    StatusDecision,
)


def case_lock(pk: Any) -> Case:
    """The case's row, locked: serialises every change of one case."""
    return Case.objects.select_for_update().get(pk=pk)


def decision_lock(pk: Any) -> StatusDecision:
    return StatusDecision.objects.select_for_update().get(pk=pk)


def complaint_lock(pk: Any) -> Complaint:
    return Complaint.objects.select_for_update().get(pk=pk)


def personal_code_lock(pk: Any) -> PersonalCode:
    return PersonalCode.objects.select_for_update().get(pk=pk)


def access_request_lock(pk: Any) -> MonitorAccessRequest:
    return MonitorAccessRequest.objects.select_for_update().get(pk=pk)
