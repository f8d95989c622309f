"""The summary on top of the vetting file: what blocks and why, what is missing, the next
deadline, the open alerts and the next thing this reader can do (issue 11 item 1).

Built from what the file already read (findings, overrides, decisions, notices, alerts): no
query of its own, so the file costs the same with or without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ikaze.vetting.models import Decision, Override, Referral
from ikaze.vetting.rules import RULES


@dataclass(frozen=True)
class Deadline:
    day: dt.date
    what: str


@dataclass(frozen=True)
class NextAction:
    text: str
    anchor: str = ""  # the panel of the file where it is done


@dataclass
class FileSummary:
    blocking: list[dict[str, Any]] = field(default_factory=list)
    overridden: list[dict[str, Any]] = field(default_factory=list)
    missing: list[tuple[str, list[str]]] = field(default_factory=list)
    deadline: Deadline | None = None
    open_alerts: list[Any] = field(default_factory=list)
    next_action: NextAction | None = None


def approved_overrides(overrides: Sequence[Override]) -> dict[str, Override]:
    """The rules two senior officers overrode, by rule id."""
    return {o.rule_id: o for o in overrides if o.status == Override.Status.APPROVED}


def file_summary(
    *,
    referral: Referral,
    findings: Sequence[dict[str, Any]],
    overrides: Sequence[Override],
    decisions: Sequence[Decision],
    notices: Sequence[Any],
    alerts: Sequence[Any],
    missing: list[tuple[str, list[str]]],
    decidable: bool,
    can: dict[str, bool],
    user_id: Any,
) -> FileSummary:
    """Sum up the file for its reader; `can` says which panels the reader may act in."""
    blocks = [x for x in findings if x["f"].outcome == "block"]
    summary = FileSummary(
        blocking=[x for x in blocks if not x.get("override")],
        overridden=[x for x in blocks if x.get("override")],
        missing=missing,
        open_alerts=[a for a in alerts if a.resolved_at is None],
    )
    summary.deadline = _next_deadline(referral, decisions, notices)
    summary.next_action = _next_action(
        summary, referral, overrides, notices, decidable, can, user_id
    )
    return summary


def _next_deadline(
    referral: Referral, decisions: Sequence[Decision], notices: Sequence[Any]
) -> Deadline | None:
    days: list[Deadline] = []
    accepted = [d for d in decisions if d.outcome == Decision.Outcome.ACCEPTED and d.expires_at]
    if accepted and referral.status == Referral.Status.ACCEPTED:
        expires = accepted[0].expires_at
        assert expires is not None
        # SAFEGUARDS A5: the acceptance lapses; the person is then decided again.
        days.append(Deadline(expires.date(), _("The acceptance expires (A5).")))
    period = referral.agreement.notice_period_days
    for n in notices:
        if n.kind == "transfer" and n.served_on_person_at:
            # SAFEGUARDS A9: no transfer before the notice period has run.
            day = n.served_on_person_at.date() + dt.timedelta(days=period)
            days.append(Deadline(day, _("The notice period ends: the earliest transfer (A9).")))
    return min(days, key=lambda d: d.day) if days else None


def _next_action(
    summary: FileSummary,
    referral: Referral,
    overrides: Sequence[Override],
    notices: Sequence[Any],
    decidable: bool,
    can: dict[str, bool],
    user_id: Any,
) -> NextAction:
    if summary.open_alerts and can.get("resolve"):
        return NextAction(
            _("Deal with the open alert: a block now stands against an accepted person."),
            "alerts",
        )
    if decidable:
        if summary.missing:
            return NextAction(
                _("Ask the sending state for the missing data before deciding (A4)."), "decision"
            )
        waiting = {o.rule_id for o in overrides if o.status == Override.Status.REQUESTED}
        blocking = [x["f"].rule_id for x in summary.blocking]
        if blocking:
            names = ", ".join(f"{r} ({_(RULES[r].title)})" for r in blocking if r in RULES)
            if waiting & set(blocking):
                mine = any(
                    o.requested_by_id == user_id
                    for o in overrides
                    if o.status == Override.Status.REQUESTED
                )
                if mine:
                    return NextAction(
                        _("Wait for another senior officer to answer your override request."),
                        "overrides",
                    )
                if can.get("override"):
                    return NextAction(_("Answer the override request on the overrides list."))
            if can.get("record"):
                return NextAction(
                    _("Record the fact that answers %(rules)s, or refuse the person.")
                    % {"rules": names},
                    "facts",
                )
            return NextAction(_("Blocked by %(rules)s.") % {"rules": names})
        if can.get("decide"):
            return NextAction(_("Record the decision: no safeguard blocks the person."), "decision")
    if referral.status == Referral.Status.ACCEPTED and can.get("notice"):
        kinds = {n.kind for n in notices}
        if "decision" not in kinds:
            return NextAction(_("Issue the decision notice."), "notices")
        if any(not n.served_on_person_at for n in notices):
            return NextAction(_("Record the proof of service of the notice."), "notices")
        if "transfer" not in kinds:
            return NextAction(_("Issue the transfer notice."), "notices")
    return NextAction(_("Nothing waits for you on this file."))
