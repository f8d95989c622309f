"""The list's rows come from one plain query (issue 2); they must be exactly what the scoped
queryset (`agreement_list_for`) gives, for every scope, status, page and size."""

from __future__ import annotations

import pytest

from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.actor import actor_for_user
from ikaze.agreements import selectors, services
from ikaze.agreements.models import Agreement
from ikaze.core.pagination import MAX_PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(admin):
    for i, sending in enumerate(["US", "GB", "US", "US", "GB", "US", "FR"]):
        a = services.agreement_create(
            actor=admin,
            code=f"L-{sending}-{i}",
            fields={
                "title": f"{sending} {i}",
                "sending_state": sending,
                "receiving_state": "RW",
                "cap_total": 10 * i if i % 2 else None,
                "notice_period_days": i + 5,
                "appeal_window_days": 25 + i,
            },
        )
        if i % 3 == 0:
            for to in ("signed", "in_force"):
                services.agreement_transition(actor=admin, agreement=a, to=to, reason="test")
    us = factories.organisation(OrgKind.SENDING_STATE, country="US")
    return {
        "officer": factories.actor(Role.VETTING_OFFICER),
        "us liaison": factories.actor(Role.SENDING_LIAISON, organisation_=us),
        "auditor in a sending state": factories.actor(Role.AUDITOR, organisation_=us),
        "no role": actor_for_user(factories.user()),
    }


def _expected(actor, status, page, size):
    qs = selectors.agreement_list_for(actor=actor)
    if status:
        qs = qs.filter(status=status)
    size = max(1, min(size, MAX_PAGE_SIZE))
    total = qs.count()
    pages = max(1, -(-total // size))
    number = min(max(1, page), pages)
    rows = list(qs.values(*selectors.LIST_FIELDS)[(number - 1) * size : number * size])
    return rows, number, pages, total


@pytest.mark.parametrize("who", ["officer", "us liaison", "auditor in a sending state", "no role"])
def test_rows_are_the_scoped_querysets(world, who):
    actor = world[who]
    seen = 0
    for status in ("", "in_force", "draft", "suspended"):
        for page, size in ((1, 50), (1, 2), (2, 2), (3, 3), (9, 2), (0, 0), (-1, 500)):
            got = selectors.agreement_list_rows(actor=actor, status=status, page=page, size=size)
            rows, number, pages, total = _expected(actor, status, page, size)
            assert (got.rows, got.number, got.pages, got.total) == (rows, number, pages, total), (
                status,
                page,
                size,
            )
            seen += len(got.rows)
    if who == "no role":
        assert seen == 0
    else:
        assert seen > 0
    assert {
        r["sending_state"] for r in selectors.agreement_list_rows(actor=actor, size=50).rows
    } == ({"US"} if who == "us liaison" else set() if who == "no role" else {"US", "GB", "FR"})


def test_an_unknown_status_or_a_page_beyond_any_table_is_an_empty_or_clamped_page(world):
    officer = world["officer"]
    for status in ("nonsense", "in_force\x00", "\x00"):
        page = selectors.agreement_list_rows(actor=officer, status=status)
        assert (page.rows, page.number, page.pages, page.total) == ([], 1, 1, 0)
    total = Agreement.objects.count()
    page = selectors.agreement_list_rows(actor=officer, page=10**30, size=2)
    assert page.total == total
    assert page.number == page.pages == -(-total // 2)
    assert [r["code"] for r in page.rows] == list(
        Agreement.objects.order_by("code").values_list("code", flat=True)
    )[(page.number - 1) * 2 :]


def test_the_api_answers_an_unknown_status_and_a_huge_page(world, client_for):
    client = client_for(Role.VETTING_OFFICER)
    r = client.get("/api/v1/agreements", {"status": "in_force\x00"})
    # A NUL is refused where it enters (issue 9 item 15), naming the parameter.
    assert r.status_code == 422
    assert r.json()["error"]["details"] == {
        "status": ["Contains a control character (U+0000), which is not allowed."]
    }
    r = client.get("/api/v1/agreements", {"status": "in_force_nowhere"})
    assert r.status_code == 200
    assert r.json() == {"items": [], "page": 1, "pages": 1, "total": 0}
    r = client.get("/api/v1/agreements", {"page": str(2**70), "size": "3"})
    assert r.status_code == 200
    assert r.json()["page"] == r.json()["pages"] == 3


def test_the_rows_deviations_are_below_standards():
    import dataclasses
    import itertools

    from ikaze.agreements.standards import (
        PROTECTIVE_DEFAULTS,
        SAFEGUARD_SETTINGS,
        below_standard,
        below_standard_of,
    )

    class Settings:
        def __init__(self, values: dict[str, int]) -> None:
            self.__dict__.update(values)

    checked = 0
    for shifts in itertools.product((-1, 0, 1), repeat=3):
        for first in range(len(SAFEGUARD_SETTINGS)):
            values = {s: PROTECTIVE_DEFAULTS[s].value for s in SAFEGUARD_SETTINGS}
            for k, shift in enumerate(shifts):
                setting = SAFEGUARD_SETTINGS[(first + k) % len(SAFEGUARD_SETTINGS)]
                values[setting] += shift
            expected = [dataclasses.asdict(d) for d in below_standard(Settings(values))]
            assert below_standard_of(values) == expected
            checked += bool(expected)
    assert checked > 0
    row = {s: PROTECTIVE_DEFAULTS[s].value for s in SAFEGUARD_SETTINGS}
    row["notice_period_days"] = 9  # shorter notice protects less; a longer one does not
    row["assessment_max_age_days"] = 29  # a fresher assessment protects more
    assert below_standard_of(row) == [
        {"setting": "notice_period_days", "value": 9, "standard": 10, "source": "SAFEGUARDS A9"}
    ]
