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
    # The one refusal of "is this agreement in force?" (issue 10 item 4), as referrals get it.
    assert exc.value.message == f"L'accord {draft.code} n'est pas en vigueur."
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


def test_an_agreement_that_names_one_state_twice_is_refused_in_spanish() -> None:
    from ikaze.accounts.access import Role
    from ikaze.agreements.services import agreement_create
    from ikaze.core.errors import ValidationError

    admin = f.actor(Role.ADMIN)
    before = Agreement.objects.count()
    with translation.override("es"), pytest.raises(ValidationError) as exc:
        agreement_create(
            actor=admin,
            code="us-rw-x",
            fields={
                "title": "T",
                "sending_state": "RW",
                "receiving_state": "RW",
                "instrument": "nope",
                "currency": "ZZZ",
            },
        )
    assert exc.value.message == "El acuerdo no es válido."
    assert exc.value.details["receiving_state"] == [
        "El Estado receptor debe ser distinto del Estado remitente."
    ]
    assert exc.value.details["instrument"][0].startswith("Elija uno de estos: ")
    assert exc.value.details["currency"] == ["'ZZZ' no es un código de moneda ISO 4217."]
    assert Agreement.objects.count() == before
