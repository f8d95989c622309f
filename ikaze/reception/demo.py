"""The reception part of the demo: two facilities in Kigali and Bugesera with their units
(beds, accessible, family, shared by sex) and the services around them."""

from __future__ import annotations

from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import Organisation, User
from ikaze.reception import services

FACILITIES = [
    (
        "Hope Hostel",
        "Gasabo",
        "KG 7 Ave, Kigali",
        "+250 788 000 111",
        [("clinic", 0.0), ("school", 1.2), ("legal_aid", 3.5), ("market", 0.4)],
        [
            ("A1", 6, True, True, ""),
            ("A2", 5, False, True, ""),
            ("A3", 4, True, True, ""),
            ("B1", 8, False, False, "F"),
            ("B2", 8, False, False, "M"),
            ("C1", 3, True, False, ""),
        ],
    ),
    (
        "Bugesera Reception Centre",
        "Bugesera",
        "Nyamata, Bugesera District",
        "+250 788 000 222",
        [("clinic", 2.0), ("school", 0.8), ("legal_aid", 25.0)],
        [("H1", 7, False, True, ""), ("H2", 7, True, True, ""), ("D1", 10, False, False, "M")],
    ),
]


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    officer = actor_for_user(users["reception"])
    for name, district, address, contact, near, units in FACILITIES:
        facility = services.facility_create(
            actor=officer,
            name=name,
            district=district,
            address=address,
            contact=contact,
            services=[{"service": s, "on_site": km == 0, "km": km} for s, km in near],
        )
        for label, beds, accessible, family, shared in units:
            services.unit_add(
                actor=officer,
                facility=facility,
                label=label,
                beds=beds,
                accessible=accessible,
                family_suitable=family,
                shared_by=shared,
            )
