"""What must be done before a transfer: assessment (A3), acceptance (A5), cap (A6), notice
(A9), legal advice (A12), consent in voluntary schemes (A13)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from ikaze.vetting.legal_events import ALL_ASSESSMENT_TOPICS, AssessmentSigned, Dated, NoticeServed
from ikaze.vetting.rules._helpers import below_standard, iso
from ikaze.vetting.rules.context import ACCEPTANCE_STAGES, MOVEMENT_STAGES, RuleContext, Stage
from ikaze.vetting.rules.findings import N_, Finding, Rule, RuleKind

# --- A3 ------------------------------------------------------------------------------------

A3 = Rule(
    id="A3",
    title=N_("A recent individual pre-transfer assessment"),
    kind=RuleKind.BLOCK,
    text=N_(
        "An individual pre-transfer assessment (vulnerabilities, health, family links, "
        "trafficking indicators, links to the receiving state) signed and dated within "
        "assessment_max_age_days (default 30) must exist. Bulk or copied assessments are refused."
    ),
    source="UNHCR transfer guidance 2013 [K]; UK Supreme Court AAA 2023 [R]",
    settings=("assessment_max_age_days",),
)


def assessment_defects(a: Dated[AssessmentSigned], *, shared: frozenset[str]) -> list[str]:
    """Why an assessment does not count (SAFEGUARDS A3); empty when it is individual."""
    p = a.payload
    why = []
    if not p.individual:
        why.append("bulk")
    if p.copied_from is not None or p.text_sha256 in shared:
        why.append("copied")
    missing = ALL_ASSESSMENT_TOPICS - p.topics
    if missing:
        why.append("missing:" + ",".join(sorted(missing)))
    return why


@A3.check
def assessment_current(ctx: RuleContext) -> list[Finding]:
    today = ctx.today
    max_age = ctx.agreement.assessment_max_age_days
    shared = ctx.referral.shared_assessment_hashes
    signed = [a for a in ctx.legal.assessments if a.on <= today]
    good = [a for a in signed if not assessment_defects(a, shared=shared)]
    out: list[Finding] = []
    if good:
        latest = max(good, key=lambda a: a.on)
        age_days = (today - latest.on).days
        facts: dict[str, Any] = {
            "signed_on": iso(latest.on),
            "assessor": latest.payload.assessor,
            "age_days": age_days,
            "max_age_days": max_age,
            "assessment_event": latest.event_id,
        }
        if age_days <= max_age:
            out.append(A3.passed(N_("Individual assessment signed on %(signed_on)s."), facts))
        else:
            out.append(
                A3.blocked(
                    N_(
                        "The latest individual assessment is %(age_days)s days old; it must be "
                        "at most %(max_age_days)s days old."
                    ),
                    facts,
                )
            )
    elif signed:
        latest = max(signed, key=lambda a: a.on)
        out.append(
            A3.blocked(
                N_(
                    "No assessment counts: the latest (%(signed_on)s) is %(defects_text)s. "
                    "Bulk or copied assessments are refused."
                ),
                {
                    "signed_on": iso(latest.on),
                    "defects": assessment_defects(latest, shared=shared),
                    "defects_text": "; ".join(assessment_defects(latest, shared=shared)),
                    "assessment_event": latest.event_id,
                },
            )
        )
    else:
        out.append(
            A3.blocked(N_("No individual pre-transfer assessment is recorded."), {"assessments": 0})
        )
    if (flag := below_standard(A3, ctx, "assessment_max_age_days")) is not None:
        out.append(flag)
    return out


# --- A5 ------------------------------------------------------------------------------------

A5 = Rule(
    id="A5",
    title=N_("An explicit, current acceptance by a named officer"),
    kind=RuleKind.ABSOLUTE,
    text=N_(
        "Transfer needs an explicit acceptance of this person by a named receiving-state "
        "officer, with time and reason. Silence is refusal. Acceptance expires after "
        "acceptance_valid_days (default 90)."
    ),
    source="US–Rwanda “approve each individual” [R]; Treaty [R]",
    settings=("acceptance_valid_days",),
)


@A5.check
def acceptance_current(ctx: RuleContext) -> list[Finding]:
    d = ctx.decision
    out: list[Finding] = []
    explicit = d.accepted and bool((d.officer or "").strip()) and bool(d.reason.strip())
    if ctx.stage not in ACCEPTANCE_STAGES:
        # Advisory at referral: nobody has decided yet.
        out.append(
            A5.warned(
                N_("Not accepted yet: a transfer needs an explicit acceptance by a named officer."),
                {"accepted": d.accepted},
            )
        )
    elif d.refused:
        out.append(
            A5.blocked(
                N_(
                    "This person was refused: only an explicit, current acceptance allows a "
                    "transfer."
                ),
                {"accepted": False, "officer": d.officer},
            )
        )
    elif d.awaiting and ctx.stage is Stage.DECISION:
        # The decision is still to be made (an override asked for, a refusal weighed): the
        # acceptance being made is what A5 checks then. From manifest lock on, it blocks.
        out.append(
            A5.warned(
                N_(
                    "Awaiting the decision: a transfer needs an explicit acceptance by a named "
                    "officer; silence is refusal."
                ),
                {"accepted": False},
            )
        )
    elif not explicit or d.accepted_at is None:
        out.append(
            A5.blocked(
                N_(
                    "No explicit acceptance by a named officer with time and reason: silence "
                    "is refusal."
                ),
                {
                    "accepted": d.accepted,
                    "officer": d.officer,
                    "accepted_at": d.accepted_at.isoformat() if d.accepted_at else None,
                    "reason_given": bool(d.reason.strip()),
                },
            )
        )
    elif d.accepted_at > ctx.now:
        out.append(
            A5.blocked(
                N_("The acceptance is dated in the future."),
                {"accepted_at": d.accepted_at.isoformat(), "now": ctx.now.isoformat()},
            )
        )
    else:
        accepted_on = ctx.local_date(d.accepted_at)
        # Valid for acceptance_valid_days after the day of acceptance, that last day included:
        # accepted on day 0, valid on day 90, expired on day 91.
        valid_until = accepted_on + dt.timedelta(days=ctx.agreement.acceptance_valid_days)
        # At manifest lock the acceptance must still hold on the planned departure day.
        check_day = max(ctx.today, ctx.transfer_date or ctx.today)
        facts = {
            "officer": d.officer,
            "accepted_on": iso(accepted_on),
            "valid_until": iso(valid_until),
            "checked_for": iso(check_day),
        }
        if check_day > valid_until:
            out.append(
                A5.blocked(
                    N_(
                        "The acceptance of %(accepted_on)s expired after %(valid_until)s; a new "
                        "decision is needed."
                    ),
                    facts,
                )
            )
        else:
            out.append(
                A5.passed(
                    N_("Accepted by %(officer)s on %(accepted_on)s, valid until %(valid_until)s."),
                    facts,
                )
            )
    if (flag := below_standard(A5, ctx, "acceptance_valid_days")) is not None:
        out.append(flag)
    return out


# --- A6 ------------------------------------------------------------------------------------

A6 = Rule(
    id="A6",
    title=N_("Within the agreement's cap"),
    kind=RuleKind.ABSOLUTE,
    text=N_("Accepted and moved people never exceed the cap for the agreement and period."),
    source="US–Rwanda cap 250 [R]",
    settings=("cap", "places_left"),
)


@A6.check
def within_cap(ctx: RuleContext) -> list[Finding]:
    ag = ctx.agreement
    facts = {"cap": ag.cap, "places_left": ag.places_left}
    if ag.cap is None:
        return [A6.passed(N_("The agreement has no cap."), facts)]
    if ctx.decision.counted_in_cap:
        return [A6.passed(N_("The person already holds one of the agreement's places."), facts)]
    # The database enforces the cap when the place is taken; this finding reports it.
    if ag.places_left is None or ag.places_left < 1:
        if ctx.stage not in ACCEPTANCE_STAGES:
            return [A6.warned(N_("The cap is reached: no place is left for this person."), facts)]
        return [A6.blocked(N_("The cap is reached: no place is left for this person."), facts)]
    return [A6.passed(N_("%(places_left)s of %(cap)s places left."), facts)]


# --- A9 ------------------------------------------------------------------------------------

A9 = Rule(
    id="A9",
    title=N_("Written notice, understood, served, and ripe"),
    kind=RuleKind.BLOCK,
    text=N_(
        "Written notice naming the destination, in a language the person understands, served on "
        "the person and their counsel with proof; transfer only after notice_period_days "
        '(default 10). A shorter period set on an agreement is flagged "below standard" on '
        "every report."
    ),
    source="D.V.D. order of 21 May 2025 (≥10 days) [R]; ICE memo 9 Jul 2025 (24 h / 6 h) [R]",
    settings=("notice_period_days",),
)


def notice_language_served(
    *,
    template_language: str,
    served_language: str,
    person_languages: Iterable[str],
    translation_recorded: bool,
    interpreter_language: str | None,
) -> bool:
    """SAFEGUARDS A9: a notice counts as served in a language the person understands only if
    its printed text is in such a language, or a translation into one, or an interpreter
    speaking one, is recorded."""
    understood = set(person_languages)
    if template_language in understood:
        return True
    if translation_recorded and served_language in understood:
        return True
    return interpreter_language is not None and interpreter_language in understood


def notice_defects(n: Dated[NoticeServed], ctx: RuleContext) -> list[str]:
    """Why a served notice does not count for SAFEGUARDS A9; empty when it does."""
    p = n.payload
    why = []
    if p.notice_kind != "transfer":
        why.append("not_a_transfer_notice")
    if p.destination_country != ctx.agreement.receiving_state:
        why.append("names_another_destination")
    if not notice_language_served(
        template_language=p.template_language,
        served_language=p.language,
        person_languages=ctx.person.languages,
        translation_recorded=p.translation_recorded,
        interpreter_language=p.interpreter_language,
    ):
        why.append("language_not_understood")
    if not p.served_on_person:
        why.append("not_served_on_person")
    # SAFEGUARDS F3: only service recorded through the notice service, for a notice issued
    # on this referral (and confirmed when recorded late), counts.
    if n.event_id not in ctx.referral.notice_service_events:
        why.append("not_recorded_through_notice_service")
    if ctx.person.has_counsel and not p.served_on_counsel:
        why.append("not_served_on_counsel")
    return why


@A9.check
def notice_ripe(ctx: RuleContext) -> list[Finding]:
    period = ctx.agreement.notice_period_days
    valid: list[Dated[NoticeServed]] = []
    rejected: list[dict[str, Any]] = []
    for n in ctx.legal.notices:
        if n.on > ctx.today:
            continue
        why = notice_defects(n, ctx)
        if why:
            rejected.append({"notice_ref": n.payload.notice_ref, "defects": why})
        else:
            valid.append(n)
    movement = ctx.stage in MOVEMENT_STAGES
    out: list[Finding] = []
    if not valid:
        facts: dict[str, Any] = {"notices_not_counted": rejected, "notice_period_days": period}
        message = N_(
            "No valid transfer notice: it must name the destination, be in a language the "
            "person understands, and be served on the person (and counsel) with proof."
        )
        out.append(A9.blocked(message, facts) if movement else A9.warned(message, facts))
    else:
        # SAFEGUARDS F2: the period runs from the later of service and its recording.
        first = min(valid, key=lambda n: n.clock_from)
        earliest = first.clock_from + dt.timedelta(days=period)
        transfer = ctx.transfer_date
        facts = {
            "served_on": iso(first.on),
            "service_recorded_on": iso(first.known_on),
            "notice_ref": first.payload.notice_ref,
            "proof_reference": first.payload.proof_reference,
            "notice_period_days": period,
            "earliest_transfer": iso(earliest),
            "transfer_date": iso(transfer),
            "notices_not_counted": rejected,
        }
        if movement and transfer is None:
            out.append(
                A9.blocked(
                    N_("No departure date is set, so the notice period cannot be checked."), facts
                )
            )
        elif transfer is not None and transfer < earliest:
            # Days of notice = transfer day − service day; day 9 is too soon, day 10 is ripe.
            message = N_(
                "Notice served on %(served_on)s: no transfer before %(earliest_transfer)s "
                "(%(notice_period_days)s days)."
            )
            out.append(A9.blocked(message, facts) if movement else A9.warned(message, facts))
        else:
            out.append(
                A9.passed(
                    N_(
                        "Notice served on %(served_on)s; transfer possible from "
                        "%(earliest_transfer)s."
                    ),
                    facts,
                )
            )
    if (flag := below_standard(A9, ctx, "notice_period_days")) is not None:
        out.append(flag)
    return out


# --- A12 -----------------------------------------------------------------------------------

A12 = Rule(
    id="A12",
    title=N_("Legal advice before acceptance"),
    kind=RuleKind.BLOCK,
    text=N_("Access to legal advice recorded (provider, date, language) before acceptance."),
    source="UNHCR 2013 [K]",
)


@A12.check
def legal_advice_given(ctx: RuleContext) -> list[Finding]:
    understood = set(ctx.person.languages)
    valid = [
        a
        for a in ctx.legal.legal_advice
        if a.on <= ctx.today
        and (a.payload.language in understood or a.payload.interpreter_language in understood)
    ]
    if valid:
        latest = max(valid, key=lambda a: a.on)
        return [
            A12.passed(
                N_("Legal advice given by %(provider)s on %(given_on)s in %(language)s."),
                {
                    "provider": latest.payload.provider,
                    "given_on": iso(latest.on),
                    "language": latest.payload.language,
                    "interpreter_language": latest.payload.interpreter_language,
                },
            )
        ]
    facts = {
        "advice_recorded": len(ctx.legal.legal_advice),
        "person_languages": list(ctx.person.languages),
    }
    message = N_(
        "No legal advice in a language the person understands is recorded (provider, date, "
        "language); it is needed before acceptance."
    )
    if ctx.stage in ACCEPTANCE_STAGES:
        return [A12.blocked(message, facts)]
    return [A12.warned(message, facts)]


# --- A13 -----------------------------------------------------------------------------------

A13 = Rule(
    id="A13",
    title=N_("Voluntary means informed, withdrawable consent, and no bought withdrawal"),
    kind=RuleKind.BLOCK,
    text=N_(
        "Where the scheme is voluntary: informed consent recorded, withdrawable at any step; no "
        "payment may be conditional on withdrawing a protection claim."
    ),
    source="Refugee Convention art. 33 [K]",
    settings=("voluntary", "payment_conditional_on_claim_withdrawal"),
)


@A13.check
def consent_current(ctx: RuleContext) -> list[Finding]:
    consent = ctx.legal.consent
    out: list[Finding] = []
    if ctx.agreement.payment_conditional_on_claim_withdrawal or (
        consent is not None and consent.consent.payment_conditional_on_claim_withdrawal
    ):
        out.append(
            A13.blocked(
                N_("A payment is conditional on withdrawing a protection claim."),
                {"payment_conditional_on_claim_withdrawal": True},
            )
        )
    if not ctx.agreement.voluntary:
        if not out:
            out.append(A13.passed(N_("The scheme is not voluntary."), {"voluntary": False}))
        return out
    if consent is None:
        out.append(A13.blocked(N_("No informed consent is recorded."), {"voluntary": True}))
    elif consent.withdrawn_on is not None:
        out.append(
            A13.blocked(
                N_("Consent was withdrawn on %(withdrawn_on)s."),
                {"given_on": iso(consent.given_on), "withdrawn_on": iso(consent.withdrawn_on)},
            )
        )
    elif not consent.consent.informed:
        out.append(
            A13.blocked(
                N_("The consent recorded on %(given_on)s is not informed."),
                {"given_on": iso(consent.given_on), "informed": False},
            )
        )
    elif consent.consent.language not in ctx.person.languages:
        out.append(
            A13.blocked(
                N_(
                    "Consent was taken in %(language)s, a language the person is not recorded as understanding."
                ),
                {"given_on": iso(consent.given_on), "language": consent.consent.language},
            )
        )
    elif not out:
        out.append(
            A13.passed(
                N_("Informed consent given on %(given_on)s, not withdrawn."),
                {"given_on": iso(consent.given_on), "language": consent.consent.language},
            )
        )
    return out
