import datetime as dt

import pytest

from ikaze.accounts.access import Role
from ikaze.agreements import services
from ikaze.agreements.models import Agreement
from ikaze.agreements.tests.conftest import state

pytestmark = pytest.mark.django_db

FORM = {
    "code": "US-SZ-2025",
    "title": "US–Eswatini",
    "sending_state": "US",
    "receiving_state": "SZ",
    "instrument": "arrangement",
    "currency": "USD",
    "relocated_before_system": "0",
    "assessment_max_age_days": "30",
    "acceptance_valid_days": "90",
    "notice_period_days": "1",
    "review_window_days": "15",
    "rights_briefing_days": "7",
    "complaint_ack_days": "5",
    "appeal_window_days": "30",
}


@pytest.fixture
def uk(admin):
    return services.agreement_create(
        actor=admin,
        code="UK-RW",
        fields={
            "title": "UK–Rwanda",
            "sending_state": "GB",
            "receiving_state": "RW",
            "currency": "GBP",
        },
    )


@pytest.mark.parametrize("role", list(Role))
def test_every_role_sees_the_list(client_for, role, in_force):
    r = client_for(role).get("/agreements/")
    assert r.status_code == 200
    assert "US-RW-2025" in r.content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    r = client.get("/agreements/")
    assert r.status_code == 302
    assert r["Location"].startswith("/accounts/login/")


def test_list_shows_parties_cap_and_below_standard_badge(client_for, admin, in_force, uk):
    services.agreement_update(
        actor=admin,
        agreement=in_force,
        version=in_force.version,
        changes={"notice_period_days": 1, "cap_total": 250},
    )
    html = client_for(Role.MONITOR).get("/agreements/").content.decode()
    assert "United States" in html
    assert "Rwanda" in html
    assert "United Kingdom" in html
    assert "0 / 250" in html
    assert html.count(">below standard<") == 1


def test_a_liaison_sees_only_its_states_agreements(client_for, in_force, uk):
    client = client_for(Role.SENDING_LIAISON)  # a US liaison
    html = client.get("/agreements/").content.decode()
    assert "US-RW-2025" in html
    assert "UK-RW" not in html
    assert client.get("/agreements/UK-RW/").status_code == 404
    assert client.get("/agreements/US-RW-2025/").status_code == 200


def test_detail_shows_figures_money_safeguards_and_history(client_for, admin, finance, uk):
    services.compensation_line_add(
        actor=admin,
        agreement=uk,
        category="fixed",
        description="ETIF",
        amount_minor=370_000_000_00,
        currency="GBP",
    )
    services.agreement_update(
        actor=admin,
        agreement=uk,
        version=1,
        changes={"relocated_before_system": 4, "notice_period_days": 3},
    )
    uk = services.agreement_transition(
        actor=admin, agreement=uk, to="signed", reason="MoU signed April 2022."
    )
    services.interstate_payment_record(
        actor=finance,
        agreement=uk,
        category="fixed",
        amount_minor=120_000_000_00,
        currency="GBP",
        paid_on=dt.date(2022, 4, 14),
        reference="ETIF-1",
    )
    services.interstate_payment_record(
        actor=finance,
        agreement=uk,
        category="departure",
        amount_minor=1_000_00,
        currency="GBP",
        paid_on=dt.date(2022, 4, 14),
        reference="ODD-1",
    )
    r = client_for(Role.AUDITOR).get("/agreements/uk-rw/")
    assert r.status_code == 200
    html = r.content.decode()
    assert '<dl class="stats">' in html
    assert "£370,000,000.00" in html
    assert "£120,001,000.00" in html  # paid in total
    assert "£30,000,250.00" in html  # cost per person relocated
    assert 'class="below-standard"' in html
    assert "SAFEGUARDS A9" in html
    assert "no schedule line" in html
    assert "MoU signed April 2022." in html
    assert "Draft → Signed" in html
    # An auditor may not act: no forms.
    assert '<form method="post"' not in html


