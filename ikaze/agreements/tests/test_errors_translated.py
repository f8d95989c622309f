"""Taking a place under the cap is refused in the reader's language (a vetting officer sees it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from ikaze.agreements.models import Agreement
from ikaze.agreements.services import agreement_take_place
from ikaze.core.errors import CapacityExceeded, IkazeError
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 6, 1)


def test_a_draft_agreement_gives_no_place_and_says_so_in_french() -> None:
    draft = f.agreement()
    with translation.override("fr"), pytest.raises(IkazeError) as exc:
        agreement_take_place(agreement=draft, on=DAY)
    assert exc.value.message == (
        "Des places ne peuvent être prises que pendant que l'accord est en vigueur "
        "(statut\u00a0: projet)."
    )
    assert exc.value.details == {"agreement": ["Statut\u00a0: Projet."]}
    assert Agreement.objects.get(pk=draft.pk).places_used == 0


def test_a_full_cap_period_says_so_in_kinyarwanda() -> None:
    full = f.agreement(status="in_force", tranche_cap=1)
    agreement_take_place(agreement=full, on=DAY)
    with translation.override("rw"), pytest.raises(CapacityExceeded) as exc:
        agreement_take_place(agreement=full, on=DAY)
    assert exc.value.message == "Umubare ntarengwa w'amasezerano muri iki gihe wagezweho."
    assert exc.value.details == {"cap": ["Nta mwanya usigaye mu mubare ntarengwa (SAFEGUARDS A6)."]}
    assert Agreement.objects.get(pk=full.pk).places_used == 1
