"""The vetting pages: queue, vetting file, fact form, decide form, overrides, liaison view."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ikaze.accounts.access import Role
from ikaze.core import clock
from ikaze.vetting import services as svc
from ikaze.vetting.models import LegalEventRecord, Referral
from tests import factories as f

pytestmark = pytest.mark.django_db


def signed_in(actor) -> Client:
    c = Client()
    c.force_login(actor.user)
    return c


def test_queue_filters_and_pins_queries() -> None:
    officer = f.vetting_officer()
    c = signed_in(officer)
    ag = f.agreement(status="in_force")
    f.vetting_referral(agreement=ag, officer=officer)
    c.get("/vetting/queue/")
    with CaptureQueriesContext(connection) as one:
        res = c.get(f"/vetting/queue/?agreement={ag.code}&has_blocks=no")
    assert res.status_code == 200
    for _ in range(3):
        f.vetting_referral(agreement=ag, officer=officer)
    with CaptureQueriesContext(connection) as four:
        res = c.get(f"/vetting/queue/?agreement={ag.code}&has_blocks=no&nationality=HN")
    assert res.context["page"].total == 4
    assert len(four) == len(one)


def test_file_shows_every_finding_and_blocked_accept_is_a_400() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    f.court_stay(by=officer, referral=r)
    c = signed_in(officer)
    page = c.get(f"/vetting/referrals/{r.pk}/vetting/")
    assert page.status_code == 200
    assert [x["f"].rule_id for x in page.context["findings"]][:2] == ["A1", "A2"]
    assert b"court stay granted by C" in page.content
    res = c.post(f"/vetting/referrals/{r.pk}/decide/", {"outcome": "accept", "reason": "ok"})
    assert res.status_code == 400
    assert "A8" in str(res.context["decide_form"].non_field_errors())
    assert Referral.objects.get(pk=r.pk).status == "submitted"


def test_fact_form_from_schema_records_and_shows_field_errors() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer, clear=False)
    c = signed_in(officer)
    page = c.get(f"/vetting/referrals/{r.pk}/vetting/?kind=court_stay_granted")
    assert "p_stay_ref" in page.context["fact_form"].fields
    before = LegalEventRecord.objects.count()
    bad = c.post(
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
    assert bad.status_code == 400
    assert bad.context["fact_form"].errors["p_stay_ref"]
    assert LegalEventRecord.objects.count() == before
    ok = c.post(
        f"/vetting/referrals/{r.pk}/facts/",
        {
            "kind": "court_stay_granted",
            "fields_kind": "court_stay_granted",
            "effective_at": clock.today_local().isoformat(),
            "source_document": "D",
            "p_stay_ref": "S-1",
            "p_court": "C",
            "p_measure": "stay",
        },
    )
    assert ok.status_code == 302
    assert LegalEventRecord.objects.count() == before + 1


def test_liaison_sees_decision_not_the_file() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force")
    liaison = f.liaison(country=ag.sending_state)
    r = f.referral(by=liaison, agreement=ag)
    f.clear_facts(by=officer, referral=r)
    svc.referral_accept(actor=officer, referral=r, reason="Meets the criteria.")
    c = signed_in(liaison)
    page = c.get(f"/vetting/referrals/{r.pk}/decision/")
    assert page.status_code == 200
    assert b"Meets the criteria." in page.content
    assert c.get(f"/vetting/referrals/{r.pk}/vetting/").status_code == 404
    other = signed_in(f.liaison(country=ag.sending_state))
    assert other.get(f"/vetting/referrals/{r.pk}/decision/").status_code == 404


def test_override_list_for_seniors() -> None:
    from django_otp import DEVICE_ID_SESSION_KEY

    from ikaze.accounts.access import TWO_FACTOR_ROLES  # noqa: F401
    from tests.factories import totp_device

    senior = f.vetting_officer(Role.SENIOR_OFFICER)
    c = signed_in(senior)
    session = c.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(senior.user).persistent_id
    session.save()
    assert c.get("/vetting/overrides/").status_code == 200


def test_referral_page_links_to_the_decision_and_to_the_vetting_file() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force")
    liaison = f.liaison(country=ag.sending_state)
    r = f.referral(by=liaison, agreement=ag)
    decision_url = f'href="/vetting/referrals/{r.pk}/decision/"'.encode()
    file_url = f'href="/vetting/referrals/{r.pk}/vetting/"'.encode()
    own = signed_in(liaison)
    page = own.get(f"/vetting/referrals/{r.pk}/")
    assert decision_url not in page.content and file_url not in page.content
    page = signed_in(officer).get(f"/vetting/referrals/{r.pk}/")
    assert file_url in page.content and decision_url not in page.content
    f.clear_facts(by=officer, referral=r)
    svc.referral_accept(actor=officer, referral=r, reason="Meets the criteria.")
    page = own.get(f"/vetting/referrals/{r.pk}/")
    # The sending liaison follows the decision, never the receiving state's file.
    assert decision_url in page.content and file_url not in page.content
    assert file_url in signed_in(officer).get(f"/vetting/referrals/{r.pk}/").content


def signed_in_with_2fa(actor) -> Client:
    from django_otp import DEVICE_ID_SESSION_KEY

    from tests.factories import totp_device

    c = signed_in(actor)
    session = c.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(actor.user).persistent_id
    session.save()
    return c


def test_a_request_closed_by_withdrawal_shows_why_and_leaves_the_waiting_list() -> None:
    officer = f.vetting_officer()
    senior = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=officer.organisation)
    r = f.vetting_referral(officer=officer, clear=False)
    svc.override_request(actor=senior, referral=r, rule_id="A12", justification="Advice oral.")
    liaison = f.liaison(organisation_=r.referring_organisation)
    svc.referral_withdraw(actor=liaison, referral=r, reason="The person left the country.")
    page = signed_in(officer).get(f"/vetting/referrals/{r.pk}/vetting/").content.decode()
    assert "Closed: the referral was withdrawn" in page
    assert "The person left the country." in page
    c = signed_in_with_2fa(senior)
    assert c.get("/vetting/overrides/").context["page"].total == 0
    closed = c.get("/vetting/overrides/?status=closed")
    assert closed.context["page"].total == 1
    assert "The person left the country." in closed.content.decode()


def named(role: Role, *, username: str, first: str = "", last: str = "", org=None):
    """An officer signed in as `username` whose account carries a full name (or none)."""
    from ikaze.accounts.actor import actor_for_user
    from ikaze.accounts.models import User

    u = f.user(role, organisation_=org, username=username)
    User.objects.filter(pk=u.pk).update(first_name=first, last_name=last)
    u.refresh_from_db()
    return actor_for_user(u, second_factor=True)


def test_officers_appear_by_full_name_on_the_vetting_pages() -> None:
    officer = named(Role.VETTING_OFFICER, username="amina.u", first="Amina", last="Uwase")
    org = officer.organisation
    first = named(
        Role.SENIOR_OFFICER, username="jb.n", first="Jean Bosco", last="Niyonzima", org=org
    )
    second = named(
        Role.SENIOR_OFFICER, username="claudine.m", first="Claudine", last="Mukamana", org=org
    )
    unnamed = named(Role.VETTING_OFFICER, username="no.name.officer", org=org)
    r = f.vetting_referral(officer=officer, clear=False)
    f.fact(
        by=unnamed,
        referral=r,
        kind="legal_advice_given",
        payload={"provider": "P", "language": "es"},
    )
    o = svc.override_request(actor=first, referral=r, rule_id="A3", justification="Why one.")
    svc.override_second(actor=second, override=o, justification="Why two.")
    svc.referral_accept(actor=officer, referral=r, reason="Meets the criteria.")
    viewer = signed_in(f.vetting_officer(organisation_=org))
    page = viewer.get(f"/vetting/referrals/{r.pk}/vetting/").content.decode()
    for name in ("Amina Uwase", "Jean Bosco Niyonzima", "Claudine Mukamana"):
        assert name in page
    for username in ("amina.u", "jb.n", "claudine.m"):
        assert username not in page
    assert "no.name.officer" in page  # no full name on the account: the sign-in name
    overrides = signed_in_with_2fa(second).get("/vetting/overrides/?status=approved")
    assert "Jean Bosco Niyonzima" in overrides.content.decode()
    assert "Claudine Mukamana" in overrides.content.decode()
    assert "jb.n" not in overrides.content.decode()
    liaison = f.liaison(organisation_=r.referring_organisation)
    decision = signed_in(liaison).get(f"/vetting/referrals/{r.pk}/decision/").content.decode()
    assert "Amina Uwase" in decision and "amina.u" not in decision
    history = viewer.get(f"/vetting/referrals/{r.pk}/").context["history"]
    actors = {h["actor"] for h in history}
    assert {"Amina Uwase", "Jean Bosco Niyonzima", "Claudine Mukamana"} <= actors
    assert not {"amina.u", "jb.n", "claudine.m"} & actors
    # What is stored for audit keeps the sign-in name.
    assert r.decisions.get().officer_name == "amina.u"


# --- codes shown by their label, in the reader's language -----------------------------------


def visible(html: str) -> str:
    """The text a reader sees (tags and their attributes, such as option values, dropped)."""
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html).replace("\u00a0", " ").split())


def in_language(c: Client, lang: str) -> Client:
    from django.conf import settings

    c.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
    return c


def test_the_vetting_file_names_kinds_fields_values_and_reasons_in_french() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    f.court_stay(by=officer, referral=r, court="CEDH", measure="ecthr_rule_39")
    svc.referral_refuse(
        actor=officer, referral=r, reason_codes=["incomplete_referral", "cap_reached"]
    )
    c = in_language(signed_in(officer), "fr")
    text = visible(
        c.get(f"/vetting/referrals/{r.pk}/vetting/?kind=court_stay_granted").content.decode()
    )
    # The timeline: the kind of each fact, its fields and their coded values.
    assert "Suspension accordée par un tribunal" in text
    assert "Conseil juridique donné" in text
    assert "Référence de la suspension" in text
    assert "mesure provisoire de la CEDH (article 39 du règlement)" in text
    # The A8 finding names the measure in French; the A3 facts by their French names.
    assert "est en vigueur : mesure provisoire de la CEDH (article 39 du règlement)." in text
    assert "Signée le" in text
    # Rule texts say what this agreement sets, not the setting's name.
    assert "signée et datée depuis moins de 30 jours (30 par défaut)" in text
    # The decision's reasons; the fact form's kinds, fields and choices.
    assert "Le plafond est atteint (A6), Orientation incomplète (A4)" in text
    assert "Juridiction" in text and "suspension ordonnée par un tribunal" in text
    for raw in (
        "court_stay_granted",
        "court stay granted",
        "legal advice given",
        "stay ref",
        "stay_ref",
        "ecthr_rule_39",
        "ECtHR Rule 39",
        "incomplete_referral",
        "cap_reached",
        "signed on",
        "interim_measure",
        "assessment_max_age_days",
        "notice_period_days",
        "Précision day",
    ):
        assert raw not in text, raw


def test_the_override_form_names_rules_in_spanish() -> None:
    senior = f.vetting_officer(Role.SENIOR_OFFICER)
    r = f.vetting_referral(officer=senior, clear=False)
    c = in_language(signed_in_with_2fa(senior), "es")
    text = visible(c.get(f"/vetting/referrals/{r.pk}/vetting/").content.decode())
    assert "A12 — Asesoramiento jurídico antes de la aceptación" in text
    assert "Legal advice before acceptance" not in text


def test_the_liaison_reads_refusal_reasons_and_history_in_spanish() -> None:
    officer = f.vetting_officer()
    ag = f.agreement(status="in_force")
    liaison = f.liaison(country=ag.sending_state)
    r = f.referral(by=liaison, agreement=ag)
    svc.referral_refuse(actor=officer, referral=r, reason_codes=["not_eligible"])
    c = in_language(signed_in(liaison), "es")
    decision = visible(c.get(f"/vetting/referrals/{r.pk}/decision/").content.decode())
    assert "No reúne los requisitos del acuerdo" in decision
    assert "not_eligible" not in decision
    detail = visible(c.get(f"/vetting/referrals/{r.pk}/").content.decode())
    assert "→ Enviada" in detail and "→ Rechazada" in detail
    assert "→ submitted" not in detail and "→ refused" not in detail


def test_file_names_an_absent_household_member_instead_of_an_id() -> None:
    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    spouse = f.person(by=f.liaison(), given_names="Rosa Elena", first_surname="Quispe")
    f.fact(
        by=officer,
        referral=r,
        kind="household_membership",
        payload={
            "household_ref": "H-1",
            "member_ref": str(spouse.pk),
            "relationship": "spouse",
            "member_is_child": False,
        },
    )
    page = signed_in(officer).get(f"/vetting/referrals/{r.pk}/vetting/")
    a7 = next(x for x in page.context["findings"] if x["f"].rule_id == "A7")
    assert a7["f"].outcome == "block"
    assert "(Rosa Elena Quispe López)" in a7["message"]
    assert ("Absent members", "Rosa Elena Quispe López") in a7["facts"]
    fact = next(x for x in page.context["facts"] if x["event"].kind == "household_membership")
    assert ("Member", "Rosa Elena Quispe López") in fact["payload"]
    # The stored finding keeps the id (the rules, the API and the audit chain read it).
    assert a7["f"].facts_used["absent_members"] == [str(spouse.pk)]
    assert str(spouse.pk) not in page.content.decode()


def test_file_gives_every_form_field_its_own_id_and_a_refused_proof_stays_with_its_notice() -> None:
    import re
    from collections import Counter

    officer = f.vetting_officer()
    r = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=r, reason="ok")
    decision = svc.notice_issue(actor=officer, referral=r, kind="decision")
    transfer = svc.notice_issue(actor=officer, referral=r, kind="transfer")
    c = signed_in(officer)
    page = c.get(f"/vetting/referrals/{r.pk}/vetting/").content.decode()
    ids = Counter(re.findall(r'\bid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    # Each label names a field that exists on the page (one field, as the ids are unique).
    assert set(re.findall(r'<label for="([^"]+)"', page)) <= set(ids)
    res = c.post(f"/vetting/notices/{transfer.pk}/service/", {"proof_reference": "R-1"})
    assert res.status_code == 400
    shown = {n.pk: n.service_form for n in res.context["notices"]}
    assert shown[transfer.pk].errors["served_on_person_at"]
    assert not shown[decision.pk].is_bound
    transfer.refresh_from_db()
    assert transfer.served_on_person_at is None


def test_after_an_override_request_the_file_shows_a5_waiting_not_blocked() -> None:
    # SAFEGUARDS A5: the request stores a decision-stage evaluation of a referral nobody has
    # decided; the file must not read "no acceptance" as a block.
    officer = f.vetting_officer()
    senior = f.vetting_officer(Role.SENIOR_OFFICER, organisation_=officer.organisation)
    r = f.vetting_referral(officer=officer, clear=False)
    svc.override_request(actor=senior, referral=r, rule_id="A12", justification="Advice oral.")
    page = signed_in(officer).get(f"/vetting/referrals/{r.pk}/vetting/")
    a5 = [x["f"] for x in page.context["findings"] if x["f"].rule_id == "A5"]
    assert [x.outcome.value for x in a5] == ["warn"]
    text = page.content.decode()
    assert "Awaiting the decision" in text
    assert "No explicit acceptance" not in text
