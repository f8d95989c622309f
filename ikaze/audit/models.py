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
