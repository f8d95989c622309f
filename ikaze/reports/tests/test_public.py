"""Public statistics: crafted data, the cache, releases, the pages and the HXL downloads."""

from __future__ import annotations

import io
import json

import hxl
import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ikaze.reports import public
from ikaze.reports.disclosure import TOTAL, Reason
from ikaze.reports.models import PublicRelease
from ikaze.reports.tests.test_disclosure import recoverable
from ikaze.vetting.models import Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


# What the public files promise: people and amounts are numbers, months are dates, countries
# are ISO codes, the disclosure column says which figures are hidden.
HXL_SCHEMA = [
    ["#valid_tag", "#valid_datatype", "#valid_value+list", "#valid_value+regex"],
    ["#affected+num", "number", "", ""],
    ["#value", "number", "", ""],
    ["#date+month", "", "", r"^(\d{4}-\d{2})?$"],
    ["#country+code", "", "", "^([A-Z]{2})?$"],
    ["#meta+disclosure", "", "published|suppressed", ""],
]


def hxl_valid(content: bytes) -> bool:
    """The file reads as HXL and passes the schema (libhxl)."""
    report = hxl.validate(hxl.data(io.BytesIO(content)), hxl.data(HXL_SCHEMA))
    assert report["stats"]["total"] == 0, report
    return bool(report["is_valid"])


def test_the_schema_catches_a_bad_file() -> None:
    bad = b"A,B\r\n#affected+num,#meta+disclosure\r\nthree,hidden\r\n"
    report = hxl.validate(hxl.data(io.BytesIO(bad)), hxl.data(HXL_SCHEMA))
    assert report["is_valid"] is False
    assert report["stats"]["error"] == 2


def _referrals(agreement, liaison, nationality: str, status: str, n: int) -> None:
    for _ in range(n):
        r = factories.referral(
            by=liaison,
            agreement=agreement,
            nationalities=[nationality],
        )
        # The decided states come from decisions (vetting's services); these figures only
        # read the status, so the test sets it as a decision would have.
        Referral.objects.filter(pk=r.pk).update(status=status, status_changed_at=timezone.now())


@pytest.fixture
def crafted():
    """Eritreans: 9 accepted, 3 refused; Sudanese: 8 accepted, 6 refused, 2 not decided.

    Primary-only suppression would hide the 3 and the 2 and publish the row totals, which
    give both back."""
    agreement = factories.agreement_in_force()
    liaison = factories.liaison(organisation_=None)
    _referrals(agreement, liaison, "ER", "accepted", 9)
    _referrals(agreement, liaison, "ER", "refused", 3)
    _referrals(agreement, liaison, "SD", "accepted", 8)
    _referrals(agreement, liaison, "SD", "refused", 6)
    _referrals(agreement, liaison, "SD", "submitted", 2)
    return agreement


def test_small_groups_are_hidden_and_cannot_be_worked_out(crafted) -> None:
    stats = public.public_statistics(crafted)
    outcomes = stats.tables["outcomes"].protected
    assert outcomes.hidden[("ER", "refused")] == Reason.SMALL
    assert outcomes.hidden[("SD", "undecided")] == Reason.SMALL
    assert recoverable(outcomes) == set()
    for value in outcomes.published_cells().values():
        assert value == 0 or value >= 5
    assert stats.figure("outcomes", (TOTAL, TOTAL)) == 28
    assert PublicRelease.objects.filter(agreement_code=crafted.code).count() == 2


def test_served_from_the_cache_until_a_figure_changes(crafted) -> None:
    first = public.public_statistics(crafted)
    with CaptureQueriesContext(connection) as queries:
        again = public.public_statistics(crafted)
    assert again == first
    assert len(queries) == 6  # the fingerprint only (six small aggregates)

    liaison = factories.liaison()
    _referrals(crafted, liaison, "ER", "refused", 1)
    changed = public.public_statistics(crafted)
    assert changed.computed_at > first.computed_at
    assert changed.tables["outcomes"].protected.table.value((TOTAL, TOTAL)) == 29


