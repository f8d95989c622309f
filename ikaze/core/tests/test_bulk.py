"""insert_rows: plain tuples to the driver, with the defaults Django would have given;
insert_values: rows already in the driver's terms, from a list or streamed from a generator."""

import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from ikaze.core import clock
from ikaze.core.bulk import converter, insert_rows, insert_values, new_uuid_hexes, new_uuids
from ikaze.people.models import Person
from ikaze.vetting.models import Evaluation, Referral

pytestmark = pytest.mark.django_db


def test_new_uuids_are_version_4_and_distinct():
    ids = new_uuids(500)
    assert len(set(ids)) == 500
    assert {u.version for u in ids} == {4}
    assert {u.variant for u in ids} == {uuid.RFC_4122}
    assert ids == sorted(ids)  # a batch goes into an index in key order
    assert new_uuids(0) == []


def test_new_uuid_hexes_are_version_4_hex_in_key_order():
    hexes = new_uuid_hexes(500)
    ids = [uuid.UUID(h) for h in hexes]
    assert len(set(hexes)) == 500
    assert all(len(h) == 32 and h == u.hex for h, u in zip(hexes, ids, strict=True))
    assert {u.version for u in ids} == {4}
    assert {u.variant for u in ids} == {uuid.RFC_4122}
    assert hexes == sorted(hexes) and ids == sorted(ids)  # the same order as the keys'
    assert new_uuid_hexes(0) == []


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


# --- insert_values: rows already in the driver's terms, from a list or streamed -------------

_EVAL_COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "referral_id",
    "stage",
    "ruleset_version",
    "inputs_hash",
    "evaluated_at",
    "blocked",
    "evaluated_by_id",
    "findings_data",
)


def _driver_row(model, columns, values):
    """One row of Python values in the driver's terms, through `converter` (as insert_rows)."""
    fields = {f.attname: f for f in model._meta.concrete_fields}
    out = []
    for column, value in zip(columns, values, strict=True):
        conv = converter(fields[column])
        out.append(value if value is None or conv is None else conv(value))
    return tuple(out)


def _evaluation(referral_id, *, stage="referral", blocked=False):
    at = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    values: tuple[object, ...] = (
        uuid.uuid4(),
        at,
        at,
        referral_id,
        stage,
        "v1",
        "h" * 64,
        at,
        blocked,
        None,
        [],
    )
    return _driver_row(Evaluation, _EVAL_COLUMNS, values)


@pytest.fixture
def referral():
    from tests import factories

    return factories.referral(
        by=factories.liaison(), agreement=factories.agreement_in_force(), submit=False
    )


def test_insert_values_streams_a_generator_and_counts_its_rows(referral) -> None:
    seen: list[object] = []

    def rows():
        for i in range(3):
            yield _evaluation(referral.pk, blocked=i == 1)
            if connection.vendor == "postgresql":
                # Each row goes to the server as it is made: the COPY is open meanwhile.
                seen.append(connection.connection.info.transaction_status)
        if connection.vendor == "sqlite":
            # SQLite works in this process: every row is made before the insert starts.
            seen.append(Evaluation.objects.count())

    assert insert_values(Evaluation._meta.db_table, _EVAL_COLUMNS, rows()) == 3
    if connection.vendor == "postgresql":
        from psycopg import pq

        assert seen == [pq.TransactionStatus.ACTIVE] * 3
    else:
        assert seen == [0]
    stored = Evaluation.objects.filter(referral=referral)
    assert sorted(stored.values_list("blocked", flat=True)) == [False, False, True]
    row = stored.first()
    assert row is not None
    assert (row.stage, row.findings_data) == ("referral", [])
    assert row.evaluated_at == dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def test_insert_values_takes_a_list(referral) -> None:
    rows = [_evaluation(referral.pk) for _ in range(2)]
    assert insert_values(Evaluation._meta.db_table, _EVAL_COLUMNS, rows) == 2
    assert Evaluation.objects.filter(referral=referral).count() == 2


@pytest.mark.parametrize("empty", [[], iter(())], ids=["list", "iterator"])
def test_insert_values_with_no_rows_writes_nothing(empty) -> None:
    assert insert_values(Evaluation._meta.db_table, _EVAL_COLUMNS, empty) == 0
    assert Evaluation.objects.count() == 0


def test_insert_values_refuses_a_row_of_the_wrong_width(referral) -> None:
    rows = (r[:-1] for r in [_evaluation(referral.pk)])
    with pytest.raises(ValueError, match="a row has 10 values for 11 columns"):
        insert_values(Evaluation._meta.db_table, _EVAL_COLUMNS, rows)
    assert Evaluation.objects.count() == 0


def test_a_refused_row_raises_djangos_error_and_writes_nothing(referral) -> None:
    # The stage's check constraint refuses "lunch"; the driver's error comes out as Django's.
    rows = [_evaluation(referral.pk), _evaluation(referral.pk, stage="lunch")]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_values(Evaluation._meta.db_table, _EVAL_COLUMNS, iter(rows))
    assert Evaluation.objects.count() == 0


def test_an_error_while_making_the_rows_is_raised_as_it_is(referral) -> None:
    def rows():
        yield _evaluation(referral.pk)
        raise LookupError("the rules failed")

    with pytest.raises(LookupError, match="the rules failed"), transaction.atomic():
        insert_values(Evaluation._meta.db_table, _EVAL_COLUMNS, rows())
    assert Evaluation.objects.count() == 0
