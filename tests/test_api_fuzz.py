"""Fuzz the whole API with schemathesis over real HTTP (the live server), as an administrator
and as a sending-state liaison: no server error, and every response conforms to the OpenAPI
document (documented status code, content type, body schema).

One test per identity runs every operation (up to MAX_EXAMPLES generated cases each) against
one demo scenario, and reports every failing operation with its reason at the end.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ikaze.accounts.access import Role

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _token(role: Role) -> str:
    from config.demo import load_demo
    from ikaze.accounts import services
    from ikaze.accounts.models import Membership, User
    from tests.support import DEMO_USERNAME, org_admin_actor

    if not User.objects.filter(username="admin").exists():
        load_demo()
    membership = Membership.objects.select_related("organisation").get(
        user__username=DEMO_USERNAME[role], role=role
    )
    _t, clear = services.api_token_issue(
        actor=org_admin_actor(membership.organisation),
        name=f"fuzz {role}",
        organisation=membership.organisation,
        role=role,
    )
    return clear


@pytest.mark.parametrize(
    "role",
    [
        # Separate xdist groups: the two identities fuzz in parallel under `-n 2`.
        pytest.param(Role.ADMIN, marks=pytest.mark.xdist_group("fuzz-admin")),
        pytest.param(Role.SENDING_LIAISON, marks=pytest.mark.xdist_group("fuzz-liaison")),
    ],
    ids=str,
)
def test_api_conforms_to_its_schema(role: Role, live_server: Any) -> None:
    token = _token(role)
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/v1/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    session = requests.Session()
    failures: dict[str, str] = {}
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
        @given(case=operation.as_strategy())
        def run(case: Any) -> None:
            case.call_and_validate(
                base_url=live_server.url, session=session, headers=headers, checks=CHECKS
            )

        try:
            run()
        except Exception as exc:  # collect every failing operation, not only the first
            failures[operation.label] = f"{type(exc).__name__}: {str(exc)[:1500]}"
    assert operations > 0
    report = "\n\n".join(f"{label}\n{reason}" for label, reason in sorted(failures.items()))
    assert failures == {}, f"{len(failures)} of {operations} operations fail:\n\n{report}"
