"""The reports app's own records: it reads every other app and writes only these."""

from __future__ import annotations

from django.db import models

from ikaze.core.models import BaseModel

Entry = tuple[str, str]


class PublicRelease(BaseModel):
    """One version of one public table of one agreement, as published."""

    agreement_code = models.CharField(max_length=40)
    table = models.CharField(max_length=40)
    number = models.PositiveIntegerField()
    # [[row, column, value], ...] of the published entries only (hidden ones are absent).
    cells = models.JSONField(default=list)
    digest = models.CharField(max_length=64)
    threshold = models.PositiveIntegerField()

    class Meta:
        ordering = ["agreement_code", "table", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement_code", "table", "number"], name="public_release_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_code} {self.table} #{self.number}"

    def published(self) -> dict[Entry, int]:
        return {(str(r), str(c)): int(v) for r, c, v in self.cells}
