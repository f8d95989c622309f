"""The column type of every sensitive value (SAFEGUARDS D1): it holds a sealed envelope.

`EncryptedTextField` is a text column whose value is either "" (nothing recorded) or an
envelope `v1:<key id>:<nonce>:<ciphertext>` made by `ikaze.privacy.vault`. The model
attribute holds the envelope, never the plaintext: writers seal through the vault (one write
path), readers open through their app's audited selector. The field refuses to save anything
else, and `sealed_check` puts the same rule in the database, so that no path (bulk COPY, raw
SQL, a migration) can leave plaintext in the column.

`subject` names the attribute holding the data subject's id (a person's key, which selects the
per-person key that crypto-shredding destroys); `row` names the attribute the ciphertext is
bound to (the primary key by default), so a value copied to another row or column no longer
opens.
"""

from __future__ import annotations

from typing import Any

from django.db import models

ENVELOPE_PREFIX = "v1:"


class PlaintextRefused(ValueError):
    """Something other than an envelope reached an encrypted column."""


def is_sealed(value: object) -> bool:
    return value in ("", None) or (isinstance(value, str) and value.startswith(ENVELOPE_PREFIX))


class EncryptedTextField(models.TextField):
    description = "Sealed text (AES-GCM envelope)"

    def __init__(self, *args: Any, subject: str = "person_id", row: str = "pk", **kwargs: Any):
        self.subject = subject
        self.row = row
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs["subject"] = self.subject
        if self.row != "pk":
            kwargs["row"] = self.row
        return name, path, args, kwargs

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if not is_sealed(value):
            raise PlaintextRefused(
                f"{self.model.__name__}.{self.name}: only a sealed value may be saved here."
            )
        return value


def sealed_check(table: str, *columns: str) -> list[models.CheckConstraint]:
    """One database check per encrypted column: empty, or an envelope (never plaintext)."""
    return [
        models.CheckConstraint(
            condition=models.Q(**{column: ""})
            | models.Q(**{f"{column}__startswith": ENVELOPE_PREFIX}),
            name=f"{table}_{column}_sealed",
        )
        for column in columns
    ]
