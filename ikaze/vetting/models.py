"""Referrals: a sending state asks the receiving state to take one person under an agreement.

The vetting issue adds findings, decisions and overrides next to `Referral`; a decision is a
record and the referral's status follows from it (DESIGN.md).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ikaze.core.models import BaseModel
from ikaze.vetting.notices import NoticeKind
from ikaze.vetting.rules.context import Stage


def _shown_name(user: Any, stored: str) -> str:
    """An officer as pages and notices name them: the account's full name, else the sign-in name.

    The `*_name` / `*_label` columns keep the sign-in name the audit chain recorded; this only
    changes what a reader sees.
    """
    return str(user) if user is not None else stored


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    INFORMATION_REQUESTED = "information_requested", _("Information requested")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")
    # The decided states (issue 4): set only by vetting/services/decisions.py, from a Decision.
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class Referral(BaseModel):
    Status = ReferralStatus

    class Source(models.TextChoices):
        PAGE = "page", _("Form")
        API = "api", _("API")
        MANIFEST = "manifest", _("Manifest")

    agreement = models.ForeignKey(
        "agreements.Agreement", on_delete=models.PROTECT, related_name="referrals"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="referrals")
    referring_organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="referrals"
    )
    # The sending state's case reference for this referral.
    external_reference = models.CharField(max_length=100, blank=True)
    # Changed only by the services in vetting/services/, along REFERRAL_TRANSITIONS.
    status = models.CharField(max_length=32, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PAGE)
    intake_batch_id = models.UUIDField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "referring_organisation", "external_reference"],
                condition=~models.Q(external_reference=""),
                name="referral_external_reference_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReferralStatus.values),
                name="referral_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["referring_organisation", "status"], name="referral_org_status"),
            models.Index(fields=["agreement", "status"], name="referral_agreement_status"),
        ]

    def __str__(self) -> str:
        return f"{self.external_reference or self.pk} ({self.status})"


S = Referral.Status
# Every allowed status change: (from, to). Anything else raises IllegalTransition.
# The vetting issue adds the decided states (accepted / refused) and their edges.
REFERRAL_TRANSITIONS: frozenset[tuple[str, str]] = frozenset(
    {
        (S.DRAFT, S.SUBMITTED),
        (S.DRAFT, S.WITHDRAWN),
        (S.SUBMITTED, S.UNDER_REVIEW),
        (S.SUBMITTED, S.WITHDRAWN),
        (S.SUBMITTED, S.EXPIRED),
        (S.UNDER_REVIEW, S.INFORMATION_REQUESTED),
        (S.UNDER_REVIEW, S.WITHDRAWN),
        (S.UNDER_REVIEW, S.EXPIRED),
        (S.INFORMATION_REQUESTED, S.SUBMITTED),
        (S.INFORMATION_REQUESTED, S.WITHDRAWN),
        (S.INFORMATION_REQUESTED, S.EXPIRED),
        # Decisions (vetting/services/decisions.py): each person is accepted or refused explicitly.
        (S.SUBMITTED, S.ACCEPTED),
        (S.SUBMITTED, S.REFUSED),
        (S.UNDER_REVIEW, S.ACCEPTED),
        (S.UNDER_REVIEW, S.REFUSED),
        (S.INFORMATION_REQUESTED, S.REFUSED),
        # SAFEGUARDS A5: an acceptance expires; the sending state may still withdraw.
        (S.ACCEPTED, S.EXPIRED),
        (S.ACCEPTED, S.WITHDRAWN),
    }
)
OPEN_STATUSES = frozenset({S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED})
# People whose referral is decided "accepted" stay screened (a later fact re-evaluates them).
SCREENED_STATUSES = OPEN_STATUSES | {S.ACCEPTED}
# Waiting for a receiving-state officer's decision (accept or refuse).
DECIDABLE_STATUSES = frozenset({S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED})


# --- vetting (issue 4): legal facts, evaluations, decisions, overrides, notices, alerts ------
#
# Every row below is written only by ikaze/vetting/services/ (or screening.py for bulk
# evaluations) and never updated, except the few lifecycle fields named on each model.


class LegalEventRecord(BaseModel):
    """One fact of a person's legal timeline (DESIGN.md; ikaze.vetting.legal_events).

    Append-only: a correction is a new row that `supersedes` the old one; no service edits or
    deletes a row. The payload was validated with `PAYLOAD_SCHEMAS[kind]` when recorded.
    """

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="legal_events"
    )
    referral = models.ForeignKey(
        Referral, on_delete=models.PROTECT, null=True, blank=True, related_name="legal_events"
    )
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    effective_at = models.DateField()
    recorded_at = models.DateTimeField()
    source_document = models.CharField(max_length=200)
    # The uploaded document the source names, when there is one (issue 11 item 3).
    source_file = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by_label = models.CharField(max_length=150)
    supersedes = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    class Meta:
        ordering = ["effective_at", "recorded_at", "id"]
        indexes = [
            models.Index(fields=["person", "effective_at"], name="legalevent_person_day"),
            models.Index(fields=["kind"], name="legalevent_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source_document=""), name="legalevent_has_source"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.person_id} on {self.effective_at}"

    @property
    def recorded_by_display(self) -> str:
        return _shown_name(
            self.recorded_by if self.recorded_by_id else None, self.recorded_by_label
        )


class Evaluation(BaseModel):
    """One run of the safeguard rules on one referral (SAFEGUARDS preamble).

    Every finding, passes included, is kept in `findings_data` (compact JSON: one list
    `[rule_id, outcome, kind, message key, facts_used, overridable]` per finding; see
    `ikaze.vetting.rules.messages`); blocks and warnings also get a `Finding` row each, which
    the queue filters on and an override points to. A screening of 35,000 referrals then
    writes 35,000 rows and a few thousand findings instead of 450,000 rows.
    """

    Stage = Stage  # the one definition, in the rules (issue 10 item 4)

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="evaluations")
    stage = models.CharField(max_length=16, choices=Stage.choices)
    ruleset_version = models.CharField(max_length=20)
    inputs_hash = models.CharField(max_length=64)
    evaluated_at = models.DateTimeField()
    blocked = models.BooleanField()
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    findings_data = models.JSONField(default=list)

    def finding_list(self) -> list[Any]:
        """Every finding of this evaluation (passes too), as the rules returned them."""
        from ikaze.vetting.rules.findings import Finding as RuleFinding
        from ikaze.vetting.rules.findings import Outcome, RuleKind
        from ikaze.vetting.rules.messages import decode

        return [
            RuleFinding(rule_id, Outcome(outcome), RuleKind(kind), decode(msg), facts, over)
            for rule_id, outcome, kind, msg, facts, over in self.findings_data
        ]

    class Meta:
        ordering = ["-evaluated_at"]
        indexes = [
            models.Index(fields=["referral", "-evaluated_at"], name="evaluation_referral_latest")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stage__in=Stage.values),
                name="evaluation_stage_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id} at {self.stage} ({'blocked' if self.blocked else 'clear'})"


class Finding(BaseModel):
    """A block or a warning of one evaluation, as a row (passes are only in findings_data)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="findings")
    rule_id = models.CharField(max_length=8)
    outcome = models.CharField(max_length=8)  # pass / block / warn
    kind = models.CharField(max_length=10)  # absolute / block / warn
    message = models.TextField()  # English template; shown through render_message()
    facts_used = models.JSONField(default=dict)
    overridable = models.BooleanField(default=False)

    class Meta:
        ordering = ["evaluation", "rule_id"]
        constraints = [
            # SAFEGUARDS preamble: only a block of a non-absolute rule can ever be overridden.
            models.CheckConstraint(
                condition=models.Q(overridable=False)
                | (models.Q(kind="block") & models.Q(outcome="block")),
                name="finding_only_blocks_overridable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.outcome}"

    def render_message(self) -> str:
        from ikaze.vetting.rules.findings import Finding as RuleFinding
        from ikaze.vetting.rules.findings import Outcome, RuleKind

        return RuleFinding(
            self.rule_id,
            Outcome(self.outcome),
            RuleKind(self.kind),
            self.message,
            self.facts_used,
            self.overridable,
        ).render_message()


class DecisionOutcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class Decision(BaseModel):
    """A receiving-state officer's decision on one person (SAFEGUARDS A5): a record."""

    Outcome = DecisionOutcome

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="decisions")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    reason_codes = models.JSONField(default=list, blank=True)  # RefusalReason values
    reason = models.TextField()
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    officer_name = models.CharField(max_length=150)
    decided_at = models.DateTimeField()
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    # SAFEGUARDS A5: an acceptance expires after the agreement's acceptance_valid_days.
    expires_at = models.DateTimeField(null=True, blank=True)
    # SAFEGUARDS A6: the cap period whose place this acceptance holds (None if no periods).
    tranche = models.ForeignKey(
        "agreements.Tranche", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    place_taken = models.BooleanField(default=False)
    # SAFEGUARDS A6: when the place went back under the cap (the acceptance withdrawn or
    # expired). Set once, with the decision row locked: a place is never released twice.
    place_released_at = models.DateTimeField(null=True, blank=True)
    # SAFEGUARDS A5: when the acceptance was used (the person boarded a movement). A used
    # acceptance no longer expires: its place is consumed at arrival (ADR 0021).
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=DecisionOutcome.values),
                name="decision_outcome_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="refused")
                | (models.Q(expires_at__isnull=False) & models.Q(place_taken=True)),
                name="decision_acceptance_expires_and_holds_place",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="decision_has_reason"),
            models.CheckConstraint(
                condition=models.Q(place_released_at__isnull=True) | models.Q(place_taken=True),
                name="decision_released_place_was_taken",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.outcome}"

    @property
    def officer_display(self) -> str:
        return _shown_name(self.officer, self.officer_name)

    @property
    def reason_labels(self) -> list[str]:
        """The refusal reason codes in the reader's language."""
        from ikaze.vetting.labels import reason_labels

        return reason_labels(list(self.reason_codes or ()))

    @property
    def shown_reason(self) -> str:
        """The officer's own words; empty when the reason stored is only the codes, joined."""
        codes = set(self.reason_codes or ())
        only_codes = codes and {part.strip() for part in self.reason.split(",")} == codes
        return "" if only_codes else self.reason


class OverrideStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for a second senior officer")
    APPROVED = "approved", _("Approved by two senior officers")
    DECLINED = "declined", _("Declined")
    # Closed unanswered when the referral left the decidable states (services/_common.py).
    SUPERSEDED = "superseded", _("Closed: the person was decided without it")
    WITHDRAWN = "withdrawn", _("Closed: the referral was withdrawn")
    EXPIRED = "expired", _("Closed: the referral expired")


# Lists, not tuples: the constraints compare equal to the ones the migrations wrote.
# A request still in play (one per rule and referral) and one closed unanswered.
OVERRIDE_LIVE_STATUSES = [OverrideStatus.REQUESTED, OverrideStatus.APPROVED]
OVERRIDE_CLOSED_STATUSES = [
    OverrideStatus.SUPERSEDED,
    OverrideStatus.WITHDRAWN,
    OverrideStatus.EXPIRED,
]


class Override(BaseModel):
    """Four eyes on a non-absolute block (SAFEGUARDS preamble): two different senior officers."""

    Status = OverrideStatus

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="overrides")
    rule_id = models.CharField(max_length=8)
    # The rule's kind as the finding recorded it; only "block" can be overridden.
    rule_kind = models.CharField(max_length=10)
    finding = models.ForeignKey(Finding, on_delete=models.PROTECT, related_name="overrides")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150)
    request_justification = models.TextField()
    requested_at = models.DateTimeField()
    seconded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seconded_by_name = models.CharField(max_length=150, blank=True)
    second_justification = models.TextField(blank=True)
    seconded_at = models.DateTimeField(null=True, blank=True)
    # A request closed unanswered: when, and the reason given for the referral's change.
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rule_kind="block"), name="override_only_block_rules"
            ),
            models.CheckConstraint(
                condition=models.Q(seconded_by__isnull=True)
                | ~models.Q(seconded_by=models.F("requested_by")),
                name="override_four_eyes",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | (models.Q(seconded_by__isnull=False) & ~models.Q(second_justification="")),
                name="override_approved_is_seconded",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OverrideStatus.values),
                name="override_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=OVERRIDE_CLOSED_STATUSES)
                | models.Q(closed_at__isnull=False),
                name="override_closed_has_time",
            ),
            models.UniqueConstraint(
                fields=["referral", "rule_id"],
                condition=models.Q(status__in=OVERRIDE_LIVE_STATUSES),
                name="override_one_live_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"override {self.rule_id} on {self.referral_id} ({self.status})"

    @property
    def closed(self) -> bool:
        return self.status in OVERRIDE_CLOSED

    @property
    def requested_by_display(self) -> str:
        return _shown_name(self.requested_by, self.requested_by_name)

    @property
    def seconded_by_display(self) -> str:
        return _shown_name(self.seconded_by if self.seconded_by_id else None, self.seconded_by_name)


OVERRIDE_CLOSED = frozenset(
    {Override.Status.SUPERSEDED, Override.Status.WITHDRAWN, Override.Status.EXPIRED}
)
# What becomes of a pending override request when its referral leaves the decidable states.
OVERRIDE_CLOSED_BY: dict[str, str] = {
    Referral.Status.ACCEPTED: Override.Status.SUPERSEDED,
    Referral.Status.REFUSED: Override.Status.SUPERSEDED,
    Referral.Status.WITHDRAWN: Override.Status.WITHDRAWN,
    Referral.Status.EXPIRED: Override.Status.EXPIRED,
}


class OverrideAskStatus(models.TextChoices):
    OPEN = "open", _("Waiting for a senior officer")
    TAKEN_UP = "taken_up", _("Taken up: a senior officer requested the override")
    DECLINED = "declined", _("Declined by a senior officer")


class OverrideAsk(BaseModel):
    """A vetting officer's ask that a senior officer override a block (issue 11 item 6).

    Not an override request: it lifts nothing. A senior officer either takes it up by
    requesting the override themselves (`override` links the request) or declines it with a
    note. One open ask per referral and rule.
    """

    Status = OverrideAskStatus

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="override_asks")
    rule_id = models.CharField(max_length=8)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    asked_by_name = models.CharField(max_length=150)
    justification = models.TextField()
    asked_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_by_name = models.CharField(max_length=150, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer_note = models.TextField(blank=True)
    override = models.ForeignKey(
        Override, on_delete=models.PROTECT, null=True, blank=True, related_name="asks"
    )

    class Meta:
        ordering = ["-asked_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=OverrideAskStatus.values),
                name="override_ask_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status=OverrideAskStatus.OPEN)
                | models.Q(answered_at__isnull=False),
                name="override_ask_answered_has_time",
            ),
            models.UniqueConstraint(
                fields=["referral", "rule_id"],
                condition=models.Q(status=OverrideAskStatus.OPEN),
                name="override_ask_one_open_per_rule",
            ),
        ]

    def __str__(self) -> str:
        return f"override ask {self.rule_id} on {self.referral_id} ({self.status})"

    @property
    def asked_by_display(self) -> str:
        return _shown_name(self.asked_by if self.asked_by_id else None, self.asked_by_name)

    @property
    def answered_by_display(self) -> str:
        return _shown_name(self.answered_by if self.answered_by_id else None, self.answered_by_name)


class FactRemovalStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for a second senior officer")
    APPROVED = "approved", _("Seconded: the fact is removed")
    DECLINED = "declined", _("Declined: the fact stands")


class FactRemoval(BaseModel):
    """Four eyes on taking a protective fact away (SAFEGUARDS F1): a retraction of, or a
    correction superseding, a fact an absolute or blocking rule protects the person with.

    Requested by one named officer, seconded by a different senior officer, each with a
    justification and a source document. Only the second approval records the retraction or
    correction (`event`) on the timeline; until then the fact stands. The monitor is told.
    """

    Status = FactRemovalStatus

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="fact_removals")
    target = models.ForeignKey(
        LegalEventRecord, on_delete=models.PROTECT, related_name="removal_requests"
    )
    # "retraction", or the target's own kind for a correction (a fact supersedes only a fact
    # of its kind); the payload and date are those of the retraction or correction asked for.
    kind = models.CharField(max_length=40)
    payload = models.JSONField(default=dict)
    effective_at = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150)
    request_justification = models.TextField()
    request_source_document = models.CharField(max_length=200)
    requested_at = models.DateTimeField()
    seconded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    seconded_by_name = models.CharField(max_length=150, blank=True)
    second_justification = models.TextField(blank=True)
    second_source_document = models.CharField(max_length=200, blank=True)
    seconded_at = models.DateTimeField(null=True, blank=True)
    # The retraction or correction recorded on the second approval.
    event = models.ForeignKey(
        LegalEventRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=FactRemovalStatus.values),
                name="factremoval_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(request_justification="")
                & ~models.Q(request_source_document=""),
                name="factremoval_request_justified",
            ),
            # Only a second approval by another officer, justified and sourced, removes a fact.
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | (
                    models.Q(event__isnull=False, seconded_by__isnull=False)
                    & ~models.Q(second_justification="")
                    & ~models.Q(second_source_document="")
                    & ~models.Q(seconded_by=models.F("requested_by"))
                ),
                name="factremoval_approved_by_second_officer",
            ),
            models.UniqueConstraint(
                fields=["target"],
                condition=models.Q(status="requested"),
                name="factremoval_one_pending_per_fact",
            ),
        ]

    def __str__(self) -> str:
        return f"removal of {self.target_id} ({self.status})"

    @property
    def requested_by_display(self) -> str:
        return _shown_name(self.requested_by, self.requested_by_name)

    @property
    def seconded_by_display(self) -> str:
        return _shown_name(self.seconded_by if self.seconded_by_id else None, self.seconded_by_name)


