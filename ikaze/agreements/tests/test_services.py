import datetime as dt
import itertools

import pytest

from ikaze.accounts.access import Role
from ikaze.accounts.guards import Denied
from ikaze.agreements import services
from ikaze.agreements.errors import (
    AgreementNotInForce,
    NoCapPeriod,
    PaymentNotAllowed,
    StaleVersion,
)
from ikaze.agreements.models import Agreement, Tranche
from ikaze.agreements.tests.conftest import state, walk
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.core.errors import CapacityExceeded, Conflict, IllegalTransition, ValidationError

pytestmark = pytest.mark.django_db

BASE = {"title": "US–Rwanda", "sending_state": "US", "receiving_state": "RW"}


# --- create ----------------------------------------------------------------------------------


def test_create_makes_a_draft_with_protective_defaults_and_audits_it(admin):
    a = services.agreement_create(
        actor=admin, code="us-rw-2025", fields={**BASE, "cap_total": 250, "currency": "usd"}
    )
    assert a.code == "US-RW-2025"
    assert a.status == "draft"
    assert a.version == 1
    assert a.cap_total == 250
    assert a.currency == "USD"
    assert a.notice_period_days == 10
    assert a.assessment_max_age_days == 30
    assert a.appeal_window_days == 30
    event = AuditEvent.objects.get(action="agreement.create")
    assert event.target_type == "agreement"
    assert event.target_id == str(a.pk)
    assert event.after["code"] == "US-RW-2025"


@pytest.mark.parametrize(
    ("code", "fields", "errors"),
    [
        ("", BASE, {"code": ["This field is required."]}),
        (
            "US RW",
            BASE,
            {"code": ["Use up to 40 letters, digits and single hyphens, e.g. US-RW-2025."]},
        ),
        ("US-RW", {**BASE, "title": "  "}, {"title": ["This field is required."]}),
        (
            "US-RW",
            {**BASE, "sending_state": "XX"},
            {"sending_state": ["'XX' is not an ISO 3166-1 alpha-2 country code."]},
        ),
        (
            "US-RW",
            {**BASE, "receiving_state": "US"},
            {"receiving_state": ["The receiving state must differ from the sending state."]},
        ),
        (
            "US-RW",
            {**BASE, "currency": "XYZ"},
            {"currency": ["'XYZ' is not an ISO 4217 currency code."]},
        ),
        ("US-RW", {**BASE, "cap_total": 0}, {"cap_total": ["Must be between 1 and 1000000000."]}),
        (
            "US-RW",
            {**BASE, "notice_period_days": -1},
            {"notice_period_days": ["Must be between 0 and 3650."]},
        ),
        (
            "US-RW",
            {**BASE, "notice_period_days": True},
            {"notice_period_days": ["Must be a whole number."]},
        ),
        (
            "US-RW",
            {**BASE, "instrument": "handshake"},
            {
                "instrument": [
                    "Choose one of mou, treaty, arrangement, exchange_of_notes, note_verbale, other."
                ]
            },
        ),
        (
            "US-RW",
            {**BASE, "valid_from": dt.date(2025, 2, 1), "valid_to": dt.date(2025, 1, 1)},
            {"valid_to": ["The end of validity must not be before its start."]},
        ),
        ("US-RW", {**BASE, "places_used": 3}, {"places_used": ["This field cannot be set here."]}),
        (
            "US-RW",
            {"title": "x"},
            {
                "sending_state": ["This field is required."],
                "receiving_state": ["This field is required."],
            },
        ),
    ],
)
def test_create_refuses_bad_input_with_field_and_reason_and_changes_nothing(
    admin, code, fields, errors
):
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=admin, code=code, fields=fields)
    assert exc.value.details == errors
    assert exc.value.status == 422
    assert state() == before


def test_create_refuses_a_taken_code(admin, draft):
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.agreement_create(actor=admin, code="us-rw-2025", fields=BASE)
    assert exc.value.details == {"code": ["An agreement with this code exists."]}
    assert state() == before


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_only_an_administrator_creates_agreements(make_actor, role):
    actor = make_actor(role)
    before = state()
    with pytest.raises(Denied):
        services.agreement_create(actor=actor, code="X-1", fields=BASE)
    assert state() == before


