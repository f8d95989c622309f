"""Sealing and opening sensitive values: AES-GCM, one key per person and master key (D1).

A value is sealed as the envelope `v1:<key id>:<nonce>:<ciphertext>` (URL-safe base64, no
padding). Its key is derived with HKDF-SHA256 from the master key `<key id>` (the keyring,
outside the database) and the person's subject secret (`SubjectKey`, in the database): a
stolen database opens nothing, and destroying one person's secret makes all their values
unrecoverable (crypto-shredding, D4). The associated data binds the ciphertext to its table,
column, row and person: a value copied elsewhere does not open.

This module is the one way in and out; apps keep their columns as `EncryptedTextField` and
call `seal_fields`/`open_field` (pages, API) or `seal_rows` (bulk paths), never AES directly.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.db import models

from ikaze.core import clock
from ikaze.core.bulk import in_chunks
from ikaze.privacy import keyring as kr
from ikaze.privacy.fields import ENVELOPE_PREFIX, EncryptedTextField
from ikaze.privacy.models import SubjectKey

NONCE_BYTES = 12
SUBJECT_SECRET_BYTES = 32


class Unreadable(Exception):
    """The value cannot be opened: tampered, moved to another row, or its key unknown."""


class Erased(Unreadable):
    """The person's data key was destroyed (a purge): the value is gone for good."""


_derived: dict[tuple[str, bytes], AESGCM] = {}
_DERIVED_MAX = 8192


def _cipher(key_id: str, secret: bytes) -> AESGCM:
    cached = _derived.get((key_id, secret))
    if cached is not None:
        return cached
    master = kr.keyring().key(key_id)
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=secret,
        info=b"ikaze-data-v1:" + key_id.encode(),
    ).derive(master)
    if len(_derived) >= _DERIVED_MAX:
        _derived.clear()
    cipher = _derived[(key_id, secret)] = AESGCM(derived)
    return cipher


def clear_cache() -> None:
    _derived.clear()


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def associated_data(table: str, column: str, row_id: Any, subject_id: Any) -> bytes:
    return f"ikaze:{table}:{column}:{_uuid(row_id).hex}:{_uuid(subject_id).hex}".encode()


def key_id_of(envelope: str) -> str:
    """The master key id an envelope was sealed with ("" for an empty value)."""
    if not envelope:
        return ""
    return envelope.split(":", 2)[1]


# -- subject secrets ------------------------------------------------------------------------


def subject_secrets(subject_ids: Iterable[Any], *, create: bool) -> dict[uuid.UUID, bytes | None]:
    """The secret of each person (None: destroyed). With `create`, a person without one gets
    a fresh one, in the caller's transaction."""
    wanted = {_uuid(s) for s in subject_ids}
    found: dict[uuid.UUID, bytes | None] = {}
    for chunk in in_chunks(sorted(wanted)):
        for sid, secret in SubjectKey.objects.filter(subject_id__in=chunk).values_list(
            "subject_id", "secret"
        ):
            found[sid] = bytes(secret) if secret is not None else None
    missing = wanted - found.keys()
    if missing and create:
        new = [
            SubjectKey(subject_id=sid, secret=os.urandom(SUBJECT_SECRET_BYTES))
            for sid in sorted(missing)
        ]
        SubjectKey.objects.bulk_create(new, batch_size=2000, ignore_conflicts=True)
        # Another transaction may have made some first: read back what is stored.
        for chunk in in_chunks(sorted(missing)):
            for sid, secret in SubjectKey.objects.filter(subject_id__in=chunk).values_list(
                "subject_id", "secret"
            ):
                found[sid] = bytes(secret) if secret is not None else None
    return found


def destroy_subject_key(subject_id: Any) -> bool:
    """Crypto-shred one person: their secret is overwritten and dropped. True if it existed."""
    sid = _uuid(subject_id)
    return bool(
        SubjectKey.objects.filter(subject_id=sid, secret__isnull=False).update(
            secret=None, destroyed_at=clock.now()
        )
    )


def subject_erased(subject_id: Any) -> bool:
    return SubjectKey.objects.filter(subject_id=_uuid(subject_id), secret__isnull=True).exists()


# -- sealing and opening ----------------------------------------------------------------------


def seal(
    plaintext: str,
    *,
    table: str,
    column: str,
    row_id: Any,
    subject_id: Any,
    secret: bytes | None,
    key_id: str | None = None,
) -> str:
    """The envelope of `plaintext` ("" stays ""). Raises Erased for a destroyed subject."""
    if plaintext == "":
        return ""
    if secret is None:
        raise Erased("The person's data key was destroyed: nothing can be recorded for them.")
    key_id = key_id or kr.keyring().active
    nonce = os.urandom(NONCE_BYTES)
    ct = _cipher(key_id, secret).encrypt(
        nonce, plaintext.encode(), associated_data(table, column, row_id, subject_id)
    )
    return f"v1:{key_id}:{kr.b64(nonce)}:{kr.b64(ct)}"


