"""Referral and vetting reads, scoped to the actor.

A sending liaison sees only its organisation's referrals. Legal facts, findings, overrides,
notices and alerts are the receiving state's working file (issue 4): its officers and the
monitor read them; a sending liaison sees only the *decision* on its own referrals (and nothing
else), everything else answers "not found".
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Subquery

from ikaze.accounts.access import OrgKind, Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import out_of_scope, require, scoped_get
from ikaze.accounts.selectors import user_display_names
from ikaze.agreements.parties import acts_from_command_line
from ikaze.audit.selectors import audit_target_changes, events_revealed
from ikaze.audit.services import audit_read
from ikaze.core.errors import NotFound
from ikaze.people.selectors import person_names as people_names
from ikaze.vetting.models import (
    OPEN_STATUSES,
    OVERRIDE_CLOSED,
    Alert,
    Decision,
    Evaluation,
    FactRemoval,
    LegalEventRecord,
    MonitorNotice,
    Notice,
    Override,
    Referral,
)
from ikaze.vetting.rules import RULESET_VERSION


def referral_party_q(actor: Actor, path: str = "") -> Q:
    """The referrals (at `path`, e.g. "referral__") the actor's side is party to: the same
    rule `services._common.referral_party_require` holds for one referral (issue 9 item 10).

    A sending state: its own referrals, under agreements whose sending state it is. The
    receiving side (its state, its partners): referrals under agreements whose receiving state
    is its country — not those between two other states. The monitor (C1) and an operator's
    command: all. Anyone else: none.
    """
    if actor.org_kind == OrgKind.MONITORING_BODY or acts_from_command_line(actor):
        return Q()
    country = str(actor.organisation.country).upper() if actor.organisation else ""
    if actor.org_kind == OrgKind.SENDING_STATE:
        return Q(
            **{
                f"{path}referring_organisation_id": actor.organisation_id,
                f"{path}agreement__sending_state": country,
            }
        )
    if actor.org_kind in (OrgKind.RECEIVING_STATE, OrgKind.PARTNER):
        return Q(**{f"{path}agreement__receiving_state": country})
    return Q(pk__in=[])


def people_of_party_referrals(actor: Actor) -> QuerySet[Any]:
    """The person ids of the referrals the actor's side is party to (the people registry's
    scope reads them through `people.selectors.register_party_people`)."""
    return Referral.objects.filter(referral_party_q(actor)).values("person_id")


def referral_scope(actor: Actor) -> QuerySet[Referral]:
    """Referrals the actor may see: those of the agreements its side is party to (a sending
    state: only its own organisation's); the monitor sees all."""
    require(actor, Perm.REFERRAL_VIEW, target_type="referral")
    qs = Referral.objects.select_related("agreement", "person", "referring_organisation")
    return qs.filter(referral_party_q(actor))


def referral_list_for(
    *, actor: Actor, status: str = "", agreement: str = "", q: str = ""
) -> QuerySet[Referral]:
    """Referrals newest first, filtered by status, agreement code and a name or reference."""
    qs = referral_scope(actor)
    if status:
        qs = qs.filter(status=status)
    if agreement:
        qs = qs.filter(agreement__code=agreement)
    for word in q.split():
        qs = qs.filter(
            Q(person__given_names__icontains=word)
            | Q(person__first_surname__icontains=word)
            | Q(person__second_surname__icontains=word)
            | Q(external_reference__iexact=word)
            | Q(person__external_reference__iexact=word)
        )
    return qs.order_by("-created_at", "pk")


def referral_list_audited(*, actor: Actor, referrals: Sequence[Referral]) -> None:
    """Record that a monitor saw this page of referrals (SAFEGUARDS C1)."""
    if actor.reads_audited and referrals:
        with transaction.atomic():
            audit_read(
                actor=actor,
                target_type="referral",
                target_ids=[r.pk for r in referrals],
                purpose="referral list",
            )


def referral_get_for(*, actor: Actor, referral_id: uuid.UUID | str) -> Referral:
    """One referral the actor may see, or NotFound (never a leak)."""
    referral = scoped_get(
        referral_scope(actor), target_type="referral", message="No such referral.", pk=referral_id
    )
    if actor.reads_audited:
        with transaction.atomic():
            audit_read(
                actor=actor, target_type="referral", target_ids=[referral.pk], purpose="detail"
            )
    return referral


def referral_history(
    *, referral: Referral, levels: frozenset[str] = frozenset()
) -> list[dict[str, Any]]:
    """The referral's audited changes, oldest first (the audit chain is its history).

    People appear by their full name (the chain keeps the sign-in name it recorded). Personal
    values the chain seals show only for the `levels` the reader's permissions open
    (ikaze.audit.permissions.levels_for).
    """
    events = audit_target_changes(target_type="referral", target_id=str(referral.pk))
    people = user_display_names(ids={e.actor_id for e in events if e.actor_id})
    return [
        {
            "at": e["at_time"],
            "action": e["action"],
            "actor": people.get(e["actor_id"], e["actor_label"]),
            "before": e["before"],
            "after": e["after"],
            "reason": e["reason"],
        }
        for e in events_revealed(events=events, levels=levels)
    ]


def officer_names(*, usernames: Sequence[object]) -> dict[str, str]:
    """Sign-in name → the name a page shows (full name, else the sign-in name) for these."""
    return user_display_names(usernames=usernames)


def person_names(*, ids: Sequence[object]) -> dict[str, str]:
    """Person id (as text) → full name, for the ids among these that name a registered person.

    A7's findings and household facts carry person ids; a page shows names. Other references
    (a member the sending state named by its own reference) are left out and shown as they are.
    """
    return people_names(ids=ids)


def people_referred(*, agreement_id: uuid.UUID, person_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Those of these people who already have a referral under the agreement (intake's check
    before it refers a registered person again)."""
    return set(
        Referral.objects.filter(agreement_id=agreement_id, person_id__in=person_ids).values_list(
            "person_id", flat=True
        )
    )


# --- evaluating again after an upgrade of the rule set -------------------------------------


def _latest_version() -> Subquery:
    return Subquery(
        Evaluation.objects.filter(referral=OuterRef("pk"))
        .order_by("-evaluated_at", "-created_at")
        .values("ruleset_version")[:1]
    )


def referrals_to_rescreen(*, agreement_code: str = "", every: bool = False) -> QuerySet[Referral]:
    """Open (submitted, in review, information asked) and accepted referrals, of one agreement
    or all; unless `every`, only those never evaluated or last evaluated with an older rule set.

    Not scoped to an actor: the rescreen service (which checks its caller) and
    `rescreen_pending_count` read it."""
    qs = Referral.objects.filter(
        status__in=(OPEN_STATUSES - {Referral.Status.DRAFT}) | {Referral.Status.ACCEPTED}
    )
    if agreement_code:
        qs = qs.filter(agreement__code=agreement_code)
    if not every:
        qs = qs.annotate(latest_version=_latest_version()).filter(
            Q(latest_version__isnull=True) | ~Q(latest_version=RULESET_VERSION)
        )
    return qs


def rescreen_pending_count(*, actor: Actor) -> int:
    """How many referrals an older rule set evaluated last (the queue offers to evaluate them)."""
    if not actor.can(Perm.REFERRAL_DECIDE) or actor.org_kind not in (
        OrgKind.RECEIVING_STATE,
        OrgKind.PARTNER,
    ):
        return 0
    return referrals_to_rescreen().filter(referral_party_q(actor)).count()


# --- the vetting file (issue 4) ------------------------------------------------------------

# Who may open the vetting file (pages link to it for them).
WORKING_FILE = frozenset({OrgKind.RECEIVING_STATE, OrgKind.PARTNER, OrgKind.MONITORING_BODY})


def _working_file(actor: Actor) -> None:
    """Only the receiving side and the monitor read the vetting file (never a sending state)."""
    if actor.org_kind not in WORKING_FILE:
        raise NotFound("Not found.")


def _working_scope(actor: Actor, qs: QuerySet[Any], path: str = "referral__") -> QuerySet[Any]:
    """`qs` (rows of the vetting file, their referral at `path`) as far as the actor's side is
    party to their agreements, or nothing for an actor outside the working file (a lookup
    through `scoped_get` then records the probe when the object exists)."""
    if actor.org_kind not in WORKING_FILE:
        return qs.none()
    return qs.filter(referral_party_q(actor, path))


def _facts_scope(actor: Actor) -> QuerySet[LegalEventRecord]:
    """Facts (recorded of a person, not of one referral) of people referred under an agreement
    the actor's side is party to."""
    if actor.org_kind not in WORKING_FILE:
        return LegalEventRecord.objects.none()
    return LegalEventRecord.objects.filter(
        Exists(
            Referral.objects.filter(person_id=OuterRef("person_id")).filter(referral_party_q(actor))
        )
    )


def _audited(actor: Actor, target_type: str, ids: list[Any], purpose: str) -> None:
    if actor.reads_audited and ids:
        with transaction.atomic():
            audit_read(actor=actor, target_type=target_type, target_ids=ids, purpose=purpose)


def _latest_blocked() -> Subquery:
    return Subquery(
        Evaluation.objects.filter(referral=OuterRef("pk"))
        .order_by("-evaluated_at", "-created_at")
        .values("blocked")[:1],
        output_field=BooleanField(),
    )


def referral_queue_for(
    *,
    actor: Actor,
    agreement: str = "",
    nationality: str = "",
    status: str = "",
    has_blocks: str = "",
    deadline: dt.date | None = None,
) -> QuerySet[Referral]:
    """The vetting queue: referrals waiting for (or holding) a decision, oldest first.

    `has_blocks` "yes"/"no" filters on the latest evaluation; `deadline` keeps referrals
    submitted on or before that day or whose acceptance expires by then (SAFEGUARDS A5).
    """
    require(actor, Perm.REFERRAL_VIEW, target_type="referral")
    _working_file(actor)
    qs = referral_scope(actor).annotate(
        latest_blocked=_latest_blocked(),
        open_alert=Exists(Alert.objects.filter(referral=OuterRef("pk"), resolved_at__isnull=True)),
    )
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(
            status__in=[
                Referral.Status.SUBMITTED,
                Referral.Status.UNDER_REVIEW,
                Referral.Status.INFORMATION_REQUESTED,
                Referral.Status.ACCEPTED,
            ]
        )
    if agreement:
        qs = qs.filter(agreement__code=agreement)
    if nationality:
        # The JSON list as text: `contains` on JSON is not available on SQLite.
        qs = qs.filter(person__nationalities__icontains=f'"{nationality.strip().upper()[:2]}"')
    if has_blocks == "yes":
        qs = qs.filter(latest_blocked=True)
    elif has_blocks == "no":
        qs = qs.filter(Q(latest_blocked=False) | Q(latest_blocked__isnull=True))
    if deadline is not None:
        qs = qs.filter(
            Q(submitted_at__date__lte=deadline)
            | Q(
                decisions__outcome=Decision.Outcome.ACCEPTED,
                decisions__expires_at__date__lte=deadline,
            )
        ).distinct()
    return qs.order_by("submitted_at", "pk")


def referral_vetting_get_for(*, actor: Actor, referral_id: uuid.UUID | str) -> Referral:
    """A referral of the vetting file (receiving side and monitor only)."""
    _working_file(actor)
    if not actor.can(Perm.REFERRAL_VIEW):
        # A caseworker may record facts of a person's case after arrival, but the pre-transfer
        # vetting file is not theirs to know about: not found, never "forbidden".
        raise NotFound("Not found.")
    return referral_get_for(actor=actor, referral_id=referral_id)


def legal_facts_for(*, actor: Actor, referral: Referral) -> list[LegalEventRecord]:
    """The person's legal timeline, oldest first (sensitive: reads by the monitor are logged)."""
    _working_file(actor)
    facts = list(
        LegalEventRecord.objects.filter(person_id=referral.person_id)
        .select_related("supersedes", "recorded_by")
        .order_by("effective_at", "recorded_at", "id")
    )
    _audited(actor, "legal_event", [f.pk for f in facts], "legal timeline")
    return facts


def latest_evaluation_for(*, actor: Actor, referral: Referral) -> Evaluation | None:
    """The latest evaluation with its findings in rule order (A1 … A13)."""
    _working_file(actor)
    ev = (
        Evaluation.objects.filter(referral=referral)
        .select_related("evaluated_by")
        .order_by("-evaluated_at", "-created_at")
        .first()
    )
    if ev is not None:
        findings = sorted(ev.finding_list(), key=lambda f: (int(f.rule_id[1:]), f.outcome))
        ev.ordered_findings = findings  # type: ignore[attr-defined]
    return ev


def decisions_for(*, actor: Actor, referral: Referral) -> list[Decision]:
    """Decisions on a referral, newest first: the sending liaison sees those on its own."""
    if actor.org_kind == OrgKind.SENDING_STATE:
        if referral.referring_organisation_id != actor.organisation_id:
            raise out_of_scope(
                Referral, target_type="referral", message="No such referral.", pk=referral.pk
            )
    else:
        _working_file(actor)
    return list(
        Decision.objects.filter(referral=referral).select_related("officer").order_by("-decided_at")
    )


def overrides_for(*, actor: Actor, referral: Referral) -> list[Override]:
    _working_file(actor)
    return list(
        Override.objects.filter(referral=referral)
        .select_related("requested_by", "seconded_by")
        .order_by("-requested_at")
    )


def override_list_for(*, actor: Actor, status: str = "requested") -> QuerySet[Override]:
    """Override requests (by default those waiting for a second senior officer).

    `status` "closed" means every request closed unanswered (superseded, withdrawn, expired).
    """
    _working_file(actor)
    qs = _working_scope(
        actor,
        Override.objects.select_related(
            "referral", "referral__person", "referral__agreement", "requested_by", "seconded_by"
        ),
    )
    if status == "closed":
        qs = qs.filter(status__in=OVERRIDE_CLOSED)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-requested_at", "pk")


def override_get_for(*, actor: Actor, override_id: uuid.UUID | str) -> Override:
    scope = _working_scope(actor, Override.objects.select_related("referral"))
    return scoped_get(scope, target_type="override", message="No such override.", pk=override_id)


def notices_for(*, actor: Actor, referral: Referral) -> list[Notice]:
    _working_file(actor)
    return list(Notice.objects.filter(referral=referral).defer("pdf").order_by("-issued_at"))


def notice_get_for(*, actor: Actor, notice_id: uuid.UUID | str) -> Notice:
    """One notice (with its PDF) of the vetting file."""
    scope = _working_scope(actor, Notice.objects.select_related("referral"))
    notice = scoped_get(scope, target_type="notice", message="No such notice.", pk=notice_id)
    _audited(actor, "notice", [notice.pk], "notice")
    return notice


def alert_list_for(
    *, actor: Actor, open_only: bool = True, resolved_only: bool = False, agreement: str = ""
) -> QuerySet[Alert]:
    """Alerts on accepted people, newest first: open ones by default; `agreement` by code."""
    _working_file(actor)
    qs = _working_scope(
        actor,
        Alert.objects.select_related(
            "referral", "referral__person", "referral__agreement", "resolved_by"
        ),
    )
    if open_only:
        qs = qs.filter(resolved_at__isnull=True)
    elif resolved_only:
        qs = qs.filter(resolved_at__isnull=False)
    if agreement:
        qs = qs.filter(referral__agreement__code=agreement)
    return qs.order_by("-raised_at", "pk")


def alert_get_for(*, actor: Actor, alert_id: uuid.UUID | str) -> Alert:
    scope = _working_scope(actor, Alert.objects.all())
    return scoped_get(scope, target_type="alert", message="No such alert.", pk=alert_id)


def monitor_notice_list_for(*, actor: Actor) -> QuerySet[MonitorNotice]:
    """What the monitor was told (overrides approved, alerts raised), newest first."""
    _working_file(actor)
    return _working_scope(actor, MonitorNotice.objects.select_related("referral")).order_by(
        "-created_at", "pk"
    )


def fact_removals_for(*, actor: Actor, referral: Referral) -> list[FactRemoval]:
    """Requests to take the person's protective facts away (SAFEGUARDS F1), newest first
    (they name protection claims: reads by the monitor are logged)."""
    _working_file(actor)
    removals = list(
        FactRemoval.objects.filter(target__person_id=referral.person_id)
        .select_related("target", "requested_by", "seconded_by", "event")
        .order_by("-requested_at", "pk")
    )
    _audited(actor, "fact_removal", [r.pk for r in removals], "fact removals")
    return removals


def fact_removal_get_for(*, actor: Actor, fact_removal_id: uuid.UUID | str) -> FactRemoval:
    scope = _working_scope(actor, FactRemoval.objects.select_related("referral", "target"))
    return scoped_get(
        scope,
        target_type="fact_removal",
        message="No such removal request.",
        pk=fact_removal_id,
    )


def fact_get_for(*, actor: Actor, fact_id: uuid.UUID | str) -> LegalEventRecord:
    scope = _facts_scope(actor)
    return scoped_get(scope, target_type="legal_fact", message="No such fact.", pk=fact_id)


def override_candidates_for(*, actor: Actor, referral: Referral) -> list[str]:
    """The rules a senior officer may ask to override now: those blocking this person at the
    decision (as `override_request` evaluates them), overridable, with no live request."""
    from ikaze.vetting.models import OVERRIDE_LIVE_STATUSES
    from ikaze.vetting.rules import Outcome, RuleKind, Stage
    from ikaze.vetting.screening import screen  # the screening reads people through selectors

    _working_file(actor)
    ((_screened, ev, _row),) = screen(
        Referral.objects.filter(pk=referral.pk), stage=Stage.DECISION, store=False
    )
    live = set(
        Override.objects.filter(referral=referral, status__in=OVERRIDE_LIVE_STATUSES).values_list(
            "rule_id", flat=True
        )
    )
    return [
        f.rule_id
        for f in ev.findings
        if f.outcome is Outcome.BLOCK
        and f.kind is RuleKind.BLOCK
        and f.overridable
        and f.rule_id not in live
    ]
