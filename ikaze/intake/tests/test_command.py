from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from ikaze.intake.tests.helpers import csv_bytes, row
from ikaze.people.models import Person
from tests import factories

pytestmark = pytest.mark.django_db


def test_command_prints_summary(tmp_path) -> None:
    a = factories.agreement_in_force()
    liaison = factories.liaison()
    f = tmp_path / "m.csv"
    f.write_bytes(csv_bytes([row(1), row(2), row(3, date_of_birth="1990/01/01")]))
    out = io.StringIO()
    call_command("intake", str(f), "--agreement", a.code, "--as", liaison.user.username, stdout=out)
    summary = json.loads(out.getvalue())
    assert {k: summary[k] for k in ("rows", "imported", "rejected", "possible_duplicates")} == {
        "rows": 3,
        "imported": 2,
        "rejected": 1,
        "possible_duplicates": 0,
    }
    assert summary["seconds"] > 0


def test_command_strict_exits_1(tmp_path) -> None:
    a = factories.agreement_in_force()
    factories.liaison()
    f = tmp_path / "m.csv"
    f.write_bytes(csv_bytes([row(1), row(2, sex="")]))
    out = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        call_command("intake", str(f), "--agreement", a.code, "--strict", stdout=out)
    assert exc.value.code == 1
    assert json.loads(out.getvalue())["imported"] == 0
    assert Person.objects.count() == 0
