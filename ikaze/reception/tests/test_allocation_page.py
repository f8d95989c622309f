"""The allocation review page: the proposal, a manual change checked again, confirmation."""

from __future__ import annotations

import pytest

from ikaze.reception.models import Stay
from ikaze.reception.tests.test_services import _unit, arrived
from tests import support

pytestmark = pytest.mark.django_db


def test_proposal_manual_change_refused_then_confirmed(world) -> None:
    (person,) = arrived(world, sex="F")
    shared_men = _unit(world, beds=4, shared_by="M", family=False)
    private = _unit(world, beds=2)
    client = support.session_client(world.reception.user)
    page = client.get("/reception/allocation/")
    assert page.status_code == 200
    key = str(person)
    assert page.context["rows"][0]["unit"] == str(private.pk)
    refused = client.post("/reception/allocation/", {f"unit-{key}": str(shared_men.pk)})
    assert refused.status_code == 409
    assert refused.context["rows"][0]["problem"] == "The unit is shared by people of one sex."
    assert Stay.objects.count() == 0
    done = client.post("/reception/allocation/", {f"unit-{key}": str(private.pk)})
    assert done.status_code == 302
    assert list(Stay.objects.values_list("person_id", "unit_id")) == [(person, private.pk)]
