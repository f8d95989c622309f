""" "Is this agreement in force?" has one home and one error (issue 10 item 4).

`agreements.services.agreement_in_force_require` answers it for a referral, a manifest and a
place under the cap alike; `agreements.errors.AgreementNotInForce` is the one refusal.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ikaze.accounts.access import Role
from ikaze.agreements import selectors, services
from ikaze.agreements.errors import AgreementNotInForce
from ikaze.agreements.models import Agreement
from ikaze.intake import services as intake
from ikaze.intake.models import IntakeBatch
from ikaze.vetting import errors as vetting_errors
from ikaze.vetting import services as vetting
from ikaze.vetting.models import Referral
from tests import factories as f

pytestmark = pytest.mark.django_db

NOT_IN_FORCE = ["draft", "negotiating", "signed", "suspended", "terminated", "declined"]


def _suspended() -> Agreement:
    a = f.agreement_in_force()
    services.agreement_transition(
        actor=f.actor(Role.SENIOR_OFFICER), agreement=a, to="suspended", reason="x"
    )
    return Agreement.objects.get(pk=a.pk)


def test_there_is_one_error_class_and_one_check() -> None:
    assert not hasattr(vetting_errors, "AgreementNotInForce")
    assert not hasattr(vetting, "AgreementNotInForce")
    assert not hasattr(vetting, "agreement_check_in_force")
    assert not hasattr(vetting, "IN_FORCE")


@pytest.mark.parametrize("status", NOT_IN_FORCE)
def test_only_an_agreement_in_force_passes(status) -> None:
    a = Agreement(code="X-1", status=status)
    with pytest.raises(AgreementNotInForce) as exc:
        services.agreement_in_force_require(a)
    assert exc.value.code == "agreement_not_in_force"
    assert exc.value.status == 409
    assert exc.value.message == "Agreement X-1 is not in force."
    assert exc.value.details == {"agreement": [f"Status: {Agreement.Status(status).label}."]}
    services.agreement_in_force_require(Agreement(code="X-1", status="in_force"))


def test_a_day_outside_the_validity_is_refused_only_when_asked() -> None:
    a = Agreement(
        code="X-1",
        status="in_force",
        valid_from=dt.date(2025, 1, 1),
        valid_to=dt.date(2025, 12, 31),
    )
    services.agreement_in_force_require(a)
    services.agreement_in_force_require(a, on=dt.date(2025, 6, 1))
    for day in (dt.date(2024, 12, 31), dt.date(2026, 1, 1)):
        with pytest.raises(AgreementNotInForce) as exc:
            services.agreement_in_force_require(a, on=day)
        assert exc.value.details == {"on": ["Valid from 2025-01-01 to 2025-12-31."]}


def test_a_referral_under_a_suspended_agreement_gets_the_same_refusal() -> None:
    a = _suspended()
    liaison = f.liaison()
    p = f.person(by=liaison)
    before = Referral.objects.count()
    with pytest.raises(AgreementNotInForce) as exc:
        vetting.referral_create(actor=liaison, agreement=a, person=p)
    assert type(exc.value) is AgreementNotInForce
    assert exc.value.message == f"Agreement {a.code} is not in force."
    assert exc.value.details == {"agreement": ["Status: Suspended."]}
    assert Referral.objects.count() == before


def test_a_manifest_under_a_suspended_agreement_gets_the_same_refusal() -> None:
    a = _suspended()
    with pytest.raises(AgreementNotInForce) as exc:
        intake.intake_batch_create(
            actor=f.liaison(), agreement=a, file_name="m.csv", content=b"x", mode="lenient"
        )
    assert type(exc.value) is AgreementNotInForce
    assert exc.value.details == {"agreement": ["Status: Suspended."]}
    assert IntakeBatch.objects.count() == 0


def test_a_place_under_a_suspended_agreement_gets_the_same_refusal() -> None:
    a = _suspended()
    with pytest.raises(AgreementNotInForce) as exc:
        services.agreement_take_place(agreement=a, on=dt.date(2026, 6, 1))
    assert exc.value.message == f"Agreement {a.code} is not in force."
    assert Agreement.objects.get(pk=a.pk).places_used == 0


def test_the_forms_offer_only_the_agreements_in_force() -> None:
    in_force = f.agreement_in_force()
    _suspended()
    f.agreement()
    listed = selectors.agreement_in_force_list_for(actor=f.liaison())
    assert [a.code for a in listed] == [in_force.code]
