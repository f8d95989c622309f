"""The protection part of the demo: people who arrived under the US–Rwanda arrangement, their
cases at different stages (briefing overdue, claim refused and appealed, status granted and
closed), a complaint through the self-service page, a departure the non-refoulement lock
refused, and the personal code and PIN of one person (printed by `ikaze demo`)."""

from __future__ import annotations

import contextlib
import datetime as dt

from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import Organisation, User
from ikaze.agreements import selectors as agreements
from ikaze.core import clock
from ikaze.people.services import DocumentIn, PersonIn, person_create
from ikaze.protection import services
from ikaze.protection.errors import Refoulement

CODE = "US-RW-2025"
# The demo's self-service pair (printed by `ikaze demo`; never fixed outside the demo).
SELF_SERVICE_CODE = "DEMA2026ES"
SELF_SERVICE_PIN = "482916"
SELF_SERVICE_PERSON = "María Fernanda Castillo Ramírez"

REASONS_REFUSED = (
    "The applicant's account of threats by a gang in Comayagüela is credible, but internal "
    "relocation to San Pedro Sula was found reasonable; the risk is not individual."
)
REASONS_GRANTED = (
    "The applicant was targeted as a journalist; country information confirms the risk, and "
    "no internal protection alternative exists."
)


def demo_loaded() -> bool:
    return services.personal_code_exists(code=SELF_SERVICE_CODE)


def _person(
    liaison: Actor,
    n: int,
    given: str,
    first: str,
    second: str,
    sex: str,
    nat: str,
    langs: list[str],
):
    return person_create(
        actor=liaison,
        data=PersonIn(
            given_names=given,
            first_surname=first,
            second_surname=second,
            sex=sex,
            date_of_birth=dt.date(1988 + n, 3 + n, 10 + n),
            nationalities=[nat],
            languages=langs,
            needs_interpreter=True,
            external_reference=f"DEMO-PROT-{n}",
            documents=[DocumentIn("passport", f"P9{n:06d}", nat, dt.date(2031, 1, 1))],
        ),
        rescore=False,
    )


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    liaison = actor_for_user(users["liaison"])
    reception = actor_for_user(users["reception"])
    caseworker = actor_for_user(users["caseworker"])
    monitor = actor_for_user(users["monitor"], second_factor=True)
    agreement = agreements.agreement_list_for(actor=liaison).filter(code=CODE).first()
    if agreement is None or agreement.status != "in_force":
        return
    now = clock.now()
    people = [
        _person(liaison, 1, "María Fernanda", "Castillo", "Ramírez", "F", "HN", ["es"]),
        _person(liaison, 2, "José Luis", "Hernández", "Pérez", "M", "GT", ["es"]),
        _person(liaison, 3, "Rose-Marie", "Jean-Baptiste", "", "F", "HT", ["ht", "fr"]),
        _person(liaison, 4, "Wilmer Antonio", "Reyes", "Zelaya", "M", "HN", ["es"]),
    ]
    arrived = now - dt.timedelta(days=12)
    cases = [
        services.case_open_on_arrival(
            actor=reception, person_id=p.pk, agreement=agreement, arrived_at=arrived
        )
        for p in people
    ]
    maria, jose, rose, wilmer = cases
    # María Fernanda: briefed, has a code and PIN, and complained on the self-service page.
    services.case_rights_brief(
        actor=caseworker, case=maria, language="es", briefed_at=arrived + dt.timedelta(days=2)
    )
    services.personal_code_issue(
        actor=caseworker, case=maria, code=SELF_SERVICE_CODE, pin=SELF_SERVICE_PIN
    )
    services.self_service_complaint_file(
        personal_code=services.self_service_sign_in(
            code=SELF_SERVICE_CODE, pin=SELF_SERVICE_PIN, client="demo"
        ),
        content="En la unidad B1 no hay agua caliente desde hace una semana y nadie responde.",
        language="es",
    )
    # José Luis: claim refused at first instance, served in Spanish, appealed; an attempt to
    # send him to a third country was refused by the lock.
    services.case_rights_brief(
        actor=caseworker, case=jose, language="es", briefed_at=arrived + dt.timedelta(days=1)
    )
    services.case_claim_lodge(actor=caseworker, case=jose, details="Amenazas de una pandilla.")
    services.interview_record(
        actor=caseworker,
        case=jose,
        held_at=arrived + dt.timedelta(days=5),
        interpreter_language="es",
        legal_representative="Lic. Ana Pérez (Legal Aid Forum)",
    )
    d = services.decision_record(
        actor=caseworker,
        case=jose,
        level="first_instance",
        result="refused",
        reasons=REASONS_REFUSED,
        decided_on=clock.today_local() - dt.timedelta(days=3),
    )
    services.decision_serve(actor=caseworker, decision=d, language="es")
    services.case_appeal_lodge(actor=caseworker, case=jose)
    services.service_referral_add(
        actor=caseworker,
        case=jose,
        kind="legal_aid",
        provider="Legal Aid Forum",
        referred_on=clock.today_local(),
    )
    with contextlib.suppress(Refoulement):
        services.departure_record(
            actor=caseworker, case=jose, destination="UG", departs_on=clock.today_local()
        )
    # Rose-Marie: granted status (served in French through a Haitian Creole interpreter), closed.
    services.case_rights_brief(
        actor=caseworker, case=rose, language="ht", briefed_at=arrived + dt.timedelta(days=1)
    )
    services.case_claim_lodge(actor=caseworker, case=rose)
    services.interview_record(
        actor=caseworker,
        case=rose,
        held_at=arrived + dt.timedelta(days=4),
        interpreter_language="ht",
        waiver_reference="WAIVER-2026-0007",
    )
    d = services.decision_record(
        actor=caseworker,
        case=rose,
        level="first_instance",
        result="granted",
        reasons=REASONS_GRANTED,
        decided_on=clock.today_local(),
    )
    services.decision_serve(actor=caseworker, decision=d, language="ht", interpreter_language="ht")
    services.milestone_add(
        actor=caseworker, case=rose, kind="language_basic", reached_on=clock.today_local()
    )
    services.case_close(
        actor=caseworker,
        case=rose,
        outcome="status_granted",
        reason="Status granted; support ends.",
    )
    # Wilmer Antonio: arrived, rights briefing overdue (in the monitor's inbox).
    del wilmer
    services.observation_write(
        actor=monitor,
        kind="observation",
        title="Visit to Hope Hostel",
        body="Units clean; hot water missing in unit B1; residents know how to complain.",
        observed_on=clock.today_local(),
    )