def test_actions_are_shown_only_to_roles_that_may_use_them(client_for, in_force):
    def forms(role):
        html = client_for(role).get("/agreements/US-RW-2025/").content.decode()
        return {
            name
            for name in (
                "transition",
                "payments",
                "tranches",
                "support-items",
                "compensation-lines",
                "edit",
            )
            if f"/agreements/US-RW-2025/{name}/" in html
        }

    assert forms(Role.ADMIN) == {
        "transition",
        "tranches",
        "support-items",
        "compensation-lines",
        "edit",
    }
    assert forms(Role.SENIOR_OFFICER) == {"transition"}  # suspend
    assert forms(Role.FINANCE_OFFICER) == {"payments"}
    assert forms(Role.VETTING_OFFICER) == set()


def test_create_page(client_for):
    admin = client_for(Role.ADMIN)
    assert admin.get("/agreements/new/").status_code == 200
    # The administrator's state (RW) must be a party (issue 9 item 10).
    r = admin.post("/agreements/new/", {**FORM, "code": "US-RW-2025", "receiving_state": "RW"})
    assert r.status_code == 302
    assert r["Location"] == "/agreements/US-RW-2025/"
    a = Agreement.objects.get()
    assert (a.status, a.notice_period_days, a.cap_total) == ("draft", 1, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"receiving_state": "US"}, "The receiving state must differ from the sending state."),
        (
            {"code": "bad code!"},
            "Use up to 40 letters, digits and single hyphens, e.g. US-RW-2025.",
        ),
        ({"currency": "ZZZ"}, "&#x27;ZZZ&#x27; is not an ISO 4217 currency code."),
        ({"notice_period_days": "-1"}, "Ensure this value is greater than or equal to 0."),
        ({"title": ""}, "This field is required."),
    ],
)
def test_create_page_shows_field_errors_with_400_and_changes_nothing(client_for, changes, message):
    admin = client_for(Role.ADMIN)
    before = state()
    r = admin.post("/agreements/new/", {**FORM, **changes})
    assert r.status_code == 400
    html = r.content.decode()
    assert 'class="field-error"' in html
    assert message in html
    assert state() == before


def test_create_page_refused_to_other_roles(client_for):
    client = client_for(Role.SENIOR_OFFICER)
    before = state()
    assert client.get("/agreements/new/").status_code == 403
    assert client.post("/agreements/new/", FORM).status_code == 403
    assert state() == before


def test_edit_page_with_version(client_for, in_force):
    admin = client_for(Role.ADMIN)
    r = admin.get("/agreements/US-RW-2025/edit/")
    assert r.status_code == 200
    assert f'name="version" value="{in_force.version}"' in r.content.decode()
    data = {**FORM, "receiving_state": "RW", "version": str(in_force.version), "title": "Renamed"}
    r = admin.post("/agreements/US-RW-2025/edit/", data)
    assert r.status_code == 302
    assert Agreement.objects.get().title == "Renamed"
    before = state()
    r = admin.post("/agreements/US-RW-2025/edit/", {**data, "title": "Stale"})  # old version
    assert r.status_code == 409
    assert "Someone changed this agreement since you opened it" in r.content.decode()
    r = admin.post(
        "/agreements/US-RW-2025/edit/",
        {**data, "version": str(in_force.version + 1), "receiving_state": "US"},
    )
    assert r.status_code == 400
    assert "The receiving state must differ from the sending state." in r.content.decode()
    assert state() == before


def test_transition_page_action(client_for, in_force):
    admin = client_for(Role.ADMIN)
    vetting = client_for(Role.VETTING_OFFICER)
    url = "/agreements/US-RW-2025/transition/"
    before = state()
    refused = "You cannot move this agreement to that status now: choose one of those offered."
    r = admin.post(url, {"transition-to": "draft", "transition-reason": "undo"})
    # Issue 11 item 8: a status the form does not offer is a form error, never a 403 page.
    assert r.status_code == 400
    assert refused in r.content.decode()
    # After the error the form still offers only the allowed transitions.
    assert [v for v, _ in r.context["forms"]["transition"].fields["to"].choices] == ["terminated"]
    r = admin.post(url, {"transition-to": "terminated", "transition-reason": ""})
    assert r.status_code == 400
    assert "This field is required." in r.content.decode()
    assert (
        vetting.post(url, {"transition-to": "terminated", "transition-reason": "x"}).status_code
        == 403
    )
    r = admin.post(url, {"transition-to": "suspended", "transition-reason": "x"})
    assert r.status_code == 400  # suspension is a senior officer's call: not offered
    assert refused in r.content.decode()
    assert 'class="error-summary"' in r.content.decode()
    assert state() == before
    r = admin.post(url, {"transition-to": "terminated", "transition-reason": "Ended."})
    assert r.status_code == 302
    assert Agreement.objects.get().status == "terminated"


