"""Who the person is: age (A1), nationality and persecution (A2), referral data (A4),
household (A7)."""

from __future__ import annotations

from typing import Any

from ikaze.vetting.rules._helpers import child_status, iso, present_caregivers
from ikaze.vetting.rules.context import RuleContext
from ikaze.vetting.rules.findings import N_, Finding, Rule, RuleKind

A1 = Rule(
    id="A1",
    title=N_("No unaccompanied child; a disputed age counts as a child"),
    kind=RuleKind.ABSOLUTE,
    text=N_(
        "Block an unaccompanied person under 18, and anyone whose age is disputed and not "
        "finally resolved (treated as a child)."
    ),
    source="UK–Rwanda Treaty art. 3(4) [R]; CRC art. 3 [K]",
)


@A1.check
def unaccompanied_child(ctx: RuleContext) -> list[Finding]:
    child, age, basis = child_status(ctx)
    dob = ctx.person.date_of_birth
    facts: dict[str, Any] = {
        "age": age,
        "basis": basis,
        "date_of_birth": iso(dob.value) if dob else None,
        "precision": dob.precision.value if dob else None,
    }
    if basis == "age_disputed":
        dispute = ctx.legal.age_dispute
        assert dispute is not None
        facts["age_dispute_opened_on"] = iso(dispute.opened_on)
        return [
            A1.blocked(
                N_(
                    "The person's age is disputed and not finally resolved: they are treated "
                    "as a child and cannot be transferred."
                ),
                facts,
            )
        ]
    if not child:
        return [A1.passed(N_("The person is an adult."), facts)]
    caregivers = present_caregivers(ctx)
    facts["accompanied_by"] = caregivers
    if not caregivers:
        if basis == "date_of_birth_unknown":
            message = N_(
                "The date of birth is unknown, so the person is treated as a child, and no "
                "parent or guardian is on the same referral or manifest."
            )
        else:
            message = N_(
                "The person is a child (%(age)s) with no parent or guardian on the same "
                "referral or manifest: an unaccompanied child is never transferred."
            )
        return [A1.blocked(message, facts)]
    return [
        A1.passed(
            N_("The person is a child accompanied by a parent or guardian (A7 checks the family)."),
            facts,
        )
    ]


A2 = Rule(
    id="A2",
    title=N_("Not a national of, nor persecuted in, the receiving state"),
    kind=RuleKind.ABSOLUTE,
    text=N_(
        "Block when the person is a national of the receiving state, or fears persecution there."
    ),
    source="Refugee Convention art. 33 [K]",
)


@A2.check
def national_or_persecuted(ctx: RuleContext) -> list[Finding]:
    state = ctx.agreement.receiving_state
    nationalities = ctx.person.nationalities | ctx.legal.nationalities
    out: list[Finding] = []
    if state in nationalities:
        out.append(
            A2.blocked(
                N_("The person is a national of %(receiving_state)s, the receiving state."),
                {"receiving_state": state, "nationalities": sorted(nationalities)},
            )
        )
    # A fear found credible at screening is a fear of persecution there. (An unscreened fear
    # is A10's: it blocks until screened and reviewed.) A screening whose fear was never
    # recorded has no country: it is taken to be about the destination.
    credible = [
        f.ref
        for f in ctx.legal.fear_claims
        if f.outcome == "positive" and f.feared_country in (state, None)
    ]
    if credible:
        out.append(
            A2.blocked(
                N_("A fear of persecution in %(receiving_state)s was found credible at screening."),
                {"receiving_state": state, "fear_refs": credible},
            )
        )
    if not out:
        out.append(
            A2.passed(
                N_("Not a national of %(receiving_state)s; no credible fear of persecution there."),
                {"receiving_state": state, "nationalities": sorted(nationalities)},
            )
        )
    return out


A4 = Rule(
    id="A4",
    title=N_("The referral carries the required data"),
    kind=RuleKind.BLOCK,
    text=N_(
        "The referral carries the data the agreement requires (name, sex, date of birth, "
        "nationality, travel document, health data only with consent); an incomplete referral "
        'may be refused with reason "incomplete referral".'
    ),
    source="UK–Rwanda MoU 5.2–5.4 [R]",
    settings=("required_fields",),
)


@A4.check
def referral_complete(ctx: RuleContext) -> list[Finding]:
    ref = ctx.referral
    missing = sorted(ctx.agreement.required_fields - ref.present_fields)
    out: list[Finding] = []
    if missing:
        out.append(
            A4.blocked(
                N_("Incomplete referral: missing %(missing_text)s."),
                {
                    "missing": missing,
                    "missing_text": ", ".join(missing),
                    "reason_code": "incomplete_referral",
                },
            )
        )
    if ref.health_data_present and not ref.health_data_consent:
        out.append(
            A4.blocked(
                N_("The referral carries health data without the person's consent."),
                {"health_data_present": True, "health_data_consent": False},
            )
        )
    if not out:
        out.append(A4.passed(N_("The referral carries the required data."), {"missing": []}))
    return out


A7 = Rule(
    id="A7",
    title=N_("A household moves together; children only with family"),
    kind=RuleKind.BLOCK,
    text=N_(
        "A household moves together or not at all; a split needs a recorded best-interests "
        "determination and consent. Children move only with family."
    ),
    source="CRC arts. 3, 9–10 [K]",
)


@A7.check
def household_together(ctx: RuleContext) -> list[Finding]:
    known = {m.person_id for m in ctx.person.household}
    absent = [m.person_id for m in ctx.person.household if not m.present]
    # A member declared on the timeline but unknown to the referral is not travelling with
    # the person: it counts as absent (protective).
    absent.extend(
        d.payload.member_ref for d in ctx.legal.household if d.payload.member_ref not in known
    )
    out: list[Finding] = []
    child, _age, _basis = child_status(ctx)
    if child:
        family = [m.person_id for m in ctx.person.household if m.present and not m.is_child]
        if not family:
            out.append(
                A7.blocked(
                    N_("A child moves only with family: no adult family member is travelling."),
                    {"child": True, "adult_family_present": []},
                )
            )
    if absent:
        absent_set = frozenset(absent)
        approved = [
            b
            for b in ctx.legal.best_interests
            if b.payload.outcome == "split_in_best_interests"
            and b.payload.consent_recorded
            and absent_set <= b.payload.separated_members
        ]
        if approved:
            bid = approved[-1]
            out.append(
                A7.passed(
                    N_(
                        "The household is split under a best-interests determination with "
                        "consent, recorded on %(determined_on)s."
                    ),
                    {
                        "absent_members": sorted(absent_set),
                        "determined_on": iso(bid.on),
                        "determination_event": bid.event_id,
                    },
                )
            )
        else:
            out.append(
                A7.blocked(
                    N_(
                        "Household members are not travelling with the person "
                        "(%(absent_text)s): a household moves together unless a best-interests "
                        "determination with consent is recorded."
                    ),
                    {
                        "absent_members": sorted(absent_set),
                        "absent_text": ", ".join(sorted(absent_set)),
                    },
                )
            )
    if not out:
        out.append(
            A7.passed(
                N_("The household moves together."),
                {"household_size": len(ctx.person.household) + 1},
            )
        )
    return out