class Alert(BaseModel):
    """A fact recorded after acceptance now blocks the person (DESIGN.md, re-checks)."""

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="alerts")
    reason = models.TextField()
    rule_ids = models.JSONField(default=list)
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return f"alert on {self.referral_id}"


class MonitorNotice(BaseModel):
    """What the independent monitor is told (an override approved, an alert raised)."""

    class Kind(models.TextChoices):
        OVERRIDE_APPROVED = "override_approved", _("Override approved")
        ALERT_RAISED = "alert_raised", _("Accepted person now blocked")
        # SAFEGUARDS F1: a protective fact retracted or corrected by two officers.
        FACT_REMOVED = "fact_removed", _("Protective fact removed")
        # SAFEGUARDS F2: a fact (or a notice's service) recorded long after it took effect.
        FACT_LATE = "fact_late", _("Fact recorded late")
        # Issue 11 item 6: a vetting officer asked a senior officer for an override.
        OVERRIDE_ASKED = "override_asked", _("Override asked by a vetting officer")
        # Issue 13 / SAFEGUARDS A7: a household split on a manifest under a best-interests
        # determination with consent.
        HOUSEHOLD_SPLIT = "household_split", _("Household split on a manifest (A7)")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="+")
    override = models.ForeignKey(
        Override, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    alert = models.ForeignKey(
        Alert, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fact_removal = models.ForeignKey(
        FactRemoval, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    legal_event = models.ForeignKey(
        LegalEventRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    message = models.TextField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} ({self.referral_id})"


class Notice(BaseModel):
    """A decision or transfer notice issued as PDF, and its service (SAFEGUARDS A9)."""

    Kind = NoticeKind

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    notice_ref = models.CharField(max_length=40, unique=True)
    language = models.CharField(max_length=3)  # the person's language asked for
    template_language = models.CharField(max_length=3)  # the language the text is in
    needs_translation = models.BooleanField()
    translation_recorded = models.BooleanField(default=False)
    interpreter_language = models.CharField(max_length=3, blank=True)
    # Issue 11 item 14: an interpreter recorded when the notice was issued (what is not in the
    # person's language is interpreted), and the officer's reason as translated for it.
    issue_interpreter_name = models.CharField(max_length=200, blank=True)
    issue_interpreter_language = models.CharField(max_length=3, blank=True)
    reason_translation = models.TextField(blank=True)
    destination = models.CharField(max_length=2)
    pdf = models.BinaryField()
    pdf_sha256 = models.CharField(max_length=64)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField()
    # Proof of service (filled once by notice_record_service).
    served_on_person_at = models.DateTimeField(null=True, blank=True)
    served_on_counsel_at = models.DateTimeField(null=True, blank=True)
    counsel_name = models.CharField(max_length=200, blank=True)
    proof_reference = models.CharField(max_length=200, blank=True)
    # Service never precedes issue (services/notices.py; not a database constraint, so that
    # rows recorded before the check existed stay readable as evidence).
    # The `notice_served` fact, recorded once the service counts: at once, or for service
    # recorded late (SAFEGUARDS F3) only when a second officer confirms it.
    service_event = models.ForeignKey(
        LegalEventRecord, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service_recorded_at = models.DateTimeField(null=True, blank=True)
    service_late = models.BooleanField(default=False)
    service_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    service_confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=NoticeKind.values), name="notice_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(served_on_person_at__isnull=True)
                | ~models.Q(proof_reference=""),
                name="notice_service_has_proof",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} notice {self.notice_ref}"

    @property
    def awaiting_confirmation(self) -> bool:
        """Service recorded late, waiting for a second officer (SAFEGUARDS F3)."""
        return self.served_on_person_at is not None and self.service_event_id is None


class ReferralMessageKind(models.TextChoices):
    # SAFEGUARDS A4: the receiving state asks for what the referral lacks; the sending state
    # answers (issue 11 item 4). The question is written by `referral_request_information`,
    # the answer by `referral_information_answer`: one write path each.
    QUESTION = "question", _("Question from the vetting officer")
    ANSWER = "answer", _("Answer from the sending state")
    # Issue 13: the receiving state tells the sending state that the person came off a
    # movement's manifest (at lock or at the gate) and why; written by
    # `referral_movement_notice_write`, inside the movement's transaction.
    MOVEMENT = "movement", _("Notice about a movement")


class ReferralMessage(BaseModel):
    """One message of a referral's information thread, in the order written; never edited.

    Both parties and the monitor read the thread; documents attach to an answer
    (`ikaze.documents`, target type "referral_message")."""

    Kind = ReferralMessageKind

    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    body = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=150)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    written_at = models.DateTimeField()
    # The person's fields the sending state corrected with this answer (names only).
    corrected_fields = models.JSONField(default=list, blank=True)
    resubmitted = models.BooleanField(default=False)

    class Meta:
        ordering = ["written_at", "created_at", "id"]
        indexes = [models.Index(fields=["referral", "written_at"], name="referralmessage_thread")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ReferralMessageKind.values),
                name="referralmessage_kind_valid",
            ),
            models.CheckConstraint(condition=~models.Q(body=""), name="referralmessage_has_body"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.referral_id}"

    @property
    def author_display(self) -> str:
        return _shown_name(self.author if self.author_id else None, self.author_label)
