from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEvent(models.Model):
    """One link of the append-only, hash-chained log (SAFEGUARDS C4).

    `audit` imports only `core`, so the actor and target are stored as plain identifiers and
    labels, not foreign keys: an event outlives what it describes. Database triggers refuse
    UPDATE and DELETE (migration 0002).
    """

    class Kind(models.TextChoices):
        CHANGE = "change", _("Change")
        READ = "read", _("Sensitive read")
        SECURITY = "security", _("Security event")

    seq = models.BigIntegerField(unique=True)
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    action = models.CharField(max_length=80, db_index=True)
    actor_id = models.CharField(max_length=36, blank=True, default="")
    actor_label = models.CharField(max_length=150, blank=True, default="")
    actor_role = models.CharField(max_length=200, blank=True, default="")
    token_id = models.CharField(max_length=36, blank=True, default="")
    organisation_id = models.CharField(max_length=36, blank=True, default="")
    target_type = models.CharField(max_length=60, blank=True, default="")
    target_id = models.CharField(max_length=255, blank=True, default="")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    reason = models.TextField(blank=True, default="")
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The chain format this event was hashed with (chain.canonical): 1 before issue 9.
    version = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["seq"]
        # Every index is paid for on every append (35,000 at once for a manifest): only the
        # ones a query uses. Declared here rather than with db_index/unique, which on
        # PostgreSQL add a second, LIKE-pattern index to each text column.
        indexes = [
            models.Index(fields=["target_type", "target_id", "seq"], name="audit_target_idx"),
            models.Index(fields=["target_id"], name="audit_target_id_idx"),
            models.Index(fields=["actor_id"], name="audit_actor_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(seq__gte=1), name="audit_seq_positive"),
            # With seq's, what makes a fork of the chain impossible (architecture.md).
            models.UniqueConstraint(fields=["prev_hash"], name="audit_prev_hash_unique"),
            models.UniqueConstraint(fields=["hash"], name="audit_hash_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"


class AuditSealedValue(models.Model):
    """The personal values an event chains only as commitments (ADR 0007, issue 9 item 12).

    `openings` maps a path ("after.given_names") to {"level", "salt", "value"}. Readable only
    through the selectors, which show a value to a reader whose permissions match its level.
    Not append-only: erasing a person's data (D4) deletes openings and the chain still verifies.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="sealed")
    openings = models.JSONField()

    def __str__(self) -> str:
        return f"sealed values of {self.event_id}"


class AuditCheckpoint(models.Model):
    """A signed statement of the chain's head: sequence, head hash, count, time (issue 9 item 11).

    Signed with an Ed25519 key kept outside the database (`ikaze.audit.signing`), so whoever
    can rewrite the table cannot sign a checkpoint for the rewritten chain. The monitor lists
    and downloads them, every export ends with one, and `ikaze audit verify` checks the chain
    against them (ADR 0007).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    seq = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    count = models.BigIntegerField()
    at = models.DateTimeField()
    key_id = models.CharField(max_length=16)
    signature = models.CharField(max_length=128)

    class Meta:
        ordering = ["-seq", "-at"]
        indexes = [models.Index(fields=["seq"], name="audit_checkpoint_seq_idx")]

    def __str__(self) -> str:
        return f"checkpoint #{self.seq}"
