"""Demo: the United States refers its registered people under US-RW-2025, at various stages,
and the receiving state vets some of them (SAFEGUARDS A1–A13), through the services.

Among the referrals, by case reference (see `SCENARIOS` below): an unaccompanied minor (A1,
age disputed), an open fear claim (A10), a court stay (A8), a block only by a non-absolute rule
(no legal advice, A12) with an override asked for by `vetting`, requested by `senior` and
waiting for `senior2`, a request by `vetting` to retract the court stay waiting for a senior
officer (SAFEGUARDS F1), one person accepted by `vetting` with every fact recorded and a decision
and a transfer notice in Spanish served with proof, one refused as an incomplete referral (A4),
and a second accepted person whose fear claim recorded after acceptance raised an alert and
told the monitor.

The clock is frozen for the whole part at the minute it starts, and every date is a fixed
number of days before that day, so the findings come out the same on every run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import Organisation, User
from ikaze.agreements.models import Agreement
from ikaze.core import clock
from ikaze.people.models import Person
from ikaze.vetting import services
from ikaze.vetting.legal_events import ALL_ASSESSMENT_TOPICS
from ikaze.vetting.models import LegalEventRecord, Referral

CODE = "US-RW-2025"


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    agreement = Agreement.objects.filter(code=CODE, status="in_force").first()
    if agreement is None:
        return
    with clock.frozen(clock.now().replace(second=0, microsecond=0)):
        _refer(agreement=agreement, orgs=orgs, users=users)
        _vet(users=users)


def _refer(*, agreement: Agreement, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    liaison = actor_for_user(users["liaison"])
    officer = actor_for_user(users["vetting"])
    people = list(
        Person.objects.filter(sending_organisation=orgs["US-DHS"], referrals__isnull=True).order_by(
            "external_reference"
        )
    )
    for i, person in enumerate(people):
        referral = services.referral_create(
            actor=liaison,
            agreement=agreement,
            person=person,
            external_reference=f"CASE-{person.external_reference}",
        )
        if i % 10 == 9:
            continue  # a few drafts the liaison has not sent yet
        referral = services.referral_submit(actor=liaison, referral=referral)
        if i % 5 == 1:
            referral = services.referral_start_review(actor=officer, referral=referral)
        if i % 10 == 3:
            referral = services.referral_start_review(actor=officer, referral=referral)
            services.referral_request_information(
                actor=officer,
                referral=referral,
                reason="Please send the birth certificate and the asylum case file number.",
            )
            if i == 3:
                _documents(liaison=liaison, referral=referral)
        if i == 4:
            services.referral_withdraw(
                actor=liaison, referral=referral, reason="The person left the United States."
            )


# A one-page PDF (the demo's stand-in for a scanned certificate).
_DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _documents(*, liaison: Actor, referral: Referral) -> None:
    """Issue 11 item 3: a birth certificate uploaded to the person by the sending state."""
    import io

    from ikaze.documents.services import document_upload

    document_upload(
        actor=liaison,
        target_type="person",
        target_id=referral.person_id,
        kind="birth_certificate",
        file=io.BytesIO(_DEMO_PDF),
        name="birth-certificate.pdf",
    )


def _day(days_ago: int) -> dt.date:
    return clock.today_local() - dt.timedelta(days=days_ago)


def _fact(
    officer: Actor, referral: Referral, kind: str, payload: dict[str, Any], days_ago: int
) -> LegalEventRecord:
    return services.legal_fact_record(
        actor=officer,
        referral=referral,
        kind=kind,
        payload=payload,
        effective_at=_day(days_ago),
        source_document=f"DGIE/{kind.upper()}/{referral.external_reference}",
    )


def _assessment(officer: Actor, referral: Referral, days_ago: int = 3) -> None:
    # SAFEGUARDS A3: individual, every topic, a text of its own (hashed).
    _fact(
        officer,
        referral,
        "assessment_signed",
        {
            "assessor": "Aline Uwase",
            "individual": True,
            "topics": sorted(t.value for t in ALL_ASSESSMENT_TOPICS),
            "text_sha256": hashlib.sha256(
                f"demo {referral.external_reference}".encode()
            ).hexdigest(),
        },
        days_ago,
    )


def _advice(officer: Actor, referral: Referral, language: str, days_ago: int = 2) -> None:
    # SAFEGUARDS A12: legal advice before acceptance, in a language the person understands.
    _fact(
        officer,
        referral,
        "legal_advice_given",
        {"provider": "Legal Aid Forum Rwanda", "language": language},
        days_ago,
    )


def _open_referrals() -> list[Referral]:
    """Submitted or under review, adults outside households, oldest reference first."""
    return list(
        Referral.objects.filter(
            agreement__code=CODE,
            status__in=[Referral.Status.SUBMITTED, Referral.Status.UNDER_REVIEW],
            person__memberships__isnull=True,
            external_reference__startswith="CASE-",
        )
        .select_related("person")
        .order_by("external_reference")
    )


def _vet(*, users: dict[str, User]) -> None:
    officer = actor_for_user(users["vetting"])
    senior = actor_for_user(users["senior"], second_factor=True)
    pool = _open_referrals()
    spanish = [r for r in pool if (r.person.languages or [""])[0] == "es"]
    if len(spanish) < 2 or len(pool) < 7:
        return  # the people demo changed: nothing sensible to show
    accepted, accepted2 = spanish[:2]
    minor, fear, stay, override, refused = [r for r in pool if r not in (accepted, accepted2)][:5]

    # A1: an age dispute still open counts as a child; nobody accompanies them.
    _fact(
        officer,
        minor,
        "age_dispute_opened",
        {
            "reason": "Says they are 16; no document confirms the date of birth.",
            "claimed_date_of_birth": _day(16 * 365 + 40).isoformat(),
        },
        5,
    )
    # A10: a fear of the destination expressed, screening still due.
    _fact(
        officer,
        fear,
        "fear_expressed",
        {
            "fear_ref": f"FEAR-{fear.external_reference}",
            "feared_country": "RW",
            "summary": "Fears being sent on to the country of origin.",
            "expressed_to": "DGIE vetting officer",
            "screening_deadline": _day(-5).isoformat(),
        },
        2,
    )
    # A8: a court stay in the sending state.
    stay_fact = _fact(
        officer,
        stay,
        "court_stay_granted",
        {
            "stay_ref": f"STAY-{stay.external_reference}",
            "court": "US District Court",
            "measure": "stay",
        },
        4,
    )
    # SAFEGUARDS F1: an officer asks to retract the stay; it stands until a senior seconds it.
    services.fact_removal_request(
        actor=officer,
        referral=stay,
        target=stay_fact,
        justification="The sending state says the stay was recorded on the wrong person.",
        source_document="DGIE/MEMO/STAY-CHECK",
    )
    # A12 alone blocks (no legal advice yet): `vetting` asks a senior officer for an override
    # (issue 11 item 6); `senior` takes it up by requesting it; senior2 must second.
    _assessment(officer, override)
    services.override_ask(
        actor=officer,
        referral=override,
        rule_id="A12",
        justification="The legal aid provider says advice was given; the record is late.",
    )
    services.override_request(
        actor=senior,
        referral=override,
        rule_id="A12",
        justification=(
            "The legal aid provider confirmed by telephone that advice was given on the 3rd; "
            "the written record follows."
        ),
    )
    # A4: refused as an incomplete referral.
    services.referral_refuse(
        actor=officer,
        referral=refused,
        reason_codes=["incomplete_referral"],
        reason="The asylum case file number and the birth certificate are missing.",
    )
    # Accepted with every fact, then the decision and transfer notices in Spanish, served.
    for r in (accepted, accepted2):
        _assessment(officer, r)
        _advice(officer, r, "es")
        services.referral_accept(
            actor=officer, referral=r, reason="Eligible; every safeguard is met."
        )
    for kind in ("decision", "transfer"):
        notice = services.notice_issue(
            actor=officer,
            referral=accepted,
            kind=kind,
            # The reason was written in English; the Spanish notice carries its translation.
            reason_translation=(
                "Cumple las condiciones; se respetan todas las garantías."
                if kind == "decision"
                else ""
            ),
        )
        # Served as it was issued (the demo's clock stands still; service never precedes issue).
        served_at = notice.issued_at
        services.notice_record_service(
            actor=officer,
            notice=notice,
            served_on_person_at=served_at,
            proof_reference=f"PROOF-{notice.notice_ref}",
            served_on_counsel_at=served_at,
            counsel_name="Legal Aid Forum Rwanda",
        )
    # A fear claim recorded after acceptance: an alert is raised and the monitor is told.
    _fact(
        officer,
        accepted2,
        "fear_expressed",
        {
            "fear_ref": f"FEAR-{accepted2.external_reference}",
            "feared_country": "RW",
            "summary": "Says she was threatened by people who will find her in Kigali.",
            "expressed_to": "DGIE vetting officer",
            "screening_deadline": _day(-7).isoformat(),
        },
        0,
    )
