"""The movements part of the demo: a flight under the US–Rwanda arrangement, its manifest
locked by a senior officer (everyone screened again), so the board and the manifest page
show a movement waiting to depart."""

from __future__ import annotations

import datetime as dt

from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import Organisation, User
from ikaze.agreements import selectors as agreements
from ikaze.core import clock
from ikaze.movements import services
from ikaze.vetting import selectors as vetting

CODE = "US-RW-2025"


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    liaison = actor_for_user(users["liaison"])
    senior = actor_for_user(users["senior"], second_factor=True)
    agreement = agreements.agreement_list_for(actor=liaison).filter(code=CODE).first()
    if agreement is None or agreement.status != "in_force":
        return
    # Departure two weeks ahead: the transfer notice served today is ripe by then (A9).
    movement = services.movement_propose(
        actor=liaison,
        agreement=agreement,
        departure_date=clock.today_local() + dt.timedelta(days=14),
        carrier="RwandAir",
        flight_number="WB711",
        origin="IAD",
        destination="KGL",
        seats=40,
    )
    ready = [
        r
        for r, _p in vetting.accepted_referrals_under(agreement_id=agreement.pk)
        if not vetting.acceptance_states(referral_ids=[r])[r].open_alert
    ]
    if not ready:
        return
    services.manifest_add(actor=liaison, movement=movement, referral_ids=ready)
    services.manifest_lock(actor=senior, movement=movement)
    # A second flight still being put together.
    services.movement_propose(
        actor=liaison,
        agreement=agreement,
        departure_date=clock.today_local() + dt.timedelta(days=30),
        carrier="RwandAir",
        flight_number="WB713",
        origin="IAD",
        destination="KGL",
        seats=20,
    )
