"""Open protection procedures (A8), fear of the destination (A10), diplomatic assurances (A11).

SAFEGUARDS A11: none of these rules reads `ctx.legal.assurances`. An assurance can therefore
never satisfy them; a test proves that recording one changes none of their findings.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ikaze.vetting.rules._helpers import below_standard, iso
from ikaze.vetting.rules.context import RuleContext
from ikaze.vetting.rules.findings import N_, Finding, Rule, RuleKind

A8 = Rule(
    id="A8",
    title=N_("No transfer while a claim, appeal, stay or window is open"),
    kind=RuleKind.ABSOLUTE,
    text=N_(
        "Block while any of these is open: an asylum claim or appeal in the sending state, a "
        "court stay or interim measure (e.g. ECtHR Rule 39), an undecided fear claim, an "
        "unexpired appeal or reopening window."
    ),
    source="ECtHR Gebremedhin, M.S.S., Hirsi [R]; D.V.D. v. DHS [R]",
    settings=("appeal_window_days",),
)


def _delay(effective: dt.date | None, known: dt.date | None) -> dt.timedelta:
    """SAFEGUARDS F2: how much later than its date a fact became known (never negative)."""
    if effective is None or known is None or known <= effective:
        return dt.timedelta(0)
    return known - effective


_MEASURES = {"stay": "court stay", "ecthr_rule_39": "ECtHR Rule 39 interim measure"}


@A8.check
def nothing_open(ctx: RuleContext) -> list[Finding]:
    today = ctx.today
    legal = ctx.legal
    out: list[Finding] = []
    for c in legal.claims:
        if c.decided_on is None:
            out.append(
                A8.blocked(
                    N_("Asylum claim %(claim_ref)s, filed on %(filed_on)s, is not decided."),
                    {"claim_ref": c.ref, "filed_on": iso(c.filed_on)},
                )
            )
        elif c.outcome in ("refused", "inadmissible") and c.appealable:
            # The last day to appeal is inclusive: the person may still lodge it that day.
            # SAFEGUARDS F2: the window runs from when Ikaze learnt of the decision, if later.
            delay = _delay(c.decided_on, c.decision_known_on)
            ends = (
                c.appeal_window_ends + delay
                if c.appeal_window_ends is not None
                else c.decided_on + delay + dt.timedelta(days=ctx.agreement.appeal_window_days)
            )
            if today <= ends:
                out.append(
                    A8.blocked(
                        N_(
                            "The appeal window against the decision on claim %(claim_ref)s "
                            "is open until %(window_ends)s."
                        ),
                        {
                            "claim_ref": c.ref,
                            "decided_on": iso(c.decided_on),
                            "decision_recorded_on": iso(c.decision_known_on),
                            "window_ends": iso(ends),
                            "window_recorded": c.appeal_window_ends is not None,
                        },
                    )
                )
    for a in legal.appeals:
        if a.decided_on is None:
            out.append(
                A8.blocked(
                    N_("Appeal %(appeal_ref)s, filed on %(filed_on)s, is not decided."),
                    {"appeal_ref": a.ref, "filed_on": iso(a.filed_on)},
                )
            )
        elif a.further_window_ends is not None:
            # SAFEGUARDS F2: shifted by how late the decision became known.
            further_ends = a.further_window_ends + _delay(a.decided_on, a.decision_known_on)
            if today <= further_ends:
                out.append(
                    A8.blocked(
                        N_(
                            "An onward appeal or reopening window after appeal %(appeal_ref)s "
                            "is open until %(window_ends)s."
                        ),
                        {"appeal_ref": a.ref, "window_ends": iso(further_ends)},
                    )
                )
        elif not a.final:
            out.append(
                A8.blocked(
                    N_(
                        "The decision on appeal %(appeal_ref)s is not final and no end of the "
                        "onward appeal or reopening window is recorded."
                    ),
                    {"appeal_ref": a.ref, "decided_on": iso(a.decided_on)},
                )
            )
    for s in legal.stays:
        lifted = s.lifted_on is not None and s.lifted_on <= today
        expired = s.until is not None and today > s.until
        if not lifted and not expired:
            out.append(
                A8.blocked(
                    N_("A %(measure_label)s granted by %(court)s on %(granted_on)s is in force."),
                    {
                        "stay_ref": s.ref,
                        "measure": s.measure,
                        "measure_label": _MEASURES.get(s.measure, "court interim measure"),
                        "court": s.court,
                        "granted_on": iso(s.granted_on),
                        "until": iso(s.until),
                    },
                )
            )
    for f in legal.fear_claims:
        if f.outcome is None:
            out.append(
                A8.blocked(
                    N_("The fear claim %(fear_ref)s, expressed on %(expressed_on)s, is undecided."),
                    {"fear_ref": f.ref, "expressed_on": iso(f.expressed_on)},
                )
            )
    if not out:
        out.append(
            A8.passed(
                N_("No claim, appeal, stay, fear claim or window is open."),
                {
                    "claims": len(legal.claims),
                    "appeals": len(legal.appeals),
                    "stays": len(legal.stays),
                    "fear_claims": len(legal.fear_claims),
                },
            )
        )
    return out


A10 = Rule(
    id="A10",
    title=N_("A fear of the destination stops the transfer"),
    kind=RuleKind.ABSOLUTE,
    text=N_(
        "Any recorded fear about the destination opens a fear claim: transfer blocked, "
        "screening task with a deadline; after a negative screening, still blocked for "
        "review_window_days (default 15)."
    ),
    source="CAT art. 3 [K]; D.V.D. [R]",
    settings=("review_window_days",),
)


@A10.check
def fear_claims_closed(ctx: RuleContext) -> list[Finding]:
    today = ctx.today
    window = ctx.agreement.review_window_days
    out: list[Finding] = []
    for f in ctx.legal.fear_claims:
        facts: dict[str, Any] = {
            "fear_ref": f.ref,
            "feared_country": f.feared_country,
            "expressed_on": iso(f.expressed_on),
            "screening_deadline": iso(f.screening_deadline),
        }
        if f.outcome is None:
            overdue = f.screening_deadline is not None and today > f.screening_deadline
            facts["screening_overdue"] = overdue
            out.append(
                A10.blocked(
                    N_(
                        "A fear about the destination was recorded on %(expressed_on)s; the "
                        "transfer is blocked until it is screened (due by %(screening_deadline)s)."
                    ),
                    facts,
                )
            )
            continue
        facts["screened_on"] = iso(f.screened_on)
        facts["screening_outcome"] = f.outcome
        if f.outcome == "positive":
            out.append(
                A10.blocked(
                    N_("The fear screening on %(screened_on)s was positive: no transfer."),
                    facts,
                )
            )
            continue
        assert f.screened_on is not None
        # The review window's last day is inclusive: review may still be sought that day.
        # SAFEGUARDS F2: it runs from the later of the screening's date and the day Ikaze
        # recorded it, so a screening typed in with an old date still leaves the full window.
        start = f.screened_on + _delay(f.screened_on, f.screening_known_on)
        ends = start + dt.timedelta(days=window)
        facts["screening_recorded_on"] = iso(f.screening_known_on)
        facts["review_window_ends"] = iso(ends)
        if today <= ends:
            out.append(
                A10.blocked(
                    N_(
                        "The fear screening on %(screened_on)s was negative; the review window "
                        "is open until %(review_window_ends)s."
                    ),
                    facts,
                )
            )
        else:
            out.append(
                A10.passed(
                    N_(
                        "The fear screening on %(screened_on)s was negative and the review "
                        "window closed on %(review_window_ends)s."
                    ),
                    facts,
                )
            )
    if not out:
        out.append(A10.passed(N_("No fear about the destination is recorded."), {"fear_claims": 0}))
    if (flag := below_standard(A10, ctx, "review_window_days")) is not None:
        out.append(flag)
    return out


A11 = Rule(
    id="A11",
    title=N_("Diplomatic assurances never satisfy A8–A10"),
    kind=RuleKind.ABSOLUTE,
    text=N_("Diplomatic assurances never satisfy A8–A10."),
    source="UNHCR on assurances [R]",
)


@A11.check
def assurances_ignored(ctx: RuleContext) -> list[Finding]:
    assurances = ctx.legal.assurances
    if assurances:
        return [
            A11.warned(
                N_(
                    "%(count)s diplomatic assurance(s) on file; they never satisfy A8–A10 and "
                    "were not taken into account."
                ),
                {"count": len(assurances), "references": [a.payload.reference for a in assurances]},
            )
        ]
    return [A11.passed(N_("No diplomatic assurance is relied on."), {"count": 0})]
