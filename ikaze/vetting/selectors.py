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
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Count, Exists, Max, OuterRef, Q, QuerySet, Subquery

from ikaze.accounts.access import OrgKind, Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import out_of_scope, require, scoped_get
from ikaze.accounts.selectors import user_display_names
from ikaze.agreements.parties import acts_from_command_line
from ikaze.audit.selectors import audit_target_changes, events_revealed
from ikaze.audit.services import audit_read
from ikaze.core.aggregates import Scope, detail_fields, duration_bucket, month_of, narrowed
from ikaze.core.errors import NotFound
from ikaze.people.selectors import person_names as people_names
from ikaze.vetting.models import (
    DECIDABLE_STATUSES,
    OPEN_STATUSES,
    OVERRIDE_CLOSED,
    Alert,
    Decision,
    Evaluation,
    FactRemoval,
    Finding,
    LegalEventRecord,
    MonitorNotice,
    Notice,
    Override,
    OverrideAsk,
    Referral,
    ReferralMessage,
    ReferralStatus,
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
    *,
    actor: Actor,
    status: str = "",
    agreement: str = "",
    q: str = "",
    batch: uuid.UUID | str = "",
) -> QuerySet[Referral]:
    """Referrals newest first, filtered by status, agreement code, a name or reference and the
    manifest that created them."""
    qs = referral_scope(actor)
    if batch:
        qs = qs.filter(intake_batch_id=batch)
    if status:
        qs = qs.filter(status=status)
    if agreement:
        qs = qs.filter(agreement__code=agreement)
    for word in q.split():
        qs = qs.filter(_name_or_reference_q(word))
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


