"""Seal health and vulnerabilities at rest (issue 15, SAFEGUARDS D1, ADR 0027).

Existing plaintext rows are sealed in place before the checks that refuse plaintext are
added. The sealing below is a frozen copy of envelope format v1 (ikaze.privacy.vault): a
migration must not change with the application code, and v1 never changes (a new format is
v2). Only the keyring is read live: the keys are the installation's, not the code's.
"""

import base64
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import migrations, models

import ikaze.privacy.fields


def _b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _seal_v1(plaintext, *, master, key_id, secret, table, column, row_id, subject_id):
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=secret, info=b"ikaze-data-v1:" + key_id.encode()
    ).derive(master)
    nonce = os.urandom(12)
    aad = f"ikaze:{table}:{column}:{row_id.hex}:{subject_id.hex}".encode()
    ct = AESGCM(key).encrypt(nonce, plaintext.encode(), aad)
    return f"v1:{key_id}:{_b64(nonce)}:{_b64(ct)}"


def seal_existing(apps, schema_editor):
    SensitiveData = apps.get_model("people", "SensitiveData")
    SubjectKey = apps.get_model("privacy", "SubjectKey")
    rows = SensitiveData.objects.exclude(
        models.Q(health="") | models.Q(health__startswith="v1:"),
        models.Q(vulnerabilities="") | models.Q(vulnerabilities__startswith="v1:"),
    ).values_list("pk", "person_id", "health", "vulnerabilities")
    todo = list(rows.iterator(chunk_size=2000))
    if not todo:
        return
    from ikaze.privacy import keyring  # the installation's keys (read, never written)

    ring = keyring.keyring()
    master = ring.keys[ring.active]
    table = SensitiveData._meta.db_table
    for pk, person_id, health, vulnerabilities in todo:
        key, _new = SubjectKey.objects.get_or_create(
            subject_id=person_id, defaults={"secret": os.urandom(32)}
        )
        secret = bytes(key.secret)
        values = {}
        for column, value in (("health", health), ("vulnerabilities", vulnerabilities)):
            if value and not value.startswith("v1:"):
                values[column] = _seal_v1(
                    value,
                    master=master,
                    key_id=ring.active,
                    secret=secret,
                    table=table,
                    column=column,
                    row_id=person_id,
                    subject_id=person_id,
                )
        SensitiveData.objects.filter(pk=pk).update(**values)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_text_length_checks"),
        ("privacy", "0001_data_keys"),
    ]

    operations = [
        migrations.AlterField(
            model_name="sensitivedata",
            name="health",
            field=ikaze.privacy.fields.EncryptedTextField(
                blank=True, default="", row="person_id", subject="person_id"
            ),
        ),
        migrations.AlterField(
            model_name="sensitivedata",
            name="vulnerabilities",
            field=ikaze.privacy.fields.EncryptedTextField(
                blank=True, default="", row="person_id", subject="person_id"
            ),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="sensitivedata",
            constraint=models.CheckConstraint(
                condition=models.Q(("health", ""), ("health__startswith", "v1:"), _connector="OR"),
                name="sensitivedata_health_sealed",
            ),
        ),
        migrations.AddConstraint(
            model_name="sensitivedata",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("vulnerabilities", ""), ("vulnerabilities__startswith", "v1:"), _connector="OR"
                ),
                name="sensitivedata_vulnerabilities_sealed",
            ),
        ),
    ]
