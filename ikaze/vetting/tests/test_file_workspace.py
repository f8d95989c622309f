"""The vetting file an office can live in (issue 11 items 1, 2, 5, 8): the summary on top, the
error summary after a refused form, the fact form whose fields follow its kind, the computed
assessment fingerprint, alerts, overridden rules, and the senior officer's override pages."""

from __future__ import annotations

import hashlib
import re

import pytest

from ikaze.accounts.access import Role
from ikaze.core import clock
from ikaze.vetting import services as svc
from ikaze.vetting.models import Alert, LegalEventRecord, Override, Referral
from ikaze.vetting.tests.test_alert_resolve import _stayed
from ikaze.vetting.tests.test_decisions import refusals
from ikaze.vetting.tests.test_vetting_pages import signed_in, signed_in_with_2fa, visible
from tests import factories as f

pytestmark = pytest.mark.django_db


def file_url(r: Referral) -> str:
    return f"/vetting/referrals/{r.pk}/vetting/"


def summary_of(html: str) -> str:
    found = re.search(r'<div class="error-summary".*?</div>', html, re.S)
    assert found, "no error summary on the page"
    return found.group(0)


def summary_links(html: str) -> list[tuple[str, str]]:
    return [
        (href, visible(text))
        for href, text in re.findall(r'<a href="(#[^"]*)">(.*?)</a>', summary_of(html), re.S)
    ]


def summary_texts(html: str) -> list[str]:
    return [visible(li) for li in re.findall(r"<li>(.*?)</li>", summary_of(html), re.S)]


def ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


# --- item 1: the summary on top, the error summary after a refused form ----------------------


def test_the_file_summary_names_what_blocks_and_the_next_action() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    f.court_stay(by=officer, referral=r)
    page = signed_in(officer).get(file_url(r))
    summary = page.context["summary"]
    assert [x["f"].rule_id for x in summary.blocking] == ["A8"]
    assert summary.missing == []
    assert summary.open_alerts == []
    assert summary.next_action.anchor == "facts"
    text = visible(page.content.decode())
    assert (
        "Record the fact that answers A8 (No transfer while a claim, appeal, stay or window is open), or refuse the person."
        in text
    )
    assert (
        "Block A8 — No transfer while a claim, appeal, stay or window is open : A court stay"
        in text
    )


def test_a_clear_file_says_record_the_decision_and_opens_that_panel() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    page = signed_in(officer).get(file_url(r))
    assert page.context["summary"].blocking == []
    assert page.context["summary"].next_action.text == (
        "Record the decision: no safeguard blocks the person."
    )
    assert re.search(
        r'<details class="panel" open><summary>Record the decision', page.content.decode()
    )


def test_a_refused_decision_shows_the_error_summary_on_top_with_rule_names() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    f.court_stay(by=officer, referral=r)
    res = signed_in(officer).post(
        f"/vetting/referrals/{r.pk}/decide/", {"outcome": "accept", "reason": "ok"}
    )
    assert res.status_code == 400
    html = res.content.decode()
    # The summary comes first in the main content, before the page's heading.
    assert html.index('class="error-summary"') < html.index("<h1>")
    assert 'role="alert"' in summary_of(html) and "There is a problem" in summary_of(html)
    links = summary_links(html)
    assert [text for _href, text in links] == [
        "A safeguard blocks this acceptance.",
        "A8 — No transfer while a claim, appeal, stay or window is open: A court stay granted by C on "
        f"{clock.today_local().isoformat()} is in force.",
    ]
    # Each link leads to an element of the page: the refused form's errors, in an open panel.
    assert {href[1:] for href, _text in links} <= ids(html)
    assert re.search(r'<details class="panel" open><summary>Record the decision', html)
    assert Referral.objects.get(pk=r.pk).status == "submitted"


def test_a_field_error_links_to_its_field() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer, clear=False)
    before = LegalEventRecord.objects.count()
    res = signed_in(officer).post(
        f"/vetting/referrals/{r.pk}/facts/",
        {
            "kind": "court_stay_granted",
            "fields_kind": "court_stay_granted",
            "effective_at": clock.today_local().isoformat(),
            "source_document": "D",
            "p_court": "C",
            "p_measure": "stay",
        },
    )
    assert res.status_code == 400
    html = res.content.decode()
    assert summary_links(html) == [("#id_p_stay_ref", "Stay reference: This field is required.")]
    # The field says it is invalid and names its error for assistive technology.
    assert re.search(
        r'<input[^>]*aria-describedby="id_p_stay_ref_error"[^>]*aria-invalid="true"'
        r'|<input[^>]*aria-invalid="true"[^>]*aria-describedby="id_p_stay_ref_error"',
        html,
    )
    assert LegalEventRecord.objects.count() == before


def test_a_page_level_refusal_shows_in_the_same_summary() -> None:
    officer = f.vetting_officer()
    c = signed_in(officer)
    ag = f.agreement(status="in_force")
    liaison = f.liaison(country=ag.sending_state)
    r = f.referral(by=liaison, agreement=ag)
    svc.referral_start_review(actor=officer, referral=r)
    res = c.post(f"/vetting/referrals/{r.pk}/review/", follow=True)
    html = res.content.decode()
    assert "There is a problem" in summary_of(html)
    assert Referral.objects.get(pk=r.pk).status == "under_review"


