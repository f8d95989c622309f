import pytest

from ikaze.accounts.access import Role
from ikaze.agreements import demo, selectors
from ikaze.agreements.models import Agreement
from ikaze.agreements.standards import below_standard
from ikaze.audit.selectors import audit_verify
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(admin):
    demo.load(admin=admin, orgs={}, users={"finance": factories.user(Role.FINANCE_OFFICER)})


def test_demo_agreements_and_their_status(loaded):
    assert dict(Agreement.objects.values_list("code", "status")) == {
        "UK-RW-MEDP": "terminated",
        "US-CR-2025": "in_force",
        "US-GH-2025": "in_force",
        "US-PE-2025": "declined",
        "US-RW-2025": "in_force",
        "US-SZ-2025": "in_force",
    }
    assert audit_verify().ok


def test_us_rwanda_cap_support_and_money(loaded):
    a = Agreement.objects.get(code="US-RW-2025")
    assert (a.cap_total, a.places_used, a.relocated_before_system) == (250, 7, 7)
    assert list(a.tranches.values_list("label", "cap", "places_used")) == [("2025–2026", 250, 7)]
    assert sorted(a.support_items.values_list("kind", flat=True)) == [
        "accommodation",
        "healthcare",
        "stipend",
        "training",
    ]
    s = selectors.money_summary(agreement=a)
    assert [str(m) for m in s.due_total] == ["$7,500,000.00"]
    assert [str(m) for m in s.paid_total] == ["$3,750,000.00"]


def test_uk_rwanda_has_its_real_figures(loaded):
    a = Agreement.objects.get(code="UK-RW-MEDP")
    assert (a.cap_total, a.relocated_before_system, a.currency) == (None, 4, "GBP")
    assert sorted(
        a.compensation_lines.values_list("category", "amount_minor", "trigger_people")
    ) == [
        ("fixed", 370_000_000_00, None),
        ("milestone", 120_000_000_00, 300),
        ("per_person", 20_000_00, None),
        ("processing", 150_874_00, None),
    ]
    s = selectors.money_summary(agreement=a)
    assert [str(m) for m in s.paid_total] == ["£290,000,000.00"]
    assert [str(m) for m in s.cost_per_person] == ["£72,500,000.00"]
    assert "About £700 million was spent in total for 4 volunteers" in a.description
    assert below_standard(a) == []


def test_exactly_one_demo_agreement_is_below_standard(loaded):
    flagged = {a.code: below_standard(a) for a in Agreement.objects.all() if below_standard(a)}
    assert list(flagged) == ["US-SZ-2025"]
    assert [(d.setting, d.value) for d in flagged["US-SZ-2025"]] == [("notice_period_days", 1)]


def test_costa_rica_and_peru(loaded):
    cr = Agreement.objects.get(code="US-CR-2025")
    assert cr.relocated_before_system == 200
    assert "about 200" in cr.description
    assert Agreement.objects.get(code="US-PE-2025").receiving_state == "PE"