def test_transition_page_refuses_a_role_that_takes_no_step(client_for, in_force):
    vetting = client_for(Role.VETTING_OFFICER)
    before = state()
    # An empty form too: the refusal comes before the form is read.
    assert vetting.post("/agreements/US-RW-2025/transition/", {}).status_code == 403
    assert state() == before


def test_payment_page_action(client_for, in_force):
    finance = client_for(Role.FINANCE_OFFICER)
    admin = client_for(Role.ADMIN)
    url = "/agreements/US-RW-2025/payments/"
    data = {
        "payment-category": "fixed",
        "payment-amount": "3750000.00",
        "payment-currency": "usd",
        "payment-paid_on": "2025-09-15",
        "payment-reference": "G-1",
    }
    before = state()
    r = finance.post(url, {**data, "payment-amount": "10.001"})
    assert r.status_code == 400
    assert "Too many decimal places for this currency." in r.content.decode()
    r = finance.post(url, {**data, "payment-paid_on": "2999-01-01"})
    assert r.status_code == 400
    assert "A payment cannot be recorded before it is made." in r.content.decode()
    assert admin.post(url, data).status_code == 403
    assert state() == before
    r = finance.post(url, data)
    assert r.status_code == 302
    p = Agreement.objects.get().payments.get()
    assert (p.amount_minor, p.currency) == (375_000_000, "USD")


def test_set_up_page_actions(client_for, in_force):
    admin = client_for(Role.ADMIN)
    finance = client_for(Role.FINANCE_OFFICER)
    base = "/agreements/US-RW-2025/"
    tranche = {
        "tranche-label": "2025–2026",
        "tranche-starts_on": "2025-01-01",
        "tranche-ends_on": "2026-12-31",
        "tranche-cap": "250",
    }
    support = {
        "support-kind": "stipend",
        "support-description": "Stipend",
        "support-amount": "60000",
        "support-currency": "RWF",
        "support-frequency": "monthly",
        "support-duration_months": "6",
    }
    line = {
        "line-category": "per_person",
        "line-description": "Per person",
        "line-amount": "20000",
        "line-currency": "GBP",
    }
    before = state()
    for path, data, bad, message in [
        (
            "tranches/",
            tranche,
            {"tranche-ends_on": "2024-01-01"},
            "The period must not end before it starts.",
        ),
        ("support-items/", support, {"support-currency": "RWX"}, "Not an ISO 4217 currency code."),
        (
            "compensation-lines/",
            line,
            {"line-category": "milestone"},
            "A milestone needs the number of people that triggers it.",
        ),
    ]:
        r = admin.post(base + path, {**data, **bad})
        assert r.status_code == 400, path
        assert message in r.content.decode()
        assert finance.post(base + path, data).status_code == 403
    assert state() == before
    for path, data in [
        ("tranches/", tranche),
        ("support-items/", support),
        ("compensation-lines/", line),
    ]:
        assert admin.post(base + path, data).status_code == 302, path
    a = Agreement.objects.get()
    assert a.tranches.get().cap == 250
    assert a.support_items.get().amount_minor == 60000
    line_ = a.compensation_lines.get()
    assert (line_.amount_minor, line_.per_person) == (2_000_000, True)


def test_history_names_statuses_in_french(client_for, in_force, senior):
    from django.conf import settings

    services.agreement_transition(
        actor=senior, agreement=in_force, to="suspended", reason="Monitor report."
    )
    c = client_for(Role.MONITOR)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = c.get("/agreements/US-RW-2025/").content.decode()
    assert "En vigueur → Suspendu" in page
    assert "in_force →" not in page and "→ suspended" not in page


def test_the_states_are_shown_and_chosen_by_name(client_for, in_force):
    # Issue 11 item 2: one picker for every code; a code shows as the name, a name is accepted.
    admin = client_for(Role.ADMIN)
    page = admin.get("/agreements/US-RW-2025/edit/").content.decode()
    assert 'name="sending_state" list="id_sending_state_names"' in page
    assert 'value="United States"' in page
    form = admin.get("/agreements/US-RW-2025/edit/").context["form"]
    assert form.fields["receiving_state"].clean("rwanda") == "RW"
