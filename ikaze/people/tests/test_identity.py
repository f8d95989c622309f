"""The process's matcher keeps the registry's features and follows the registry's changes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from ikaze.people import identity
from ikaze.people.models import Person
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(tmp_path):
    identity.reset()
    with override_settings(VAR_DIR=str(tmp_path)):
        yield tmp_path
    identity.reset()


def _ids(m) -> set[str]:
    return {r[0] for r in m._con.execute("SELECT unique_id FROM reg_f").fetchall()}


def test_batch_matcher_adds_new_and_changed_people_without_reloading(fresh) -> None:
    liaison = factories.liaison()
    a = factories.person(by=liaison, given_names="Rosa", first_surname="Quispe")
    m = identity.batch_matcher()
    assert m.registry_version == identity.registry_version()
    assert len(_ids(m)) == 1
    b = factories.person(by=liaison, given_names="Juan", first_surname="Pérez")
    assert identity.batch_matcher() is m
    assert m.registry_size() == 2
    assert m.registry_version == identity.registry_version()
    # A changed identity replaces the old features (the online index follows too).
    m.index_registry()
    Person.objects.filter(pk=b.pk).update(
        first_surname="Quispe", updated_at=b.updated_at + dt.timedelta(seconds=1)
    )
    identity.online_matcher()
    assert m.registry_size() == 2
    surname = m._con.execute(
        "SELECT s1 FROM reg_f WHERE unique_id = ?", [identity_text(b.pk)]
    ).fetchall()
    assert surname == [("QUISPE",)]
    assert a.pk != b.pk


def test_a_restarted_process_restores_the_saved_features(fresh) -> None:
    liaison = factories.liaison()
    factories.person(by=liaison, given_names="Rosa", first_surname="Quispe")
    first = identity.batch_matcher()
    assert list(fresh.glob("matching/registry-*.parquet"))
    identity.reset()  # as a new worker process would start
    factories.person(by=liaison, given_names="Juan", first_surname="Pérez")
    again = identity.batch_matcher()
    assert again is not first
    assert again.registry_size() == 2
    assert again.registry_version == identity.registry_version()


def identity_text(pk) -> str:
    from ikaze.people.selectors import _id_text

    return _id_text(pk)
