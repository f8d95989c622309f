"""insert_rows: plain tuples to the driver, with the defaults Django would have given."""

import datetime as dt
import uuid

import pytest

from ikaze.core import clock
from ikaze.core.bulk import insert_rows, new_uuids
from ikaze.people.models import Person
from ikaze.vetting.models import Referral

pytestmark = pytest.mark.django_db


def test_new_uuids_are_version_4_and_distinct():
    ids = new_uuids(500)
    assert len(set(ids)) == 500
    assert {u.version for u in ids} == {4}
    assert ids == sorted(ids)  # a batch goes into an index in key order
    assert new_uuids(0) == []


def test_rows_are_stored_as_the_orm_reads_them_with_defaults_filled():
    pid = uuid.uuid4()
    with clock.frozen(dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)):
        written = insert_rows(
            Person,
            ("id", "given_names", "first_surname", "date_of_birth", "nationalities"),
            [
                (pid, "María José", "Núñez", dt.date(1990, 2, 3), ["SV"]),
                (uuid.uuid4(), "Ana", "Pérez", None, []),
            ],
        )
    assert written == 2
    p = Person.objects.get(pk=pid)
    assert (p.given_names, p.first_surname, p.date_of_birth) == (
        "María José",
        "Núñez",
        dt.date(1990, 2, 3),
    )
    assert p.nationalities == ["SV"]
    # Defaults as Django gives them: constants, the time, and a fresh UUID per row.
    assert (p.dob_precision, p.aliases, p.needs_interpreter, p.second_surname) == (
        "exact",
        [],
        False,
        "",
    )
    assert p.created_at == p.updated_at == dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    clusters = set(Person.objects.values_list("identity_cluster", flat=True))
    assert len(clusters) == 2


def test_a_primary_key_left_out_is_generated_per_row():
    insert_rows(Person, ("given_names", "first_surname"), [("A", "B"), ("C", "D")])
    assert Person.objects.count() == 2
    assert len(set(Person.objects.values_list("pk", flat=True))) == 2


def test_nothing_to_insert_writes_nothing():
    assert insert_rows(Person, ("given_names",), []) == 0
    assert Person.objects.count() == 0


def test_an_unknown_column_is_refused_before_anything_is_written():
    with pytest.raises(ValueError, match="no column nickname"):
        insert_rows(Person, ("given_names", "nickname"), [("A", "B")])
    assert Person.objects.count() == 0


def test_a_required_column_left_out_is_refused():
    # A referral has no default for its person or agreement.
    with pytest.raises(ValueError, match="has no default"):
        insert_rows(Referral, ("external_reference",), [("X",)])
    assert Referral.objects.count() == 0
