"""Row locks of the personal-data registers: every `select_for_update` of their rows is here.

Each change locks one register row (a request, a hold, a breach) and nothing else of privacy.
"""

from __future__ import annotations

from typing import Any

from ikaze.privacy.models import Breach, DataRequest, LegalHold


def data_request_lock(pk: Any) -> DataRequest:
    """One data-subject request, locked."""
    return DataRequest.objects.select_for_update().get(pk=pk)


def legal_hold_lock(pk: Any) -> LegalHold:
    """One legal hold, locked."""
    return LegalHold.objects.select_for_update().get(pk=pk)


def breach_lock(pk: Any) -> Breach:
    """One breach, locked."""
    return Breach.objects.select_for_update().get(pk=pk)
