"""Inter-state payments (issue 11 item 12): one currency per schedule line, arrears, reversals,
amounts typed with the reader's digit grouping. Every refusal changes nothing."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import translation

from ikaze.accounts.access import Role
from ikaze.agreements import demo, selectors, services
from ikaze.agreements.models import Agreement, InterstatePayment
from ikaze.agreements.tests.conftest import state
from ikaze.audit.models import AuditEvent
from ikaze.core.amounts import parse_amount
from ikaze.core.errors import Conflict, NotFound, ValidationError
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/api/v1/agreements/US-RW-2025"
DAY = dt.date(2025, 9, 15)


def _post(client, url, data):
    return client.post(url, data=json.dumps(data, default=str), content_type="application/json")


@pytest.fixture
def grant(admin, in_force):
    """A USD line of USD 7.5m on an agreement in force."""
    return services.compensation_line_add(
        actor=admin,
        agreement=in_force,
        category="fixed",
        description="Grant",
        amount_minor=7_500_000_00,
        currency="USD",
    )


def _pay(finance, agreement, **kw):
    args = {
        "category": "fixed",
        "amount_minor": 1_000_000_00,
        "currency": "USD",
        "paid_on": DAY,
        "reference": "G-1",
    } | kw
    return services.interstate_payment_record(actor=finance, agreement=agreement, **args)


# --- one currency per line ---------------------------------------------------------------------


def test_a_payment_in_another_currency_without_a_rate_is_refused(finance, in_force, grant):
    before = state()
    with pytest.raises(ValidationError) as exc:
        _pay(finance, in_force, amount_minor=1_875_000, currency="RWF")
    assert exc.value.code == "payment_currency_mismatch"
    assert exc.value.details["currency"] == ["The line is in USD, not RWF."]
    assert state() == before


@pytest.mark.parametrize(
    ("rate", "fields", "problem"),
    [
        (Decimal("0.00069"), {"rate_source": "BNR"}, {"rate_on": ["This field is required."]}),
        (Decimal("0.00069"), {"rate_on": DAY}, {"rate_source": ["This field is required."]}),
        (
            Decimal("0"),
            {"rate_on": DAY, "rate_source": "BNR"},
            {"exchange_rate": ["The exchange rate must be above 0."]},
        ),
        (
            "abc",
            {"rate_on": DAY, "rate_source": "BNR"},
            {"exchange_rate": ["Give the exchange rate as a number."]},
        ),
        (
            Decimal("0.00069"),
            {"rate_on": DAY + dt.timedelta(days=1), "rate_source": "BNR"},
            {"rate_on": ["The rate cannot be dated after the payment."]},
        ),
    ],
)
def test_a_rate_without_its_date_or_source_is_refused(
    finance, in_force, grant, rate, fields, problem
):
    before = state()
    with pytest.raises(ValidationError) as exc:
        _pay(
            finance, in_force, amount_minor=1_875_000, currency="RWF", exchange_rate=rate, **fields
        )
    assert exc.value.details == problem
    assert state() == before


def test_a_rate_on_a_payment_in_the_lines_currency_is_refused(finance, in_force, grant):
    before = state()
    with pytest.raises(ValidationError) as exc:
        _pay(finance, in_force, exchange_rate=Decimal("1"), rate_on=DAY, rate_source="BNR")
    assert exc.value.details == {
        "exchange_rate": ["The payment is in the line's currency: no exchange rate applies."]
    }
    assert state() == before


def test_a_payment_across_currencies_counts_at_its_recorded_rate(finance, in_force, grant):
    _pay(finance, in_force)
    p = _pay(
        finance,
        in_force,
        amount_minor=1_450_000_000,  # RWF 1,450,000,000 (no minor unit)
        currency="RWF",
        exchange_rate=Decimal("0.00069"),
        rate_on=DAY,
        rate_source="National Bank of Rwanda reference rate",
        reference="G-2",
    )
    assert (p.line_id, p.line_amount_minor, p.rate_on) == (grant.pk, 1_000_500_00, DAY)
    s = selectors.money_summary(agreement=in_force)
    # Totals never mix currencies: what was paid is given per currency ...
    assert [(m.currency, m.minor) for m in s.paid_total] == [
        ("RWF", 1_450_000_000),
        ("USD", 1_000_000_00),
    ]
    # ... and the line counts the RWF payment at its recorded rate.
    (line,) = s.categories[0].lines
    assert (line.paid.minor, line.arrears.minor) == (2_000_500_00, 5_499_500_00)
    assert [(m.currency, m.minor) for m in s.arrears_total] == [("USD", 5_499_500_00)]


def test_a_category_with_several_lines_needs_the_line(admin, finance, in_force, grant):
    other = services.compensation_line_add(
        actor=admin,
        agreement=in_force,
        category="fixed",
        description="Second grant",
        amount_minor=1_000_000_00,
        currency="USD",
    )
    before = state()
    with pytest.raises(ValidationError) as exc:
        _pay(finance, in_force)
    assert exc.value.details == {
        "line": ["This category has 2 schedule lines: choose the one paid."]
    }
    with pytest.raises(ValidationError) as exc:
        _pay(finance, in_force, category="processing", line=str(other.pk))
    assert exc.value.details == {
        "line": ["Not a schedule line of this agreement in this category."]
    }
    assert state() == before
    assert _pay(finance, in_force, line=str(other.pk)).line_id == other.pk


# --- arrears -----------------------------------------------------------------------------------


@pytest.fixture
def uk(admin):
    demo.load(admin=admin, orgs={}, users={"finance": factories.user(Role.FINANCE_OFFICER)})
    return Agreement.objects.get(code="UK-RW-MEDP")


def test_underpayment_is_shown_as_arrears_per_line_and_in_total(uk):
    s = selectors.money_summary(agreement=uk)
    by_line = {d.line.category: d for c in s.categories for d in c.lines}
    # £270m paid against £370m due.
    assert (by_line["fixed"].paid.minor, by_line["fixed"].arrears.minor) == (
        270_000_000_00,
        100_000_000_00,
    )
    # Nothing paid against £80,000 due (4 people at £20,000).
    assert (by_line["per_person"].due.minor, by_line["per_person"].arrears.minor) == (
        80_000_00,
        80_000_00,
    )
    # A milestone not reached is not due, so not in arrears; overpaid processing is not either.
    assert by_line["milestone"].arrears.minor == 0
    assert (by_line["processing"].arrears.minor, by_line["processing"].over) == (0, True)
    assert [(m.currency, m.minor) for m in s.arrears_total] == [("GBP", 100_080_000_00)]


def test_the_page_reads_in_arrears_not_within_schedule(client_for, uk):
    page = client_for(Role.MONITOR).get("/agreements/UK-RW-MEDP/").content.decode()
    assert "within schedule" not in page
    assert "in arrears £80,000.00" in page
    assert "in arrears £100,000,000.00" in page
    assert "in arrears £100,080,000.00" in page


# --- reversals ---------------------------------------------------------------------------------


def test_a_reversal_is_a_new_record_that_points_to_the_payment(finance, in_force, grant):
    p = _pay(finance, in_force)
    r = services.interstate_payment_reverse(
        actor=finance,
        agreement=in_force,
        payment_id=str(p.pk),
        reference="G-1-REV",
        reason="Paid twice by the sending bank.",
        reversed_on=DAY,
    )
    p.refresh_from_db()
    assert (p.amount_minor, p.reference, p.note) == (1_000_000_00, "G-1", "")  # never edited
    assert (r.reverses_id, r.amount_minor, r.currency, r.line_id) == (
        p.pk,
        1_000_000_00,
        "USD",
        grant.pk,
    )
    s = selectors.money_summary(agreement=in_force)
    assert [m.minor for m in s.paid_total] == [0]
    assert s.categories[0].lines[0].arrears.minor == 7_500_000_00
    event = AuditEvent.objects.filter(action="agreement.payment.reverse").get()
    assert (event.after["reverses"], event.reason) == (str(p.pk), "Paid twice by the sending bank.")


def test_reversal_refusals_change_nothing(finance, in_force, grant):
    p = _pay(finance, in_force)
    r = services.interstate_payment_reverse(
        actor=finance, agreement=in_force, payment_id=str(p.pk), reference="R-1", reason="Wrong."
    )
    before = state()
    args = {"actor": finance, "agreement": in_force, "reference": "R-2", "reason": "Again."}
    with pytest.raises(Conflict) as exc:
        services.interstate_payment_reverse(payment_id=str(p.pk), **args)
    assert exc.value.code == "payment_already_reversed"
    with pytest.raises(Conflict) as exc:
        services.interstate_payment_reverse(payment_id=str(r.pk), **args)
    assert exc.value.code == "payment_is_reversal"
    with pytest.raises(NotFound):
        services.interstate_payment_reverse(payment_id="not-a-uuid", **args)
    q = _pay(finance, in_force, reference="G-2")
    before = state()
    with pytest.raises(ValidationError) as invalid:
        services.interstate_payment_reverse(payment_id=str(q.pk), **(args | {"reason": " "}))
    assert invalid.value.details == {"reason": ["This field is required."]}
    with pytest.raises(ValidationError) as invalid:
        services.interstate_payment_reverse(
            payment_id=str(q.pk), reversed_on=DAY - dt.timedelta(days=1), **args
        )
    assert invalid.value.details == {
        "reversed_on": ["A reversal cannot precede the payment it reverses."]
    }
    assert state() == before


# --- the API -----------------------------------------------------------------------------------


def test_api_refuses_a_currency_mismatch_and_reverses(api_client_for, in_force, grant):
    finance = api_client_for(Role.FINANCE_OFFICER)
    monitor = api_client_for(Role.MONITOR)
    pay = {
        "category": "fixed",
        "amount_minor": 1_875_000,
        "currency": "RWF",
        "paid_on": "2025-09-15",
        "reference": "G-1",
    }
    before = state()
    r = _post(finance, URL + "/payments", pay)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "payment_currency_mismatch")
    r = _post(finance, URL + "/payments", pay | {"exchange_rate": "0.00069"})
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {
        "rate_on": ["This field is required."],
        "rate_source": ["This field is required."],
    }
    assert state() == before
    r = _post(
        finance,
        URL + "/payments",
        pay | {"exchange_rate": "0.00069", "rate_on": "2025-09-15", "rate_source": "BNR"},
    )
    assert r.status_code == 201
    body = r.json()
    assert (body["line"], body["exchange_rate"], body["line_amount_minor"]) == (
        str(grant.pk),
        "0.00069",
        1_293_75,
    )
    rev = {"reference": "G-1-REV", "reason": "Wrong rate.", "reversed_on": "2025-09-16"}
    r = _post(finance, f"{URL}/payments/{body['id']}/reversal", rev)
    assert (r.status_code, r.json()["reverses"]) == (201, body["id"])
    before = state()
    r = _post(finance, f"{URL}/payments/{body['id']}/reversal", rev | {"reference": "X"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "payment_already_reversed")
    reversal_id = monitor.get(URL).json()["payments"][1]["id"]
    r = _post(finance, f"{URL}/payments/{reversal_id}/reversal", rev | {"reference": "Y"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "payment_is_reversal")
    assert state() == before
    detail = monitor.get(URL).json()
    assert [p["reversed"] for p in detail["payments"]] == [True, False]
    assert detail["compensation_lines"][0]["arrears"] == {
        "amount_minor": 7_500_000_00,
        "currency": "USD",
    }


# --- amounts typed with the reader's grouping -------------------------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "amount"),
    [
        ("en", "1,875,000", Decimal("1875000")),
        ("en", "1,875,000.50", Decimal("1875000.50")),
        ("fr", "1 875 000", Decimal("1875000")),
        ("fr", "1\u202f875\u202f000,5", Decimal("1875000.5")),
        ("es", "1.875.000", Decimal("1875000")),
        ("es", "1875000", Decimal("1875000")),
    ],
)
def test_amounts_are_read_in_the_readers_grouping(language, typed, amount):
    assert parse_amount(typed, language=language) == amount


@pytest.mark.parametrize(("language", "typed"), [("en", "1,87,5000"), ("en", "12abc"), ("en", "")])
def test_amounts_that_are_not_amounts_are_refused(language, typed):
    with pytest.raises(ValueError):
        parse_amount(typed, language=language)


@pytest.mark.parametrize(
    ("language", "typed"), [("en", "1,875,000"), ("fr", "1 875 000"), ("es", "1.875.000")]
)
def test_the_payment_form_takes_grouped_amounts(client_for, in_force, language, typed):
    finance = client_for(Role.FINANCE_OFFICER)
    data = {
        "payment-category": "departure",
        "payment-amount": typed,
        "payment-currency": "RWF",
        "payment-paid_on": "2025-09-15",
        "payment-reference": "G-1",
    }
    with translation.override(language):
        r = finance.post("/agreements/US-RW-2025/payments/", data, HTTP_ACCEPT_LANGUAGE=language)
    assert r.status_code == 302, r.content.decode()[:2000]
    assert InterstatePayment.objects.get().amount_minor == 1_875_000


def test_the_payment_form_refuses_misgrouped_amounts(client_for, in_force):
    finance = client_for(Role.FINANCE_OFFICER)
    before = state()
    r = finance.post(
        "/agreements/US-RW-2025/payments/",
        {
            "payment-category": "departure",
            "payment-amount": "1,87,5000",
            "payment-currency": "RWF",
            "payment-paid_on": "2025-09-15",
            "payment-reference": "G-1",
        },
    )
    assert r.status_code == 400
    assert (
        "Type an amount with digits, grouped as in 1,875,000; decimals after ."
        in r.content.decode()
    )
    assert state() == before


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officers_reversing_one_payment_at_once_reverse_it_once(finance, in_force, grant):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrency are tested on PostgreSQL")
    p = _pay(finance, in_force)
    barrier = threading.Barrier(4)
    results: list[str] = []

    def reverse(n: int) -> None:
        try:
            barrier.wait()
            services.interstate_payment_reverse(
                actor=finance,
                agreement=in_force,
                payment_id=str(p.pk),
                reference=f"REV-{n}",
                reason="Paid twice.",
            )
            results.append("ok")
        except Conflict as exc:
            results.append(str(exc.code))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=reverse, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok"] + ["payment_already_reversed"] * 3
    assert InterstatePayment.objects.filter(reverses=p).count() == 1
