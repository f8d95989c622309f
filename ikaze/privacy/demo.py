"""The personal-data part of the demo: a request waiting for its answer, a legal hold and a
breach whose 48-hour notice is due (the registers are never empty in the demo)."""

from __future__ import annotations

import datetime as dt

from ikaze.accounts.actor import Actor
from ikaze.accounts.models import Organisation, User
from ikaze.core import clock
from ikaze.people.models import Person
from ikaze.privacy import services


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    people = list(Person.objects.order_by("external_reference", "pk")[:2])
    if people:
        services.request_open(
            actor=admin,
            person=people[0],
            kind="access",
            detail="Asks for a copy of everything held, in Spanish.",
            received_at=clock.now() - dt.timedelta(days=3),
        )
        services.hold_place(
            actor=admin,
            person=people[-1],
            reason="Pending judicial review of the transfer decision.",
            reference="HC/JR/2026/014",
        )
    services.breach_record(
        actor=admin,
        title="Misdirected e-mail",
        description="A referral summary was sent to a wrong address at a partner NGO.",
        discovered_at=clock.now() - dt.timedelta(hours=20),
        people_affected=1,
        categories=["identity"],
    )