def referral_references_taken(
    *, agreement_id: uuid.UUID, organisation_id: uuid.UUID, references: Sequence[str]
) -> dict[str, str]:
    """Those of these referral references the organisation already used under the agreement,
    each with its person's external reference (intake's uniqueness check before writing)."""
    return dict(
        Referral.objects.filter(
            agreement_id=agreement_id,
            referring_organisation_id=organisation_id,
            external_reference__in=references,
        ).values_list("external_reference", "person__external_reference")
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


# The queue's default view: referrals waiting for a decision. Accepted people show only when
# asked for (their open alerts are counted apart on the landing page).
QUEUE_WAITING = (
    Referral.Status.SUBMITTED,
    Referral.Status.UNDER_REVIEW,
    Referral.Status.INFORMATION_REQUESTED,
)


def _name_or_reference_q(word: str) -> Q:
    return (
        Q(person__given_names__icontains=word)
        | Q(person__first_surname__icontains=word)
        | Q(person__second_surname__icontains=word)
        | Q(external_reference__iexact=word)
        | Q(person__external_reference__iexact=word)
    )


def _acceptance_expiry() -> Subquery:
    return Subquery(
        Decision.objects.filter(referral=OuterRef("pk"), outcome=Decision.Outcome.ACCEPTED)
        .order_by("-decided_at")
        .values("expires_at")[:1]
    )


def referral_queue_for(
    *,
    actor: Actor,
    agreement: str = "",
    nationality: str = "",
    status: str = "",
    has_blocks: str = "",
    deadline: dt.date | None = None,
    q: str = "",
) -> QuerySet[Referral]:
    """The vetting queue: referrals waiting for a decision (with `status`, those of that status,
    accepted included), oldest first. The landing page counts this same queryset.

    `has_blocks` "yes"/"no" filters on the latest evaluation; `deadline` keeps referrals
    submitted on or before that day or whose acceptance expires by then (SAFEGUARDS A5); `q`
    matches names and references word by word. Each row carries `latest_blocked`, `open_alert`
    and `due_at` (the acceptance's expiry, for an accepted person).
    """
    require(actor, Perm.REFERRAL_VIEW, target_type="referral")
    _working_file(actor)
    qs = referral_scope(actor).annotate(
        latest_blocked=_latest_blocked(),
        open_alert=Exists(Alert.objects.filter(referral=OuterRef("pk"), resolved_at__isnull=True)),
        due_at=_acceptance_expiry(),
    )
    qs = qs.filter(status=status) if status else qs.filter(status__in=QUEUE_WAITING)
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
    for word in q.split():
        qs = qs.filter(_name_or_reference_q(word))
    return qs.order_by("submitted_at", "pk")


def blocking_rules_for(*, referrals: Sequence[Referral]) -> dict[uuid.UUID, list[Finding]]:
    """Referral id → the blocks of its latest evaluation, in rule order (one query for a page
    of the queue)."""
    latest = Evaluation.objects.filter(referral=OuterRef("evaluation__referral_id")).order_by(
        "-evaluated_at", "-created_at"
    )
    rows = (
        Finding.objects.filter(
            evaluation__referral_id__in=[r.pk for r in referrals],
            outcome="block",
            evaluation_id=Subquery(latest.values("pk")[:1]),
        )
        .select_related("evaluation")
        .only("rule_id", "kind", "overridable", "evaluation__referral_id")
    )
    out: dict[uuid.UUID, list[Finding]] = {}
    for f in rows:
        out.setdefault(f.evaluation.referral_id, []).append(f)
    for findings in out.values():
        findings.sort(key=lambda f: int(f.rule_id[1:]))
    return out


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


def override_asks_for(*, actor: Actor, referral: Referral) -> list[OverrideAsk]:
    """The vetting officers' asks for an override on this referral, newest first."""
    _working_file(actor)
    return list(
        OverrideAsk.objects.filter(referral=referral)
        .select_related("asked_by", "answered_by")
        .order_by("-asked_at", "pk")
    )


def override_ask_list_for(*, actor: Actor) -> QuerySet[OverrideAsk]:
    """Open asks for an override, of referrals still waiting for their decision."""
    _working_file(actor)
    return (
        _working_scope(
            actor,
            OverrideAsk.objects.select_related(
                "referral", "referral__person", "referral__agreement", "asked_by"
            ),
        )
        .filter(status=OverrideAsk.Status.OPEN, referral__status__in=DECIDABLE_STATUSES)
        .order_by("asked_at", "pk")
    )


def override_ask_get_for(*, actor: Actor, ask_id: uuid.UUID | str) -> OverrideAsk:
    scope = _working_scope(actor, OverrideAsk.objects.select_related("referral"))
    return scoped_get(scope, target_type="override_ask", message="No such ask.", pk=ask_id)


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
    return _working_scope(
        actor, MonitorNotice.objects.select_related("referral", "referral__person", "override")
    ).order_by("-created_at", "pk")


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


# --- the audit log names referrals (issue 11 item 10) ---------------------------------------


def referral_audit_names(actor: Actor, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Referral id → (the person's name, the referral's page) for those the actor may open."""
    from django.urls import reverse

    from ikaze.audit.targets import valid_uuids

    if not actor.can(Perm.REFERRAL_VIEW):
        return {}
    rows = referral_scope(actor).filter(pk__in=valid_uuids(ids))
    return {
        str(r.pk): (r.person.full_name, reverse("vetting:referral_detail", args=[r.pk]))
        for r in rows
    }


def referrals_named(actor: Actor, name: str) -> list[str]:
    """The ids (as text) of the referrals the actor may open whose person's name or whose
    reference matches `name` (at most 500)."""
    if not actor.can(Perm.REFERRAL_VIEW):
        return []
    qs = referral_list_for(actor=actor, q=name)
    return [str(pk) for pk in qs.values_list("pk", flat=True)[:500]]


def person_referrals(actor: Actor, person: Any) -> list[dict[str, Any]]:
    """A person's referrals the actor may see, newest first, for the person page (people reads
    them through `people.selectors.person_referrals_for`)."""
    from django.urls import reverse

    if not actor.can(Perm.REFERRAL_VIEW):
        return []
    rows = list(referral_scope(actor).filter(person_id=person.pk).order_by("-created_at", "pk"))
    _audited(actor, "referral", [r.pk for r in rows], "person's referrals")
    return [
        {
            "id": r.pk,
            "agreement": r.agreement.code,
            "status": r.get_status_display(),
            "reference": r.external_reference,
            "since": r.status_changed_at,
            "url": reverse("vetting:referral_detail", args=[r.pk]),
        }
        for r in rows
    ]


def referral_thread_for(*, actor: Actor, referral: Referral) -> list[ReferralMessage]:
    """The referral's information thread, oldest first: both parties and the monitor read it
    (the referral was read through `referral_get_for`, which scoped and audited it)."""
    require(actor, Perm.REFERRAL_VIEW, target_type="referral")
    return list(
        ReferralMessage.objects.filter(referral=referral).select_related("author", "organisation")
    )


@dataclass(frozen=True)
class AcceptanceState:
    """What a manifest needs to know of a referral (movements: who may take a seat)."""

    referral_id: uuid.UUID
    agreement_id: uuid.UUID
    person_id: uuid.UUID
    status: str
    expires_at: dt.datetime | None
    open_alert: bool


def acceptance_states(*, referral_ids: Sequence[Any]) -> dict[uuid.UUID, AcceptanceState]:
    """Referral id → its status, the expiry of the acceptance it holds and whether an alert on
    it is open (SAFEGUARDS A5, F5), for the referrals given."""
    expiry = (
        Decision.objects.filter(
            referral_id=OuterRef("pk"),
            outcome=Decision.Outcome.ACCEPTED,
            place_released_at__isnull=True,
        )
        .order_by("-decided_at")
        .values("expires_at")[:1]
    )
    alert = Alert.objects.filter(referral_id=OuterRef("pk"), resolved_at__isnull=True)
    rows = (
        Referral.objects.filter(pk__in=list(referral_ids))
        .annotate(_expires=Subquery(expiry), _alert=Exists(alert))
        .values_list("pk", "agreement_id", "person_id", "status", "_expires", "_alert")
    )
    return {
        pk: AcceptanceState(pk, agreement_id, person_id, status, expires, bool(alert_open))
        for pk, agreement_id, person_id, status, expires, alert_open in rows
    }


def accepted_referrals_of(*, agreement_id: Any, person_ids: Sequence[Any]) -> dict[Any, Any]:
    """Person id → their accepted referral's id under the agreement (a household's members)."""
    return dict(
        Referral.objects.filter(
            agreement_id=agreement_id,
            person_id__in=list(person_ids),
            status=Referral.Status.ACCEPTED,
        ).values_list("person_id", "pk")
    )


def accepted_referrals_under(*, agreement_id: Any) -> list[tuple[Any, Any]]:
    """(referral id, person id) of every accepted referral under the agreement, oldest first
    (a movement's page offers them for its manifest)."""
    return list(
        Referral.objects.filter(agreement_id=agreement_id, status=Referral.Status.ACCEPTED)
        .order_by("created_at", "pk")
        .values_list("pk", "person_id")
    )


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


def split_determinations(*, person_ids: Sequence[Any]) -> dict[str, list[frozenset[str]]]:
    """For each person (by id text), the sets of household members a best-interests
    determination with consent, in force now, lets them travel without (SAFEGUARDS A7):
    the movement's manifest reads it as the screening's rule A7 does."""
    from collections import defaultdict

    from ikaze.core import clock
    from ikaze.vetting.legal_events import PAYLOAD_SCHEMAS, EventKind, timeline_of_rows

    rows: dict[str, list[Any]] = defaultdict(list)
    for pid, pk, kind, payload, eff, rec, sup in LegalEventRecord.objects.filter(
        person_id__in=list(person_ids)
    ).values_list(
        "person_id", "id", "kind", "payload", "effective_at", "recorded_at", "supersedes_id"
    ):
        k = EventKind(kind)
        rows[str(pid)].append(
            (
                eff,
                rec,
                str(pk),
                k,
                PAYLOAD_SCHEMAS[k].model_validate(payload),
                None if sup is None else str(sup),
            )
        )
    now = clock.now()
    out: dict[str, list[frozenset[str]]] = {}
    for key, events in rows.items():
        state = timeline_of_rows(events, now)
        out[key] = [
            frozenset(str(m) for m in b.payload.separated_members)
            for b in state.best_interests
            if b.payload.outcome == "split_in_best_interests" and b.payload.consent_recorded
        ]
    return out


# --- counts for the reports app (issue 16: ikaze/reports/figures.py draws every chart from
# these; each returns plain dicts, grouped in the database) -------------------------------------


def referral_counts(*, scope: Scope, detail: bool = False) -> list[dict[str, Any]]:
    """Count submitted referrals by month of submission, agreement and current status (with
    `detail`, also by agreement id and first nationality: the pre-aggregated counts)."""
    qs = narrowed(
        Referral.objects.filter(submitted_at__isnull=False),
        scope,
        when="submitted_at",
        agreement="agreement_id",
        person="person",
    )
    return list(
        qs.annotate(month=month_of("submitted_at"))
        .values(
            "month", "agreement__code", "status", *detail_fields(detail, "agreement_id", "person")
        )
        .annotate(n=Count("id"))
        .order_by("month", "agreement__code", "status")
    )


def decision_counts(*, scope: Scope, detail: bool = False) -> list[dict[str, Any]]:
    """Count decisions by month decided, agreement, outcome and refusal reasons (as recorded)."""
    qs = narrowed(
        Decision.objects.all(),
        scope,
        when="decided_at",
        agreement="referral__agreement_id",
        person="referral__person",
    )
    return list(
        qs.annotate(month=month_of("decided_at"))
        .values(
            "month",
            "referral__agreement__code",
            "outcome",
            "reason_codes",
            *detail_fields(detail, "referral__agreement_id", "referral__person"),
        )
        .annotate(n=Count("id"))
        .order_by("month", "referral__agreement__code", "outcome")
    )


def block_counts(*, scope: Scope, detail: bool = False) -> list[dict[str, Any]]:
    """Count the referrals a safeguard rule blocked, by month of the evaluation and rule."""
    qs = narrowed(
        Finding.objects.filter(outcome="block"),
        scope,
        when="evaluation__evaluated_at",
        agreement="evaluation__referral__agreement_id",
        person="evaluation__referral__person",
    )
    return list(
        qs.annotate(month=month_of("evaluation__evaluated_at"))
        .values(
            "month",
            "rule_id",
            *detail_fields(
                detail, "evaluation__referral__agreement_id", "evaluation__referral__person"
            ),
        )
        .annotate(n=Count("evaluation__referral_id", distinct=True))
        .order_by("month", "rule_id")
    )


def decision_time_buckets(*, scope: Scope, detail: bool = False) -> list[dict[str, Any]]:
    """Count decisions by how long after the referral's submission they came (day buckets)."""
    qs = narrowed(
        Decision.objects.filter(referral__submitted_at__isnull=False),
        scope,
        when="decided_at",
        agreement="referral__agreement_id",
        person="referral__person",
    )
    return list(
        qs.annotate(
            bucket=duration_bucket("referral__submitted_at", "decided_at"),
            month=month_of("decided_at"),
        )
        .values(
            "bucket",
            *(["month"] if detail else []),
            *detail_fields(detail, "referral__agreement_id", "referral__person"),
        )
        .annotate(n=Count("id"))
        .order_by("bucket")
    )


def late_notice_counts(*, scope: Scope, detail: bool = False) -> list[dict[str, Any]]:
    """Count notices served late (SAFEGUARDS A9/F3) by month issued, agreement and kind."""
    qs = narrowed(
        Notice.objects.filter(service_late=True),
        scope,
        when="issued_at",
        agreement="referral__agreement_id",
        person="referral__person",
    )
    return list(
        qs.annotate(month=month_of("issued_at"))
        .values(
            "month",
            "referral__agreement__code",
            "kind",
            *detail_fields(detail, "referral__agreement_id", "referral__person"),
        )
        .annotate(n=Count("id"))
        .order_by("month", "referral__agreement__code", "kind")
    )


def override_counts(*, scope: Scope) -> list[dict[str, Any]]:
    """Count override requests by month asked, rule and where they stand."""
    qs = narrowed(
        Override.objects.all(),
        scope,
        when="requested_at",
        agreement="referral__agreement_id",
        person="referral__person",
    )
    return list(
        qs.annotate(month=month_of("requested_at"))
        .values("month", "rule_id", "status")
        .annotate(n=Count("id"))
        .order_by("month", "rule_id", "status")
    )


def report_labels() -> dict[str, dict[str, str]]:
    """Names, in the active language, of the codes the counts above group by."""
    from ikaze.vetting.labels import NOTICE_KINDS, REFUSAL_REASONS
    from ikaze.vetting.rules import RULES

    return {
        "status": {k: str(v) for k, v in Referral.Status.choices},
        "outcome": {k: str(v) for k, v in Decision.Outcome.choices},
        "reason": {str(k): str(v) for k, v in REFUSAL_REASONS.items()},
        "notice_kind": {str(k): str(v) for k, v in NOTICE_KINDS.items()},
        "override_status": {k: str(v) for k, v in Override.Status.choices},
        "rule": {k: f"{k} — {r.title}" for k, r in RULES.items()},
    }


# --- public statistics (issue 16 item 2: ikaze/reports/public.py) -----------------------------


def referral_status_by_nationality(*, agreement_id: uuid.UUID) -> list[tuple[str, str, int]]:
    """(status, first nationality or "", count) of the agreement's referrals past draft."""
    rows = (
        Referral.objects.filter(agreement_id=agreement_id)
        .exclude(status=ReferralStatus.DRAFT)
        .values_list("status", "person__nationalities")
        .annotate(n=Count("id"))
        .order_by()
    )
    # Grouped by the whole list (KT cannot follow a relation); the first one is the one shown.
    return [(str(s), _first_nationality(nat), int(n)) for s, nat, n in rows]


def _first_nationality(nationalities: Any) -> str:
    if isinstance(nationalities, list) and nationalities and isinstance(nationalities[0], str):
        return nationalities[0].upper()
    return ""


def referral_change_marks(*, agreement_id: uuid.UUID) -> dict[str, Any]:
    """Counts and latest times that change whenever a referral or a decision of the
    agreement does (the public statistics' cache fingerprint)."""
    marks = Referral.objects.filter(agreement_id=agreement_id).aggregate(
        r_n=Count("id"), r_at=Max("status_changed_at"), r_new=Max("created_at")
    )
    marks |= Decision.objects.filter(referral__agreement_id=agreement_id).aggregate(
        d_n=Count("id"), d_at=Max("created_at")
    )
    return marks
