"""Demo: people referred by the United States under US-RW-2025 (seeded, deterministic).

Spanish and Latin-American naming: two surnames, compound given names, particles. Two
households with children. The referrals themselves are made in vetting/demo.py, the manifest
with its rejected rows and likely duplicates in intake/demo.py.
"""

from __future__ import annotations

import datetime as dt
import random

from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import Organisation, User
from ikaze.people.services import DocumentIn, PersonIn, household_add_member, person_create

SEED = 20250811

# (country, language(s), birthplaces)
COUNTRIES: list[tuple[str, list[str], list[str]]] = [
    ("MX", ["es"], ["Oaxaca", "Guadalajara", "Puebla", "Ciudad Juárez"]),
    ("GT", ["es", "quc"], ["Quetzaltenango", "Huehuetenango", "Cobán"]),
    ("HN", ["es"], ["San Pedro Sula", "Tegucigalpa", "La Ceiba"]),
    ("SV", ["es"], ["San Miguel", "Santa Ana", "Soyapango"]),
    ("CO", ["es"], ["Medellín", "Cali", "Barranquilla"]),
    ("EC", ["es"], ["Guayaquil", "Cuenca", "Quito"]),
    ("VE", ["es"], ["Maracaibo", "Valencia", "Barquisimeto"]),
    ("NI", ["es"], ["León", "Masaya", "Chinandega"]),
    ("CU", ["es"], ["Holguín", "Camagüey", "Santiago de Cuba"]),
    ("HT", ["ht", "fr"], ["Port-au-Prince", "Cap-Haïtien", "Les Cayes"]),
]
GIVEN_F = [
    "María José",
    "Ana Lucía",
    "Luz Marina",
    "Yesenia",
    "Karla Patricia",
    "Rosa Elena",
    "Daniela",
    "Gabriela",
    "María de los Ángeles",
    "Sofía",
]
GIVEN_M = [
    "José Luis",
    "Juan Carlos",
    "Wilmer",
    "Óscar Armando",
    "Luis Fernando",
    "Jorge",
    "Kevin Alexander",
    "Miguel Ángel",
    "Carlos Eduardo",
    "Edwin",
]
SURNAMES = [
    "García",
    "Hernández",
    "López",
    "Martínez",
    "Rodríguez",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Flores",
    "Castillo",
    "Mejía",
    "Orellana",
    "Velásquez",
    "de la Cruz",
    "del Cid",
    "Zúñiga",
    "Gómez",
    "Reyes",
    "Morales",
    "Aguilar",
]
HAITIAN_GIVEN_F = ["Marie-Claire", "Widline", "Nadège"]
HAITIAN_GIVEN_M = ["Jean-Robert", "Wesley", "Frantz"]
HAITIAN_SURNAMES = ["Joseph", "Pierre", "Louis", "Jean-Baptiste", "Charles"]

PEOPLE_COUNT = 30


def _person(
    rng: random.Random,
    n: int,
    *,
    country: str | None = None,
    sex: str | None = None,
    born: dt.date | None = None,
    surnames: tuple[str, str] | None = None,
) -> PersonIn:
    code, langs, places = (
        COUNTRIES[n % len(COUNTRIES)]
        if country is None
        else next(c for c in COUNTRIES if c[0] == country)
    )
    sex = sex or rng.choice("FM")
    if code == "HT":
        given = rng.choice(HAITIAN_GIVEN_F if sex == "F" else HAITIAN_GIVEN_M)
        first, second = surnames or (rng.choice(HAITIAN_SURNAMES), "")
    else:
        given = rng.choice(GIVEN_F if sex == "F" else GIVEN_M)
        first, second = surnames or tuple(rng.sample(SURNAMES, 2))
    born = born or dt.date(rng.randint(1968, 2004), rng.randint(1, 12), rng.randint(1, 28))
    doc_no = f"{code}{rng.randint(1000000, 9999999)}"
    return PersonIn(
        given_names=given,
        first_surname=first,
        second_surname=second,
        name_as_in_documents=" ".join(p for p in (given, first, second) if p).upper(),
        sex=sex,
        date_of_birth=born,
        place_of_birth=f"{rng.choice(places)}",
        nationalities=[code],
        languages=langs,
        needs_interpreter=code == "HT",
        external_reference=f"DHS-2025-{n:05d}",
        documents=[DocumentIn("passport", doc_no, code, dt.date(2031, rng.randint(1, 12), 1))],
    )


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    liaison = actor_for_user(users["liaison"])
    rng = random.Random(SEED)
    for n in range(1, PEOPLE_COUNT + 1):
        data = _person(rng, n)
        if n == 7:
            data.health = "Type 2 diabetes; needs insulin."
            data.health_consent = True
        if n == 12:
            data.vulnerabilities = "Survivor of trafficking; prefers a female interviewer."
        person_create(actor=liaison, data=data, rescore=False)
    # Two households with children (SAFEGUARDS A7: they move together).
    families = [
        (
            "HH-US-0001",
            "GT",
            ("Velásquez", "Ixcoy"),
            [
                ("M", dt.date(1984, 5, 2), "head", ""),
                ("F", dt.date(1987, 9, 14), "spouse", "wife"),
                ("F", dt.date(2012, 1, 30), "child", "daughter"),
                ("M", dt.date(2016, 7, 8), "child", "son"),
            ],
        ),
        (
            "HH-US-0002",
            "HN",
            ("Zúñiga", "Paz"),
            [
                ("F", dt.date(1991, 3, 21), "head", ""),
                ("M", dt.date(2019, 11, 3), "child", "son"),
            ],
        ),
    ]
    n = 100
    for reference, country, surnames, members in families:
        for sex, born, role, relationship in members:
            n += 1
            data = _person(rng, n, country=country, sex=sex, born=born, surnames=surnames)
            person = person_create(actor=liaison, data=data, rescore=False)
            household_add_member(
                actor=liaison,
                reference=reference,
                person=person,
                role=role,
                relationship=relationship,
            )