# --- update with optimistic version --------------------------------------------------------


def test_update_changes_fields_bumps_version_and_audits_before_and_after(admin, draft):
    a = services.agreement_update(
        actor=admin, agreement=draft, version=1, changes={"notice_period_days": 3, "title": "New"}
    )
    assert (a.version, a.notice_period_days, a.title) == (2, 3, "New")
    event = AuditEvent.objects.get(action="agreement.update")
    assert event.before == {"notice_period_days": 10, "title": "US–Rwanda"}
    assert event.after == {"notice_period_days": 3, "title": "New", "version": 2}


def test_update_without_change_keeps_the_version(admin, draft):
    a = services.agreement_update(
        actor=admin, agreement=draft, version=1, changes={"title": "US–Rwanda"}
    )
    assert a.version == 1
    assert not AuditEvent.objects.filter(action="agreement.update").exists()


def test_a_stale_version_is_refused_and_changes_nothing(admin, draft):
    services.agreement_update(actor=admin, agreement=draft, version=1, changes={"title": "First"})
    before = state()
    with pytest.raises(StaleVersion) as exc:
        services.agreement_update(
            actor=admin, agreement=draft, version=1, changes={"title": "Second"}
        )
    assert exc.value.status == 409
    assert exc.value.code == "stale_version"
    assert exc.value.details == {"version": ["Current version is 2, you sent 1."]}
    assert state() == before
    assert Agreement.objects.get().title == "First"


def test_update_refuses_code_and_cap_below_places_used(admin, in_force):
    services.agreement_update(
        actor=admin, agreement=in_force, version=in_force.version, changes={"cap_total": 2}
    )
    in_force.refresh_from_db()
    services.agreement_take_place(agreement=in_force, on=dt.date(2025, 5, 1))
    services.agreement_take_place(agreement=in_force, on=dt.date(2025, 5, 1))
    in_force.refresh_from_db()
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.agreement_update(
            actor=admin,
            agreement=in_force,
            version=in_force.version,
            changes={"cap_total": 1, "code": "NEW"},
        )
    assert exc.value.details == {
        "code": ["This field cannot be set here."],
        "cap_total": ["2 places are already taken; the cap cannot be lower."],
    }
    assert state() == before


def test_update_checks_parties_against_the_current_values(admin, draft):
    with pytest.raises(ValidationError) as exc:
        services.agreement_update(
            actor=admin, agreement=draft, version=1, changes={"sending_state": "RW"}
        )
    assert exc.value.details == {
        "receiving_state": ["The receiving state must differ from the sending state."]
    }


def test_update_refused_for_non_admin(senior, draft):
    before = state()
    with pytest.raises(Denied):
        services.agreement_update(
            actor=senior,
            agreement=draft,
            version=1,
            changes={"title": "x"},
        )
    assert state() == before


# --- transitions (table-driven) ------------------------------------------------------------

ALLOWED = {
    ("draft", "negotiating"),
    ("draft", "signed"),
    ("draft", "declined"),
    ("negotiating", "signed"),
    ("negotiating", "declined"),
    ("signed", "in_force"),
    ("signed", "terminated"),
    ("in_force", "suspended"),
    ("in_force", "terminated"),
    ("suspended", "in_force"),
    ("suspended", "terminated"),
}
PATH_TO = {
    "draft": [],
    "negotiating": ["negotiating"],
    "signed": ["signed"],
    "in_force": ["signed", "in_force"],
    "suspended": ["signed", "in_force", "suspended"],
    "terminated": ["signed", "terminated"],
    "declined": ["declined"],
}
SUSPENSION = {("in_force", "suspended"), ("suspended", "in_force")}


def _at(status, admin, senior, draft):
    a = draft
    for to in PATH_TO[status]:
        who = senior if (a.status, to) in SUSPENSION else admin
        a = walk(who, a, to)
    return a


