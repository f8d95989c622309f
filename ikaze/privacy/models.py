"""Personal data: per-person data keys, and (D2-D5) bases, requests, holds and breaches."""

from __future__ import annotations

from django.db import models

from ikaze.core.models import BaseModel


class SubjectKey(BaseModel):
    """The secret that, with a master key, derives the keys of one person's sealed values.

    Destroying it (`secret` set to NULL, `destroyed_at` set) makes every value sealed for the
    person unrecoverable, whatever master key one holds: the purge's crypto-shredding (D4).
    Alone it opens nothing: the master keys are kept outside the database (ADR 00NN-h15b).
    """

    subject_id = models.UUIDField(unique=True)
    secret = models.BinaryField(null=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(secret__isnull=True) | models.Q(destroyed_at__isnull=True),
                name="subjectkey_destroyed_has_no_secret",
            )
        ]

    def __str__(self) -> str:
        return f"data key of {self.subject_id}"