def test_a_page_without_refusal_has_no_error_summary() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    assert "error-summary" not in signed_in(officer).get(file_url(r)).content.decode()


# --- item 2: the fact form --------------------------------------------------------------------


def test_a_kind_changed_without_its_fields_records_nothing_and_shows_the_right_fields() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer, clear=False)
    before = LegalEventRecord.objects.count()
    # The picker says "court stay", the fields are those of legal advice (no JS to swap them).
    res = signed_in(officer).post(
        f"/vetting/referrals/{r.pk}/facts/",
        {
            "kind": "court_stay_granted",
            "fields_kind": "legal_advice_given",
            "effective_at": clock.today_local().isoformat(),
            "source_document": "LAF-1",
            "p_provider": "Legal Aid Rwanda",
            "p_language": "es",
        },
    )
    assert res.status_code == 400
    assert LegalEventRecord.objects.count() == before
    form = res.context["fact_form"]
    assert form.kind == "court_stay_granted"
    assert "p_stay_ref" in form.fields and "p_provider" not in form.fields
    assert form.initial["source_document"] == "LAF-1"  # what is common is kept
    assert [t for _h, t in summary_links(res.content.decode())] == [
        "The fields below are now those of “Court stay granted”: fill them in and record again."
    ]


def test_the_fields_of_a_kind_come_as_a_fragment_for_htmx() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer, clear=False)
    res = signed_in(officer).get(
        f"{file_url(r)}?fact_fields=1&kind=court_stay_granted", HTTP_HX_REQUEST="true"
    )
    html = res.content.decode()
    assert html.startswith('<div id="fact-fields">')
    assert 'name="p_stay_ref"' in html and 'value="court_stay_granted"' in html
    assert "<h1>" not in html


def test_the_assessment_fingerprint_is_computed_from_the_text_never_typed() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer, clear=False)
    c = signed_in(officer)
    form = c.get(f"{file_url(r)}?kind=assessment_signed").context["fact_form"]
    assert "p_text_sha256" not in form.fields
    assert "assessment_text" in form.fields
    text = "Individual assessment of the person.\nNo risk found."
    res = c.post(
        f"/vetting/referrals/{r.pk}/facts/",
        {
            "kind": "assessment_signed",
            "fields_kind": "assessment_signed",
            "effective_at": clock.today_local().isoformat(),
            "source_document": "ASM-1",
            "p_assessor": "Assessor A",
            "p_individual": "on",
            "p_topics": ["family_links", "health"],
            "assessment_text": text.replace("\n", "\r\n"),
            "p_text_sha256": "0" * 64,  # a typed value is ignored
        },
    )
    assert res.status_code == 302, res.context["fact_form"].errors
    fact = LegalEventRecord.objects.get(referral=r, kind="assessment_signed")
    assert fact.payload["text_sha256"] == hashlib.sha256(text.encode()).hexdigest()


# --- item 5: alerts ----------------------------------------------------------------------------


def test_the_alert_list_shows_open_alerts_and_filters() -> None:
    officer = f.vetting_officer()
    r, alert = _stayed(officer)
    c = signed_in(officer)
    page = c.get("/vetting/alerts/")
    assert page.status_code == 200
    assert [a.pk for a in page.context["alerts"]] == [alert.pk]
    html = page.content.decode()
    assert "A8 — No transfer while a claim, appeal, stay or window is open" in html
    assert re.search(r'<a href="\?state=open"\s+aria-current="page">', html)
    assert c.get("/vetting/alerts/?state=resolved").context["alerts"] == []
    assert c.get(f"/vetting/alerts/?agreement={r.agreement.code}").context["alerts"] == [alert]
    assert c.get("/vetting/alerts/?agreement=NONE").context["alerts"] == []


def test_closing_an_alert_over_a_standing_block_is_refused_in_the_summary() -> None:
    officer = f.vetting_officer()
    _r, alert = _stayed(officer)
    res = signed_in(officer).post(
        f"/vetting/alerts/{alert.pk}/resolve/",
        {"resolution": "Taken off the manifest.", "return_to": "list", "state": "open"},
    )
    assert res.status_code == 400
    texts = [t for _h, t in summary_links(res.content.decode())]
    assert texts[0].startswith("The alert stays open: a block still stands against this person")
    assert texts[1].startswith("A8 — No transfer while a claim, appeal, stay or window is open: ")
    assert Alert.objects.get(pk=alert.pk).resolved_at is None
    assert refusals("alert.resolve") == 1


def test_the_home_page_links_the_open_alert_count_to_the_list() -> None:
    officer = f.vetting_officer()
    _stayed(officer)
    html = signed_in(officer).get("/").content.decode()
    assert re.search(r'<a href="/vetting/alerts/">.*?1 open alert</p></a>', html, re.S)


# --- item 5: an overridden rule reads "Overridden" -----------------------------------------------