def test_the_transition_table_is_the_documented_one():
    table = {(f, t) for f, tos in services.TRANSITIONS.items() for t in tos}
    assert table == ALLOWED


@pytest.mark.parametrize(("frm", "to"), list(itertools.product(PATH_TO, PATH_TO)))
def test_transition(admin, senior, draft, frm, to):
    a = _at(frm, admin, senior, draft)
    who = senior if (frm, to) in SUSPENSION else admin
    if (frm, to) in ALLOWED:
        a = services.agreement_transition(actor=who, agreement=a, to=to, reason="because")
        assert a.status == to
        event = AuditEvent.objects.filter(action="agreement.transition").order_by("-seq").first()
        assert (event.before, event.after["status"], event.reason) == (
            {"status": frm},
            to,
            "because",
        )
    else:
        before = state()
        with pytest.raises(IllegalTransition) as exc:
            services.agreement_transition(actor=who, agreement=a, to=to, reason="because")
        assert exc.value.code == "illegal_transition"
        assert exc.value.status == 409
        assert list(exc.value.details) == ["to"]
        assert state() == before


def test_suspension_is_a_senior_officers_call_not_an_administrators(admin, senior, in_force):
    before = state()
    with pytest.raises(Denied):
        services.agreement_transition(actor=admin, agreement=in_force, to="suspended", reason="r")
    assert state() == before
    a = services.agreement_transition(actor=senior, agreement=in_force, to="suspended", reason="r")
    with pytest.raises(Denied):
        services.agreement_transition(actor=admin, agreement=a, to="in_force", reason="r")
    # ... and a senior officer cannot do set-up steps such as terminating.
    with pytest.raises(Denied):
        services.agreement_transition(actor=senior, agreement=a, to="terminated", reason="r")
    assert (
        services.agreement_transition(actor=senior, agreement=a, to="in_force", reason="r").status
        == "in_force"
    )


@pytest.mark.parametrize(
    ("to", "reason", "errors"),
    [
        ("signed", "  ", {"reason": ["A reason is required."]}),
        (
            "finished",
            "r",
            {
                "to": [
                    "Choose one of draft, negotiating, signed, in_force, suspended, terminated, declined."
                ]
            },
        ),
    ],
)
def test_transition_input_errors_change_nothing(admin, draft, to, reason, errors):
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.agreement_transition(actor=admin, agreement=draft, to=to, reason=reason)
    assert exc.value.details == errors
    assert state() == before


def test_transition_bumps_the_version_so_an_open_edit_form_goes_stale(admin, draft):
    walk(admin, draft, "signed")
    with pytest.raises(StaleVersion):
        services.agreement_update(actor=admin, agreement=draft, version=1, changes={"title": "x"})


# --- cap periods -----------------------------------------------------------------------------


def test_tranche_add_and_overlap_refused(admin, draft):
    t = services.tranche_add(
        actor=admin,
        agreement=draft,
        label="2025",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 12, 31),
        cap=100,
    )
    assert (t.label, t.cap, t.places_used) == ("2025", 100, 0)
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.tranche_add(
            actor=admin,
            agreement=draft,
            label="late",
            starts_on=dt.date(2025, 12, 31),
            ends_on=dt.date(2026, 6, 30),
            cap=5,
        )
    assert exc.value.details == {
        "starts_on": ["Overlaps the period 2025 (2025-01-01 to 2025-12-31)."]
    }
    assert state() == before


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        ({"label": ""}, {"label": ["This field is required."]}),
        (
            {"ends_on": dt.date(2026, 12, 31)},
            {"ends_on": ["The period must not end before it starts."]},
        ),
        ({"cap": 0}, {"cap": ["Must be between 1 and 1000000000."]}),
        ({"cap": 251}, {"cap": ["Must not exceed the agreement's cap of 250."]}),
        ({"starts_on": None}, {"starts_on": ["This field is required."]}),
    ],
)
def test_tranche_add_refuses_bad_input(admin, draft, kwargs, errors):
    services.agreement_update(actor=admin, agreement=draft, version=1, changes={"cap_total": 250})
    data = {
        "label": "2027",
        "starts_on": dt.date(2027, 1, 1),
        "ends_on": dt.date(2027, 12, 31),
        "cap": 10,
        **kwargs,
    }
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.tranche_add(actor=admin, agreement=draft, **data)
    assert exc.value.details == errors
    assert state() == before


