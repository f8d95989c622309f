import datetime as dt

import pytest

from ikaze.accounts.access import OrgKind, Role
from ikaze.agreements import selectors, services
from ikaze.agreements.money import format_minor, to_minor
from ikaze.agreements.standards import Deviation, below_standard
from ikaze.agreements.tests.conftest import walk
from ikaze.core.errors import NotFound
from tests import factories

pytestmark = pytest.mark.django_db


def _agreement(admin, code, sending, receiving="RW", **fields):
    return services.agreement_create(
        actor=admin,
        code=code,
        fields={"title": code, "sending_state": sending, "receiving_state": receiving, **fields},
    )


def test_a_sending_state_liaison_sees_only_its_own_states_agreements(admin):
    _agreement(admin, "US-RW", "US")
    _agreement(admin, "GB-RW", "GB")
    us = factories.actor(
        Role.SENDING_LIAISON,
        organisation_=factories.organisation(OrgKind.SENDING_STATE, country="US"),
    )
    gb = factories.actor(
        Role.SENDING_LIAISON,
        organisation_=factories.organisation(OrgKind.SENDING_STATE, country="GB"),
    )
    assert [a.code for a in selectors.agreement_list_for(actor=us)] == ["US-RW"]
    assert [a.code for a in selectors.agreement_list_for(actor=gb)] == ["GB-RW"]
    assert selectors.agreement_get_for(actor=us, code="us-rw").code == "US-RW"
    with pytest.raises(NotFound):
        selectors.agreement_get_for(actor=gb, code="US-RW")


@pytest.mark.parametrize(
    "role", [Role.VETTING_OFFICER, Role.MONITOR, Role.AUDITOR, Role.CASEWORKER]
)
def test_receiving_state_monitors_and_auditors_see_all(admin, role):
    _agreement(admin, "US-RW", "US")
    _agreement(admin, "GB-RW", "GB")
    actor = factories.actor(role)
    assert [a.code for a in selectors.agreement_list_for(actor=actor)] == ["GB-RW", "US-RW"]


def test_an_auditor_in_a_sending_state_sees_all(admin):
    _agreement(admin, "GB-RW", "GB")
    auditor = factories.actor(
        Role.AUDITOR, organisation_=factories.organisation(OrgKind.SENDING_STATE, country="US")
    )
    assert [a.code for a in selectors.agreement_list_for(actor=auditor)] == ["GB-RW"]


def test_unknown_code_is_not_found(admin):
    with pytest.raises(NotFound):
        selectors.agreement_get_for(actor=admin, code="NOPE")


def test_below_standard_flags_each_weaker_setting_in_its_direction(admin):
    a = _agreement(
        admin,
        "WEAK",
        "US",
        notice_period_days=1,  # shorter notice: weaker
        assessment_max_age_days=60,  # older assessment accepted: weaker
        review_window_days=20,  # longer review window: stronger, not flagged
        complaint_ack_days=2,  # faster acknowledgement: stronger
    )
    assert below_standard(a) == [
        Deviation("assessment_max_age_days", 60, 30, "SAFEGUARDS A3"),
        Deviation("notice_period_days", 1, 10, "SAFEGUARDS A9"),
    ]
    assert below_standard(_agreement(admin, "OK", "US")) == []


def test_money_summary_checks_payments_against_the_schedule(admin, make_actor):
    """The UK–Rwanda schedule with 4 people relocated (SAFEGUARDS C5, NAO March 2024)."""
    finance = make_actor(Role.FINANCE_OFFICER)
    a = _agreement(admin, "UK-RW", "GB", currency="GBP", relocated_before_system=4)
    for category, amount, trigger in [
        ("fixed", 370_000_000_00, None),
        ("per_person", 20_000_00, None),
        ("milestone", 120_000_000_00, 300),
        ("processing", 150_874_00, None),
    ]:
        services.compensation_line_add(
            actor=admin,
            agreement=a,
            category=category,
            description=category,
            amount_minor=amount,
            currency="GBP",
            trigger_people=trigger,
            per_person=True if category == "processing" else None,
        )
    a = walk(admin, a, "signed")
    for ref, category, amount in [
        ("A", "fixed", 240_000_000_00),
        ("B", "processing", 20_000_000_00),
        ("C", "departure", 30_000_000_00),
    ]:
        services.interstate_payment_record(
            actor=finance,
            agreement=a,
            category=category,
            amount_minor=amount,
            currency="GBP",
            paid_on=dt.date(2024, 1, 1),
            reference=ref,
        )
    s = selectors.money_summary(agreement=a)
    assert s.relocated == 4
    rows = {c.category: c for c in s.categories}
    assert list(rows) == ["fixed", "per_person", "milestone", "processing", "departure"]
    assert rows["fixed"].due[0].minor == 370_000_000_00
    assert rows["per_person"].due[0].minor == 80_000_00
    assert rows["milestone"].due[0].minor == 0
    assert rows["milestone"].lines[0].reached is False
    assert rows["processing"].due[0].minor == 603_496_00
    assert rows["processing"].over_due is True
    assert rows["fixed"].over_due is False
    assert rows["departure"].unscheduled is True
    assert s.has_unscheduled is True
    assert [m.minor for m in s.due_total] == [370_683_496_00]
    assert [m.minor for m in s.paid_total] == [290_000_000_00]
    assert [str(m) for m in s.cost_per_person] == ["£72,500,000.00"]


def test_cost_per_person_is_none_when_nobody_was_relocated(admin):
    a = _agreement(admin, "NONE", "US")
    assert selectors.money_summary(agreement=a).cost_per_person is None


def test_relocated_count_adds_registered_counters(admin):
    a = _agreement(admin, "CNT", "US", relocated_before_system=4)
    assert selectors.relocated_count(a) == 4

    def moved(agreement):
        return 3

    selectors.register_relocated_counter(moved)
    try:
        assert selectors.relocated_count(a) == 7
    finally:
        selectors._relocated_counters.remove(moved)


def test_money_conversion_and_formatting():
    from decimal import Decimal

    assert to_minor(Decimal("150874"), "GBP") == 15_087_400
    assert to_minor(Decimal("60000"), "RWF") == 60_000
    with pytest.raises(ValueError):
        to_minor(Decimal("1.5"), "RWF")
    assert format_minor(370_000_000_00, "GBP", "en") == "£370,000,000.00"
    assert format_minor(60_000, "RWF", "en") == "RWF60,000"
    assert format_minor(100, "USD", "zz") == "$1.00"


def test_shared_factory_reaches_any_status_with_a_cap_period():
    a = factories.agreement(status="suspended", cap_total=10, tranche_cap=5)
    assert (a.status, a.cap_total, a.tranches.get().cap) == ("suspended", 10, 5)
