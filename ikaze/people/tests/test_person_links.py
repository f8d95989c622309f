"""The person page, the duplicates and the finished manifest link to what they name (issue 11
item 13)."""

from __future__ import annotations

import pytest
from django.test import Client

from ikaze.accounts.access import Role
from ikaze.accounts.navigation import nav_for
from ikaze.intake import services as intake
from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people import services
from ikaze.people.models import MatchCandidate
from ikaze.vetting import services as svc
from tests import factories as f
from tests import support

pytestmark = pytest.mark.django_db


def _client(actor) -> Client:
    c = Client()
    c.force_login(actor.user)
    return c


def test_the_person_page_lists_household_members_and_referrals_with_links() -> None:
    liaison = f.liaison()
    ag = f.agreement_in_force(sending_state=str(liaison.organisation.country))
    head = svc.referral_refer_person(
        actor=liaison,
        agreement=ag,
        data=f.person_in(given_names="Ana"),
        household=svc.HouseholdIn(reference="H-1", role="head"),
    )
    child = svc.referral_refer_person(
        actor=liaison,
        agreement=ag,
        data=f.person_in(given_names="Luis"),
        household=svc.HouseholdIn(reference="H-1", role="child", relationship="son"),
    )
    page = _client(liaison).get(f"/people/{head.person.pk}/")
    assert page.status_code == 200
    (household,) = page.context["households"]
    assert [m["person"] for m in household["members"]] == [child.person]
    body = page.content.decode()
    assert f'<a href="/people/{child.person.pk}/">{child.person.full_name}</a>' in body
    assert [r["url"] for r in page.context["referrals"]] == [f"/vetting/referrals/{head.pk}/"]
    assert f'href="/vetting/referrals/{head.pk}/"' in body


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        (Role.SENDING_LIAISON, True),
        (Role.VETTING_OFFICER, True),
        (Role.MONITOR, True),
        (Role.AUDITOR, False),
        (Role.FINANCE_OFFICER, False),
    ],
)
def test_people_is_in_the_menu_for_the_roles_that_read_people(role, shown) -> None:
    urls = [str(i["url"]) for i in nav_for(f.actor(role))]
    assert ("/people/" in urls) is shown


def _pair_from_a_manifest(file_name: str):
    liaison = f.liaison()
    ag = f.agreement_in_force(sending_state=str(liaison.organisation.country))
    a = f.referral(by=liaison, agreement=ag, given_names="Jose", first_surname="GARCIA").person
    b = f.referral(by=liaison, agreement=ag, given_names="José", first_surname="garcia").person
    batch, _ = intake.intake_batch_create(
        actor=liaison, agreement=ag, file_name=file_name, content=csv_bytes([row(1)]), enqueue=False
    )
    services.match_candidates_propose(
        actor=f.OPERATOR,
        pairs=[services.ScoredPair(a.pk, b.pk, 0.9, 3.0)],
        source=f"intake:{str(batch.pk)[:8]}",
    )
    return MatchCandidate.objects.get(), a, b


def test_a_duplicate_names_its_manifest_by_file_marks_case_and_accents_and_links_both() -> None:
    candidate, a, b = _pair_from_a_manifest("us-rw-november.csv")
    c = _client(f.vetting_officer())
    queue = c.get("/people/duplicates/")
    assert [x.found_by for x in queue.context["page"].items] == ["Manifest us-rw-november.csv"]
    body = queue.content.decode()
    assert f'href="/people/{a.pk}/"' in body and f'href="/people/{b.pk}/"' in body
    detail = c.get(f"/people/duplicates/{candidate.pk}/")
    rows = {r["label"]: r["difference"] for r in detail.context["rows"]}
    assert (rows["Given names"], rows["First surname"], rows["Sex"]) == ("accents", "case", "")
    assert detail.context["found_by"] == "Manifest us-rw-november.csv"
    page = detail.content.decode()
    assert "same but for accents" in page and "same but for capitals" in page
    assert f'href="/people/{a.pk}/"' in page and f'href="/people/{b.pk}/"' in page


def test_the_monitor_reads_a_pair_without_a_form_and_cannot_decide_it() -> None:
    candidate, _, _ = _pair_from_a_manifest("m.csv")
    c = support.session_client(f.actor(Role.MONITOR).user)
    page = c.get(f"/people/duplicates/{candidate.pk}/")
    assert page.status_code == 200
    assert "Record the decision" not in page.content.decode()
    refused = c.post(f"/people/duplicates/{candidate.pk}/", {"outcome": "same", "reason": "x"})
    assert refused.status_code == 403
    assert MatchCandidate.objects.get().status == "open"


def test_the_finished_manifest_links_to_the_referrals_it_created(
    django_capture_on_commit_callbacks,
) -> None:
    liaison = f.liaison()
    ag = f.agreement_in_force(sending_state=str(liaison.organisation.country))
    with django_capture_on_commit_callbacks(execute=True):
        batch, _ = intake.intake_batch_create(
            actor=liaison,
            agreement=ag,
            file_name="m.csv",
            content=csv_bytes([row(1), row(2, sex="Q")]),
        )
    c = _client(liaison)
    page = c.get(f"/intake/{batch.pk}/").content.decode()
    link = f"/vetting/referrals/?batch={batch.pk}"
    assert f'href="{link}"' in page
    assert f'href="/intake/{batch.pk}/errors.csv"' in page
    listed = c.get(link)
    assert listed.status_code == 200
    assert [r.intake_batch_id for r in listed.context["page"].items] == [batch.pk]
    assert c.get("/vetting/referrals/?batch=not-a-uuid").status_code == 400