def test_tranche_add_refused_for_non_admin(finance, draft):
    before = state()
    with pytest.raises(Denied):
        services.tranche_add(
            actor=finance,
            agreement=draft,
            label="x",
            starts_on=dt.date(2025, 1, 1),
            ends_on=dt.date(2025, 2, 1),
            cap=1,
        )
    assert state() == before


# --- taking places under the cap (SAFEGUARDS A6) -------------------------------------------


def test_take_place_counts_against_total_and_period_and_stops_at_the_cap(admin, in_force):
    a = services.agreement_update(
        actor=admin, agreement=in_force, version=in_force.version, changes={"cap_total": 3}
    )
    services.tranche_add(
        actor=admin,
        agreement=a,
        label="H1",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 6, 30),
        cap=2,
    )
    services.tranche_add(
        actor=admin,
        agreement=a,
        label="H2",
        starts_on=dt.date(2025, 7, 1),
        ends_on=dt.date(2025, 12, 31),
        cap=2,
    )
    t1 = services.agreement_take_place(agreement=a, on=dt.date(2025, 3, 1))
    services.agreement_take_place(agreement=a, on=dt.date(2025, 3, 2))
    assert (t1.label, t1.places_used) == ("H1", 1)
    before = state()
    with pytest.raises(CapacityExceeded) as exc:  # the period is full
        services.agreement_take_place(agreement=a, on=dt.date(2025, 4, 1))
    assert exc.value.code == "cap_reached"
    assert state() == before
    t2 = services.agreement_take_place(agreement=a, on=dt.date(2025, 8, 1))
    assert (t2.label, t2.places_used) == ("H2", 1)
    with pytest.raises(CapacityExceeded):  # the total is full although H2 has room
        services.agreement_take_place(agreement=a, on=dt.date(2025, 8, 2))
    a.refresh_from_db()
    assert a.places_used == 3
    assert list(Tranche.objects.order_by("starts_on").values_list("places_used", flat=True)) == [
        2,
        1,
    ]
    with pytest.raises(NoCapPeriod):
        services.agreement_take_place(agreement=a, on=dt.date(2026, 1, 1))


def test_release_place_gives_it_back_and_never_goes_below_zero(admin, in_force):
    services.tranche_add(
        actor=admin,
        agreement=in_force,
        label="2025",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 12, 31),
        cap=1,
    )
    t = services.agreement_take_place(agreement=in_force, on=dt.date(2025, 1, 2))
    services.agreement_release_place(agreement=in_force, tranche=t)
    t.refresh_from_db()
    in_force.refresh_from_db()
    assert (in_force.places_used, t.places_used) == (0, 0)
    before = state()
    with pytest.raises(Conflict):
        services.agreement_release_place(agreement=in_force, tranche=t)
    assert state() == before


def test_uncapped_agreement_without_periods_takes_places_freely(in_force):
    for _ in range(3):
        assert services.agreement_take_place(agreement=in_force, on=dt.date(2025, 1, 1)) is None
    in_force.refresh_from_db()
    assert in_force.places_used == 3


@pytest.mark.parametrize("status_path", [[], ["signed"], ["signed", "in_force", "suspended"]])
def test_no_place_is_taken_unless_the_agreement_is_in_force(admin, senior, draft, status_path):
    a = draft
    for to in status_path:
        a = walk(senior if to == "suspended" else admin, a, to)
    before = state()
    with pytest.raises(AgreementNotInForce):
        services.agreement_take_place(agreement=a, on=dt.date(2025, 1, 1))
    assert state() == before


