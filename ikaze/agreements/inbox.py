"""Agreements' items for the monitor's inbox (SAFEGUARDS A9, C1): every agreement whose
safeguard settings are below the protective standard, open while they are."""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext

from ikaze.agreements.models import Agreement
from ikaze.agreements.standards import below_standard
from ikaze.core.monitor_inbox import SOURCE_LIMIT, MonitorItem


def items() -> Iterable[MonitorItem]:
    for a in Agreement.objects.order_by("-updated_at")[:SOURCE_LIMIT]:
        for d in below_standard(a):
            yield MonitorItem(
                source="agreements",
                kind="below_standard",
                title=gettext(
                    "%(code)s below standard: %(setting)s is %(value)d (standard %(std)d)"
                )
                % {"code": a.code, "setting": d.label, "value": d.value, "std": d.standard},
                occurred_at=a.updated_at,
                agreement_id=str(a.pk),
                url=reverse("agreements:detail", args=[a.code]),
                is_open=True,
            )