def test_an_accepted_person_with_an_overridden_rule_shows_it_overridden() -> None:
    officer = f.vetting_officer()
    org = officer.organisation
    first = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org)
    second = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org)
    r = f.vetting_referral(officer=officer, clear=False)
    f.fact(
        by=officer,
        referral=r,
        kind="legal_advice_given",
        payload={"provider": "P", "language": "es"},
    )
    o = svc.override_request(actor=first, referral=r, rule_id="A3", justification="Why one.")
    svc.override_second(actor=second, override=o, justification="Why two.")
    svc.referral_accept(actor=officer, referral=r, reason="Meets the criteria.")
    page = signed_in(officer).get(file_url(r))
    a3 = next(x for x in page.context["findings"] if x["f"].rule_id == "A3")
    assert a3["override"].pk == o.pk
    summary = page.context["summary"]
    assert summary.blocking == []
    assert [x["f"].rule_id for x in summary.overridden] == ["A3"]
    text = visible(page.content.decode())
    assert "Block overridden" in text
    assert "block overridden" in text  # beside the status in the heading
    assert "Why one. / Why two." in text
    row = re.search(r'<tr id="rule-A3">.*?</tr>', page.content.decode(), re.S)
    assert row and "Overridden" in row.group(0) and ">Block<" not in row.group(0)


# --- item 8: the senior officer ---------------------------------------------------------------


def _senior_pair():
    officer = f.vetting_officer()
    org = officer.organisation
    return (
        officer,
        f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org),
        f.vetting_officer(Role.SENIOR_OFFICER, organisation_=org),
    )


def test_own_override_request_shows_no_buttons_and_seconding_it_reads_plainly() -> None:
    officer, first, second = _senior_pair()
    r = f.vetting_referral(officer=officer, clear=False)
    o = svc.override_request(actor=first, referral=r, rule_id="A3", justification="Why one.")
    mine = signed_in_with_2fa(first)
    html = mine.get("/vetting/overrides/").content.decode()
    assert "Your request: waiting for another senior officer." in html
    assert f"/vetting/overrides/{o.pk}/second/" not in html
    assert "A3 — " in html  # the rule by its name too
    theirs = signed_in_with_2fa(second).get("/vetting/overrides/").content.decode()
    assert f"/vetting/overrides/{o.pk}/second/" in theirs
    # Pressing Second on one's own request anyway: a readable refusal, nothing changed.
    res = mine.post(f"/vetting/overrides/{o.pk}/second/", {"justification": "Me again."})
    assert res.status_code == 400
    # Its form is not on the page (one's own request): the refusal is in the summary all the same.
    assert summary_texts(res.content.decode()) == [
        "The second approval must come from a different senior officer.",
        "You requested this override.",
    ]
    assert "seconded_by" not in res.content.decode()
    assert Override.objects.get(pk=o.pk).status == "requested"
    assert refusals("override.second") == 1


def test_the_override_filters_show_which_is_active() -> None:
    _officer, first, _second = _senior_pair()
    html = signed_in_with_2fa(first).get("/vetting/overrides/?status=approved").content.decode()
    assert re.findall(r'href="\?status=(\w+)" aria-current="page"', html) == ["approved"]


def test_the_override_form_offers_only_the_rules_that_block_this_person() -> None:
    officer, first, _second = _senior_pair()
    r = f.vetting_referral(officer=officer, clear=False)  # no assessment, no advice: A3, A12
    c = signed_in_with_2fa(first)
    form = c.get(file_url(r)).context["override_form"]
    assert [v for v, _l in form.fields["rule_id"].choices] == ["A3", "A12"]
    before = Override.objects.count()
    res = c.post(
        f"/vetting/referrals/{r.pk}/overrides/", {"rule_id": "A7", "justification": "Why."}
    )
    assert res.status_code == 400
    assert [h for h, _t in summary_links(res.content.decode())] == ["#id_override_rule_id"]
    assert Override.objects.count() == before


def test_a_fact_names_its_language_in_french_and_stores_the_code() -> None:
    from django.conf import settings

    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer, clear=False)
    c = signed_in(officer)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    res = c.post(
        f"/vetting/referrals/{r.pk}/facts/",
        {
            "kind": "legal_advice_given",
            "fields_kind": "legal_advice_given",
            "effective_at": clock.today_local().isoformat(),
            "source_document": "LAF-1",
            "p_provider": "Legal Aid Rwanda",
            "p_language": "espagnol",
        },
    )
    assert res.status_code == 302
    fact = LegalEventRecord.objects.get(referral=r, kind="legal_advice_given")
    assert fact.payload["language"] == "es"


def test_a_refused_request_for_information_reads_without_internal_keys() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force")
    r = f.referral(by=f.liaison(country=ag.sending_state), agreement=ag)
    svc.referral_start_review(actor=officer, referral=r)
    res = signed_in(officer).post(
        f"/vetting/referrals/{r.pk}/request-information/", {"reason": ""}, follow=True
    )
    texts = summary_texts(res.content.decode())
    assert texts and not any(t.startswith("reason:") for t in texts)
    assert Referral.objects.get(pk=r.pk).status == "under_review"
