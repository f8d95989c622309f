"""Demo: one manifest from the United States with rejected rows and likely duplicates."""

from __future__ import annotations

from ikaze.accounts.actor import Actor, actor_for_user
from ikaze.accounts.models import Organisation, User
from ikaze.agreements.models import Agreement
from ikaze.intake import services
from ikaze.intake.manifest import COLUMN_NAMES
from ikaze.people.models import Person

CODE = "US-RW-2025"


def _csv(rows: list[dict[str, str]]) -> bytes:
    import io

    from ikaze.core.spreadsheet import csv_writer

    out = io.StringIO()
    w = csv_writer(out)
    w.writerow(COLUMN_NAMES)
    for r in rows:
        w.writerow([r.get(c, "") for c in COLUMN_NAMES])
    return out.getvalue().encode("utf-8")


def _like(person: Person, ref: str, **changes: str) -> dict[str, str]:
    doc = person.documents.first()
    row = {
        "external_reference": ref,
        "given_names": person.given_names,
        "first_surname": person.first_surname,
        "second_surname": person.second_surname,
        "sex": person.sex,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "nationalities": ";".join(person.nationalities),
        "languages": ";".join(person.languages),
        "document_type": "passport",
        "document_number": doc.number if doc else "",
        "document_issuing_state": doc.issuing_state if doc else "",
        "document_expiry": "2032-06-30",
    }
    row.update(changes)
    return row


def manifest_rows() -> list[dict[str, str]]:
    """The demo manifest: new people, two re-spelt known people, and three bad rows."""
    known = list(
        Person.objects.filter(external_reference__startswith="DHS-2025-000").order_by(
            "external_reference"
        )[:3]
    )
    rows = [
        {
            "external_reference": "DHS-2025-M0001",
            "given_names": "Brayan Josué",
            "first_surname": "Alvarado",
            "second_surname": "Chávez",
            "sex": "M",
            "date_of_birth": "1999-02-17",
            "nationalities": "HN",
            "languages": "es",
            "document_type": "passport",
            "document_number": "HN8812345",
            "document_issuing_state": "HN",
            "document_expiry": "2030-05-01",
            "place_of_birth": "Choluteca",
        },
        {
            "external_reference": "DHS-2025-M0002",
            "given_names": "Dayana",
            "first_surname": "Quiñónez",
            "second_surname": "Arboleda",
            "sex": "F",
            "date_of_birth": "1996-08",
            "nationalities": "EC",
            "languages": "es",
            "document_type": "passport",
            "document_number": "EC0456789",
            "document_issuing_state": "EC",
            "document_expiry": "2029-12-31",
            "place_of_birth": "Esmeraldas",
        },
        {
            "external_reference": "DHS-2025-M0003",
            "given_names": "Yordanis",
            "first_surname": "Pupo",
            "second_surname": "Leyva",
            "sex": "M",
            "date_of_birth": "1988",
            "nationalities": "CU",
            "languages": "es",
            "document_type": "travel_document",
            "document_number": "K223344",
            "document_issuing_state": "CU",
            "place_of_birth": "Holguín",
        },
        # Rejected: an ambiguous date, an unknown country code, a formula.
        {
            "external_reference": "DHS-2025-M0004",
            "given_names": "Nelson",
            "first_surname": "Funes",
            "second_surname": "Portillo",
            "sex": "M",
            "date_of_birth": "04/07/1990",
            "nationalities": "SV",
            "document_type": "passport",
            "document_number": "SV1122334",
            "document_issuing_state": "SV",
        },
        {
            "external_reference": "DHS-2025-M0005",
            "given_names": "Génesis",
            "first_surname": "Rivas",
            "second_surname": "Mora",
            "sex": "F",
            "date_of_birth": "2001-10-09",
            "nationalities": "VZ",
            "document_type": "passport",
            "document_number": "VE5566778",
            "document_issuing_state": "VE",
        },
        {
            "external_reference": "DHS-2025-M0006",
            "given_names": '=HYPERLINK("http://x")',
            "first_surname": "Tum",
            "sex": "M",
            "date_of_birth": "1979-12-12",
            "nationalities": "GT",
            "document_type": "passport",
            "document_number": "GT9988776",
            "document_issuing_state": "GT",
        },
    ]
    # Known people under another spelling and another reference: likely duplicates.
    if len(known) >= 2:
        a, b = known[0], known[1]
        rows.append(
            _like(
                a,
                "DHS-2025-M0007",
                given_names=_strip(a.given_names).upper(),
                first_surname=_strip(a.first_surname),
            )
        )
        rows.append(
            _like(b, "DHS-2025-M0008", given_names=_strip(b.given_names), second_surname="")
        )
    return rows


def _strip(text: str) -> str:
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def load(*, admin: Actor, orgs: dict[str, Organisation], users: dict[str, User]) -> None:
    agreement = Agreement.objects.filter(code=CODE, status="in_force").first()
    if agreement is None:
        return
    liaison = actor_for_user(users["liaison"])
    batch, _ = services.intake_batch_create(
        actor=liaison,
        agreement=agreement,
        file_name="dhs-manifest-2025-08.csv",
        content=_csv(manifest_rows()),
        enqueue=False,
    )
    services.intake_batch_run(batch_id=batch.pk)