def test_a_new_release_cannot_be_subtracted_from_the_last(crafted) -> None:
    before = public.public_statistics(crafted)
    assert before.figure("outcomes", ("ER", TOTAL)) == 12
    assert before.figure("outcomes", (TOTAL, TOTAL)) == 28
    liaison = factories.liaison()
    _referrals(crafted, liaison, "ER", "accepted", 2)  # 12 -> 14: 2 more Eritreans
    after = public.public_statistics(crafted)
    protected = after.tables["outcomes"].protected
    # Primary suppression alone would publish 14 and 30: minus 12 and 28, two people.
    assert protected.table.value(("ER", TOTAL)) == 14
    assert protected.hidden[("ER", TOTAL)] == Reason.DIFFERENCE
    assert protected.hidden[(TOTAL, TOTAL)] == Reason.DIFFERENCE
    assert recoverable(protected) == set()
    old = before.tables["outcomes"].protected.published_cells()
    for entry, value in protected.published_cells().items():
        assert entry not in old or value == old[entry] or abs(value - old[entry]) >= 5
    assert after.tables["outcomes"].release == before.tables["outcomes"].release + 1


def test_four_people_relocated_give_a_lower_bound_per_person_only() -> None:
    from ikaze.agreements.models import Agreement

    agreement = factories.agreement_in_force(code="T-GB-RW-4")
    Agreement.objects.filter(pk=agreement.pk).update(relocated_before_system=4)
    agreement.refresh_from_db()
    stats = public.public_statistics(agreement)
    assert stats.figure("arrivals", (TOTAL, TOTAL)) is None
    assert stats.tables["arrivals"].protected.hidden[(TOTAL, TOTAL)] == Reason.SMALL


def test_public_page_and_downloads_need_no_sign_in(crafted) -> None:
    client = Client()
    page = client.get(f"/reports/public/{crafted.code}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    text = page.content.decode()
    assert "<table>" in text
    assert f"/reports/public/{crafted.code}/statistics.csv" in text

    csv_response = client.get(f"/reports/public/{crafted.code}/statistics.csv")
    assert csv_response.status_code == 200
    assert hxl_valid(csv_response.content)
    source = hxl.data(io.BytesIO(csv_response.content))
    tags = [c.display_tag for c in source.columns]
    assert tags == [
        "#meta+agreement+code",
        "#indicator+code",
        "#country+code",
        "#date+month",
        "#affected+num",
        "#value",
        "#currency+code",
        "#meta+disclosure",
    ]
    rows = list(source)
    er_refused = [r for r in rows if r.get("#country") == "ER" and r.get("#indicator") == "refused"]
    assert er_refused[0].get("#affected") in ("", None)
    assert er_refused[0].get("#meta+disclosure") == "suppressed"
    total = [r for r in rows if r.get("#indicator") == "referred" and not r.get("#country")]
    assert total[0].get("#affected") == "28"

    json_response = client.get(f"/reports/public/{crafted.code}/statistics.json")
    assert json_response.status_code == 200
    parsed = json.loads(json_response.content)
    assert parsed[1] == tags
    assert len(list(hxl.data(parsed))) == len(rows)
    assert hxl.validate(hxl.data(parsed), hxl.data(HXL_SCHEMA))["is_valid"]

    api = client.get(f"/api/v1/reports/public/{crafted.code}")
    assert api.status_code == 200
    figures = api.json()["figures"]
    assert {"measure": "refused", "nationality": "ER"}.items() <= next(
        f for f in figures if f["nationality"] == "ER" and f["measure"] == "refused"
    ).items()
    assert all(f["people"] is None or f["people"] == 0 or f["people"] >= 5 for f in figures)


def test_unknown_or_draft_agreement_is_not_found() -> None:
    client = Client()
    assert client.get("/reports/public/NO-SUCH/").status_code == 404
    response = client.get("/api/v1/reports/public/NO-SUCH")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
