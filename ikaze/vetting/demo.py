"""Demo: the United States refers its registered people under US-RW-2025, at various stages."""

from __future__ import annotations

from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import Organisation, User
from ikaze.agreements.models import Agreement
from ikaze.people.models import Person
from ikaze.vetting import services

CODE = "US-RW-2025"


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    agreement = Agreement.objects.filter(code=CODE, status="in_force").first()
    if agreement is None:
        return
    liaison = actor_for_user(users["liaison"])
    officer = actor_for_user(users["vetting"])
    people = list(
        Person.objects.filter(sending_organisation=orgs["US-DHS"], referrals__isnull=True).order_by(
            "external_reference"
        )
    )
    for i, person in enumerate(people):
        referral = services.referral_create(
            actor=liaison,
            agreement=agreement,
            person=person,
            external_reference=f"CASE-{person.external_reference}",
        )
        if i % 10 == 9:
            continue  # a few drafts the liaison has not sent yet
        referral = services.referral_submit(actor=liaison, referral=referral)
        if i % 5 == 1:
            referral = services.referral_start_review(actor=officer, referral=referral)
        if i % 10 == 3:
            referral = services.referral_start_review(actor=officer, referral=referral)
            services.referral_request_information(
                actor=officer,
                referral=referral,
                reason="Please send the birth certificate and the asylum case file number.",
            )
        if i == 4:
            services.referral_withdraw(
                actor=liaison, referral=referral, reason="The person left the United States."
            )
