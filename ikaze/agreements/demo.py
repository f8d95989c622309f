"""Demo agreements: real arrangements with their public figures (SAFEGUARDS.md, last section).

Built through the services, as an administrator and a finance officer would. Where a public
source gives no date or amount (instalment dates, the stipend), the note says it is a demo value.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ikaze.accounts.access import Role
from ikaze.accounts.actor import Actor, actor_for_user, command_line_actor
from ikaze.accounts.models import Organisation, User
from ikaze.agreements import services
from ikaze.agreements.models import Agreement

D = dt.date


def _walk(admin: Actor, agreement: Agreement, steps: list[tuple[str, str]]) -> Agreement:
    for to, reason in steps:
        agreement = services.agreement_transition(
            actor=admin, agreement=agreement, to=to, reason=reason
        )
    return agreement


def _create(admin: Actor, code: str, **fields: Any) -> Agreement:
    return services.agreement_create(actor=admin, code=code, fields=fields)


# What Rwanda's notices name (issue 11 item 14), per sending state: the authorities with
# their articles, in the four notice languages. The Kinyarwanda texts need review by a native
# translator (docs/adr/0003). Addresses and post-office boxes are demo values.
_SENDING_AUTHORITIES: dict[str, dict[str, str]] = {
    "US": {
        "en": "the authorities of the United States",
        "es": "las autoridades de los Estados Unidos",
        "fr": "les autorités des États-Unis",
        "rw": "inzego z’ubuyobozi za Leta Zunze Ubumwe z’Amerika",
    },
    "GB": {
        "en": "the authorities of the United Kingdom",
        "es": "las autoridades del Reino Unido",
        "fr": "les autorités du Royaume-Uni",
        "rw": "inzego z’ubuyobozi z’Ubwami bw’Ubwongereza",
    },
}
_AGREEMENT_NAMES: dict[str, dict[str, str]] = {
    "US": {
        "en": "the arrangement between the United States and Rwanda on the relocation of "
        "third-country nationals",
        "es": "el acuerdo entre los Estados Unidos y Ruanda sobre el traslado de nacionales de "
        "terceros países",
        "fr": "l’arrangement entre les États-Unis et le Rwanda relatif à la relocalisation de "
        "ressortissants de pays tiers",
        "rw": "amasezerano hagati ya Leta Zunze Ubumwe z’Amerika n’u Rwanda yerekeye kwimura "
        "abenegihugu b’ibindi bihugu",
    },
    "GB": {
        "en": "the Migration and Economic Development Partnership between the United Kingdom "
        "and Rwanda",
        "es": "la Asociación para la Migración y el Desarrollo Económico entre el Reino Unido y "
        "Ruanda",
        "fr": "le Partenariat pour la migration et le développement économique entre le "
        "Royaume-Uni et le Rwanda",
        "rw": "Ubufatanye mu by’Abimukira n’Iterambere ry’Ubukungu hagati y’Ubwongereza n’u Rwanda",
    },
}


def rwanda_notice_settings(sending_state: str) -> dict[str, Any]:
    """The notice settings of an agreement under which Rwanda receives people from
    `sending_state` (US or GB; another state is named as "the sending state", for tests)."""
    other = {
        "en": "the authorities of the sending state",
        "es": "las autoridades del Estado de envío",
        "fr": "les autorités de l’État d’envoi",
        "rw": "inzego z’ubuyobozi z’igihugu cyohereza",
    }
    return {
        "agreement_name": _AGREEMENT_NAMES.get(
            sending_state,
            {
                "en": "the relocation agreement",
                "es": "el acuerdo de traslado",
                "fr": "l’accord de relocalisation",
                "rw": "amasezerano yo kwimura abantu",
            },
        ),
        "sending_authority": _SENDING_AUTHORITIES.get(sending_state, other),
        "receiving_authority": {
            "en": "the Government of the Republic of Rwanda",
            "es": "el Gobierno de la República de Ruanda",
            "fr": "le Gouvernement de la République du Rwanda",
            "rw": "Guverinoma ya Repubulika y’u Rwanda",
        },
        "issuing_office": {
            "en": "Directorate General of Immigration and Emigration",
            "es": "Dirección General de Inmigración y Emigración",
            "fr": "Direction générale de l’immigration et de l’émigration",
            "rw": "Urwego Rukuru rushinzwe Abinjira n’Abasohoka mu Gihugu",
        },
        "address": "KG 7 Ave, Kacyiru, B.P. 6229, Kigali, Rwanda",
        "place": "Kigali",
        "appeal_body": {
            "en": "the Appeals Secretariat of the Ministry in charge of Emergency Management",
            "es": "la Secretaría de Recursos del Ministerio de Gestión de Emergencias",
            "fr": "le Secrétariat des recours du Ministère en charge de la gestion des urgences",
            "rw": "Ubunyamabanga bushinzwe ubujurire bwa Minisiteri ishinzwe Ubutabazi",
        },
        "appeal_contact": "KG 7 Ave, B.P. 4386, Kigali",
        "legal_aid_provider": {
            "en": "the Rwanda Legal Aid Forum",
            "es": "el Foro de Asistencia Jurídica de Ruanda",
            "fr": "le Forum d’aide juridique du Rwanda",
            "rw": "Ihuriro ry’Ubufasha mu by’Amategeko mu Rwanda",
        },
        "legal_aid_contact": "KN 2 Ave, B.P. 2345, Kigali",
        "monitor": {
            "en": "the Independent Monitoring Committee",
            "es": "el Comité de Supervisión Independiente",
            "fr": "le Comité de suivi indépendant",
            "rw": "Komite Yigenga Ishinzwe Igenzura",
        },
        "monitor_contact": "KN 3 Rd, B.P. 7105, Kigali",
    }


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    finance = actor_for_user(users["finance"])
    _us_rwanda(admin, finance)
    _uk_rwanda(admin, finance)
    # Agreements between two other states are public figures for comparison: no Rwandan
    # officer may write them (issue 9 item 10), so the loader records them as an operator's
    # import of the public record.
    _others(command_line_actor(roles=frozenset({Role.ADMIN}), label="demo: public record"))


def _us_rwanda(admin: Actor, finance: Actor) -> None:
    a = _create(
        admin,
        "US-RW-2025",
        title="United States–Rwanda arrangement on the relocation of third-country nationals",
        sending_state="US",
        receiving_state="RW",
        instrument=Agreement.Instrument.ARRANGEMENT,
        instrument_reference="Bilateral arrangement, 2025",
        currency="USD",
        cap_total=250,
        relocated_before_system=7,
        description=(
            "Up to 250 people. Rwanda approves each person individually (SAFEGUARDS A5). "
            "Rwanda provides training, healthcare and accommodation support; the United States "
            "provides about USD 7.5 million.\n"
            "7 people were reported to have arrived in August 2025, before Ikaze recorded "
            "movements; they occupy 7 places under the cap."
        ),
    )
    services.tranche_add(
        actor=admin,
        agreement=a,
        label="2025–2026",
        starts_on=D(2025, 1, 1),
        ends_on=D(2026, 12, 31),
        cap=250,
    )
    for kind, description, amount, currency, frequency, months in [
        ("accommodation", "Furnished accommodation on arrival", None, "", "once", 12),
        ("healthcare", "Health insurance and primary care", None, "", "monthly", 12),
        ("training", "Vocational training and language classes", None, "", "once", None),
        (
            "stipend",
            "Monthly stipend paid by mobile money (demo amount)",
            60_000,
            "RWF",
            "monthly",
            6,
        ),
    ]:
        services.support_item_add(
            actor=admin,
            agreement=a,
            kind=kind,
            description=description,
            amount_minor=amount,
            currency=currency,
            frequency=frequency,
            duration_months=months,
        )
    services.compensation_line_add(
        actor=admin,
        agreement=a,
        category="fixed",
        description="Grant to the Government of Rwanda (reported as about USD 7.5 million)",
        amount_minor=7_500_000_00,
        currency="USD",
    )
    a = services.agreement_notice_settings_set(
        actor=admin, agreement=a, settings=rwanda_notice_settings("US")
    )
    a = _walk(
        admin,
        a,
        [
            ("negotiating", "Terms proposed by the United States."),
            ("signed", "Arrangement signed by both governments (2025)."),
            ("in_force", "Arrangement in force; Rwanda approves each person."),
        ],
    )
    for _ in range(a.relocated_before_system):
        services.agreement_take_place(agreement=a, on=D(2025, 8, 28))
    services.interstate_payment_record(
        actor=finance,
        agreement=a,
        category="fixed",
        amount_minor=3_750_000_00,
        currency="USD",
        paid_on=D(2025, 9, 15),
        reference="US-RW-2025-GRANT-1",
        note="First half of the grant (demo instalment date).",
    )


def _uk_rwanda(admin: Actor, finance: Actor) -> None:
    a = _create(
        admin,
        "UK-RW-MEDP",
        title="UK–Rwanda Migration and Economic Development Partnership",
        sending_state="GB",
        receiving_state="RW",
        instrument=Agreement.Instrument.TREATY,
        instrument_reference=(
            "Memorandum of Understanding of April 2022; Treaty signed 5 December 2023"
        ),
        currency="GBP",
        cap_total=None,  # the partnership was uncapped
        relocated_before_system=4,
        valid_from=D(2022, 4, 14),
        description=(
            "Uncapped. About £700 million was spent in total for 4 volunteers relocated — not "
            "'£100 million for 1,000 Syrians'. £290 million of it was paid to Rwanda (recorded "
            "below as inter-state payments); the rest were the UK's own costs.\n"
            "Compensation: £370 million to the Economic Transformation and Integration Fund, "
            "£20,000 per person relocated, £120 million once 300 people had been relocated, and "
            "processing and integration costs of up to £150,874 per person.\n"
            "The UK Government ended the partnership in July 2024."
        ),
    )
    lines: list[tuple[str, str, int, int | None, bool | None]] = [
        ("fixed", "Economic Transformation and Integration Fund", 370_000_000_00, None, None),
        ("per_person", "Payment per person relocated", 20_000_00, None, None),
        ("milestone", "Payment once 300 people have been relocated", 120_000_000_00, 300, None),
        (
            "processing",
            "Processing and integration costs, up to £150,874 per person",
            150_874_00,
            None,
            True,
        ),
    ]
    for category, description, amount, trigger, per_person in lines:
        services.compensation_line_add(
            actor=admin,
            agreement=a,
            category=category,
            description=description,
            amount_minor=amount,
            currency="GBP",
            trigger_people=trigger,
            per_person=per_person,
        )
    a = services.agreement_notice_settings_set(
        actor=admin, agreement=a, settings=rwanda_notice_settings("GB")
    )
    a = _walk(
        admin,
        a,
        [
            ("signed", "Memorandum of Understanding signed in April 2022."),
            ("in_force", "In force under the MoU from April 2022; Treaty signed 5 December 2023."),
        ],
    )
    for category, amount, paid_on, reference, note in [
        ("fixed", 120_000_000_00, D(2022, 4, 14), "UK-RW-ETIF-2022", "ETIF, first payment."),
        (
            "processing",
            20_000_000_00,
            D(2022, 5, 31),
            "UK-RW-PROC-2022",
            "Advance on processing costs.",
        ),
        ("fixed", 100_000_000_00, D(2023, 4, 3), "UK-RW-ETIF-2023", "ETIF, 2023–24 payment."),
        ("fixed", 50_000_000_00, D(2024, 4, 2), "UK-RW-ETIF-2024", "ETIF, 2024–25 payment."),
    ]:
        services.interstate_payment_record(
            actor=finance,
            agreement=a,
            category=category,
            amount_minor=amount,
            currency="GBP",
            paid_on=paid_on,
            reference=reference,
            note=f"{note} (Instalment date is a demo value.)",
        )
    _walk(admin, a, [("terminated", "The UK Government ended the partnership in July 2024.")])


def _others(admin: Actor) -> None:
    peru = _create(
        admin,
        "US-PE-2025",
        title="United States–Peru: proposed reception of third-country nationals",
        sending_state="US",
        receiving_state="PE",
        description="Peru declined to receive third-country nationals deported by the United States.",
    )
    _walk(
        admin,
        peru,
        [
            ("negotiating", "Request received from the United States."),
            ("declined", "Peru declined (2025)."),
        ],
    )
    accepted = [
        (
            "US-CR-2025",
            "United States–Costa Rica: reception of third-country nationals",
            "CR",
            200,
            "Costa Rica accepted about 200 third-country deportees in 2025 (figure rounded).",
            {},
        ),
        (
            "US-SZ-2025",
            "United States–Eswatini: reception of third-country nationals",
            "SZ",
            5,
            "Eswatini accepted third-country nationals in 2025; 5 people were reported to have "
            "arrived in July 2025. The notice period is 1 day — far below the 10-day standard "
            "(D.V.D. order of 21 May 2025; an ICE memo of 9 July 2025 allows 24 hours).",
            {"notice_period_days": 1},
        ),
        (
            "US-GH-2025",
            "United States–Ghana: reception of West African nationals",
            "GH",
            14,
            "Ghana accepted West African nationals deported by the United States in 2025; 14 "
            "people were reported to have arrived in September 2025.",
            {},
        ),
    ]
    for code, title, receiving, relocated, description, extra in accepted:
        a = _create(
            admin,
            code,
            title=title,
            sending_state="US",
            receiving_state=receiving,
            relocated_before_system=relocated,
            description=description,
            **extra,
        )
        _walk(
            admin,
            a,
            [
                ("signed", "Accepted by the receiving state (2025)."),
                ("in_force", "Transfers under way (2025)."),
            ],
        )