def test_no_place_outside_validity(admin, in_force):
    a = services.agreement_update(
        actor=admin,
        agreement=in_force,
        version=in_force.version,
        changes={"valid_to": dt.date(2025, 12, 31)},
    )
    with pytest.raises(AgreementNotInForce) as exc:
        services.agreement_take_place(agreement=a, on=dt.date(2026, 1, 1))
    assert exc.value.details == {"on": ["Valid from — to 2025-12-31."]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_takers_cannot_exceed_the_cap(admin):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrency are tested on PostgreSQL")
    a = services.agreement_create(actor=admin, code="CONC-1", fields={**BASE, "cap_total": 5})
    a = walk(admin, a, "signed", "in_force")
    services.tranche_add(
        actor=admin,
        agreement=a,
        label="all",
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2025, 12, 31),
        cap=5,
    )
    for _ in range(4):
        services.agreement_take_place(agreement=a, on=dt.date(2025, 1, 1))
    barrier = threading.Barrier(6)
    results: list[str] = []

    def take() -> None:
        try:
            barrier.wait()
            services.agreement_take_place(agreement=a, on=dt.date(2025, 1, 1))
            results.append("ok")
        except CapacityExceeded:
            results.append("full")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["full"] * 5 + ["ok"]
    a.refresh_from_db()
    assert a.places_used == 5
    assert Tranche.objects.get().places_used == 5


# --- support package, compensation schedule, payments --------------------------------------


def test_support_item_add(admin, draft):
    s = services.support_item_add(
        actor=admin,
        agreement=draft,
        kind="stipend",
        description="Monthly stipend",
        amount_minor=60000,
        currency="rwf",
        frequency="monthly",
        duration_months=6,
    )
    assert (s.amount_minor, s.currency, s.frequency) == (60000, "RWF", "monthly")
    in_kind = services.support_item_add(
        actor=admin, agreement=draft, kind="healthcare", description="Care"
    )
    assert (in_kind.amount_minor, in_kind.currency) == (None, "")
    assert AuditEvent.objects.filter(action="agreement.support_item.add").count() == 2


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        (
            {"kind": "cash"},
            {
                "kind": [
                    "Choose one of stipend, accommodation, healthcare, training, education, legal_aid, other."
                ]
            },
        ),
        ({"description": ""}, {"description": ["This field is required."]}),
        (
            {"amount_minor": -1, "currency": "USD"},
            {"amount_minor": ["Must be between 0 and 1000000000000000."]},
        ),
        (
            {"amount_minor": 5, "currency": "??"},
            {"currency": ["'??' is not an ISO 4217 currency code."]},
        ),
        (
            {"currency": "USD"},
            {"currency": ["Leave the currency empty for support given in kind."]},
        ),
        ({"frequency": "daily"}, {"frequency": ["Choose one of once, weekly, monthly."]}),
        ({"duration_months": 0}, {"duration_months": ["Must be between 1 and 600."]}),
    ],
)
def test_support_item_add_refuses_bad_input(admin, draft, kwargs, errors):
    data = {"kind": "stipend", "description": "x", **kwargs}
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.support_item_add(actor=admin, agreement=draft, **data)
    assert exc.value.details == errors
    assert state() == before


def test_support_item_add_refused_for_non_admin(senior, draft):
    before = state()
    with pytest.raises(Denied):
        services.support_item_add(actor=senior, agreement=draft, kind="other", description="x")
    assert state() == before


