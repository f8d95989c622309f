"""Whether a person's processing is restricted (D3, Law 058/2021 art. 22): a restriction
request accepted and not lifted. Read by people.selectors before opening sensitive data."""

from __future__ import annotations

from typing import Any

from ikaze.privacy.models import DataRequest, RequestKind, RequestStatus


def is_restricted(person_id: Any) -> bool:
    return DataRequest.objects.filter(
        person_id=person_id,
        kind=RequestKind.RESTRICTION,
        status=RequestStatus.DONE,
        lifted_at__isnull=True,
    ).exists()