def open_(
    envelope: str, *, table: str, column: str, row_id: Any, subject_id: Any, secret: bytes | None
) -> str:
    if not envelope:
        return ""
    if secret is None:
        raise Erased("The person's data key was destroyed.")
    parts = envelope.split(":")
    if len(parts) != 4 or parts[0] + ":" != ENVELOPE_PREFIX:
        raise Unreadable("Not a sealed value.")
    _v, key_id, nonce, ct = parts
    try:
        cipher = _cipher(key_id, secret)
        return cipher.decrypt(
            kr.unb64(nonce), kr.unb64(ct), associated_data(table, column, row_id, subject_id)
        ).decode()
    except (InvalidTag, ValueError, kr.KeyringError) as exc:
        raise Unreadable(f"The value cannot be opened ({type(exc).__name__}).") from None


# -- model helpers ------------------------------------------------------------------------------


def encrypted_fields(model: type[models.Model]) -> list[EncryptedTextField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]


def encrypted_models() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    """Every model with a sealed column, and those columns (rotation, status, the tests)."""
    out = []
    for model in apps.get_models():
        if fields := encrypted_fields(model):
            out.append((model, fields))
    return out


def _field(model: type[models.Model], name: str) -> EncryptedTextField:
    field = model._meta.get_field(name)
    if not isinstance(field, EncryptedTextField):
        raise TypeError(f"{model.__name__}.{name} is not an encrypted column.")
    return field


def seal_fields(instance: models.Model, **plaintexts: str) -> None:
    """Seal these values onto the instance's attributes (the caller saves it). The person's
    data key is made if it has none yet."""
    model = type(instance)
    table = model._meta.db_table
    for name, plaintext in plaintexts.items():
        field = _field(model, name)
        subject_id = getattr(instance, field.subject)
        secret = subject_secrets([subject_id], create=True)[_uuid(subject_id)]
        setattr(
            instance,
            field.attname,
            seal(
                plaintext,
                table=table,
                column=field.column,
                row_id=getattr(instance, field.row),
                subject_id=subject_id,
                secret=secret,
            ),
        )


def open_field(instance: models.Model, name: str) -> str:
    """The plaintext of one sealed attribute; raises Erased / Unreadable."""
    model = type(instance)
    field = _field(model, name)
    envelope = getattr(instance, field.attname)
    if not envelope:
        return ""
    subject_id = getattr(instance, field.subject)
    secret = subject_secrets([subject_id], create=False).get(_uuid(subject_id))
    return open_(
        envelope,
        table=model._meta.db_table,
        column=field.column,
        row_id=getattr(instance, field.row),
        subject_id=subject_id,
        secret=secret,
    )


def seal_rows(
    model: type[models.Model],
    rows: Sequence[Mapping[str, Any]],
    names: Sequence[str],
) -> list[dict[str, Any]]:
    """For bulk paths: each row (a mapping holding the subject and row attributes and the
    plaintext of `names`) with those values sealed. Data keys are made in bulk."""
    fields = [_field(model, n) for n in names]
    table = model._meta.db_table
    subjects = {row[f.subject] for row in rows for f in fields}
    secrets = subject_secrets(subjects, create=True)
    out = []
    for row in rows:
        sealed = dict(row)
        for f in fields:
            sid = row[f.subject]
            sealed[f.name] = seal(
                row[f.name],
                table=table,
                column=f.column,
                row_id=row[f.row if f.row != "pk" else "id"],
                subject_id=sid,
                secret=secrets[_uuid(sid)],
            )
        out.append(sealed)
    return out


def open_many(instances: Sequence[models.Model], names: Sequence[str]) -> list[dict[str, str]]:
    """The plaintext of `names` for each instance (one query for all their data keys); a
    destroyed key or a bad value raises, as `open_field` does."""
    if not instances:
        return []
    model = type(instances[0])
    fields = [_field(model, n) for n in names]
    secrets = subject_secrets(
        {getattr(i, f.subject) for i in instances for f in fields}, create=False
    )
    table = model._meta.db_table
    out = []
    for inst in instances:
        values = {}
        for f in fields:
            subject_id = getattr(inst, f.subject)
            values[f.name] = open_(
                getattr(inst, f.attname),
                table=table,
                column=f.column,
                row_id=getattr(inst, f.row),
                subject_id=subject_id,
                secret=secrets.get(_uuid(subject_id)),
            )
        out.append(values)
    return out