def test_compensation_line_per_person_flag_follows_the_category(admin, draft):
    pp = services.compensation_line_add(
        actor=admin,
        agreement=draft,
        category="per_person",
        description="p",
        amount_minor=2_000_000,
        currency="GBP",
    )
    fixed = services.compensation_line_add(
        actor=admin,
        agreement=draft,
        category="fixed",
        description="f",
        amount_minor=1,
        currency="GBP",
    )
    proc = services.compensation_line_add(
        actor=admin,
        agreement=draft,
        category="processing",
        description="p",
        amount_minor=1,
        currency="GBP",
        per_person=True,
    )
    assert (pp.per_person, fixed.per_person, proc.per_person) == (True, False, True)


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        (
            {"category": "bonus"},
            {"category": ["Choose one of fixed, per_person, milestone, processing, departure."]},
        ),
        (
            {"category": "milestone"},
            {"trigger_people": ["A milestone needs the number of people that triggers it."]},
        ),
        ({"trigger_people": 300}, {"trigger_people": ["Only a milestone has a trigger."]}),
        (
            {"per_person": True},
            {"per_person": ["A fixed sum or milestone is not paid per person."]},
        ),
        (
            {"category": "per_person", "per_person": False},
            {"per_person": ["A per-person line is paid per person."]},
        ),
        ({"amount_minor": -5}, {"amount_minor": ["Must be between 0 and 1000000000000000."]}),
        ({"currency": ""}, {"currency": ["'' is not an ISO 4217 currency code."]}),
    ],
)
def test_compensation_line_add_refuses_bad_input(admin, draft, kwargs, errors):
    data = {
        "category": "fixed",
        "description": "d",
        "amount_minor": 100,
        "currency": "GBP",
        **kwargs,
    }
    before = state()
    with pytest.raises(ValidationError) as exc:
        services.compensation_line_add(actor=admin, agreement=draft, **data)
    assert exc.value.details == errors
    assert state() == before


def test_compensation_line_add_refused_for_finance_officer(finance, draft):
    before = state()
    with pytest.raises(Denied):
        services.compensation_line_add(
            actor=finance,
            agreement=draft,
            category="fixed",
            description="d",
            amount_minor=1,
            currency="GBP",
        )
    assert state() == before


def _pay(actor, agreement, **kw):
    data = {
        "category": "fixed",
        "amount_minor": 100_00,
        "currency": "USD",
        "paid_on": dt.date(2025, 9, 15),
        "reference": "REF-1",
        **kw,
    }
    return services.interstate_payment_record(actor=actor, agreement=agreement, **data)


def test_payment_record_by_finance_officer(finance, in_force):
    p = _pay(finance, in_force, note="first")
    assert (p.amount_minor, p.currency, p.reference) == (10000, "USD", "REF-1")
    event = AuditEvent.objects.get(action="agreement.payment.record")
    assert event.after["reference"] == "REF-1"
    assert event.reason == "first"


@pytest.mark.parametrize(
    ("kwargs", "errors"),
    [
        (
            {"category": "tip"},
            {"category": ["Choose one of fixed, per_person, milestone, processing, departure."]},
        ),
        ({"amount_minor": 0}, {"amount_minor": ["Must be between 1 and 1000000000000000."]}),
        ({"currency": "US"}, {"currency": ["'US' is not an ISO 4217 currency code."]}),
        (
            {"paid_on": dt.date(2025, 6, 2)},
            {"paid_on": ["A payment cannot be recorded before it is made."]},
        ),
        ({"reference": " "}, {"reference": ["This field is required."]}),
        (
            {"reference": "DUP"},
            {"reference": ["A payment with this reference is already recorded."]},
        ),
    ],
)
def test_payment_record_refuses_bad_input(finance, in_force, kwargs, errors):
    _pay(finance, in_force, reference="DUP", paid_on=dt.date(2025, 1, 1))
    before = state()
    with (
        clock.frozen(dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)),
        pytest.raises(ValidationError) as exc,
    ):
        _pay(finance, in_force, **{"paid_on": dt.date(2025, 5, 1), **kwargs})
    assert exc.value.details == errors
    assert state() == before


def test_payment_refused_before_signature_and_for_other_roles(make_actor, admin, finance, draft):
    before = state()
    with pytest.raises(PaymentNotAllowed) as exc:
        _pay(finance, draft)
    assert exc.value.details == {"agreement": ["Status is draft."]}
    with pytest.raises(Denied):
        _pay(admin, walk(admin, draft, "signed"))
    assert state()["payments"] == before["payments"] == 0
