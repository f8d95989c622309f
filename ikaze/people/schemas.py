"""API shapes of the registry."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from ninja import Schema

from ikaze.core.text import IsoDate, ModelText
from ikaze.people.models import IdentityDocument, MatchCandidate, MatchDecision, Person


class DocumentOut(Schema):
    kind: str
    number: str
    issuing_state: str
    expiry: dt.date | None


class DocumentIn(Schema):
    kind: Annotated[str, ModelText(IdentityDocument, "kind", required=True)]
    number: Annotated[str, ModelText(IdentityDocument, "number", required=True)]
    issuing_state: Annotated[str, ModelText(IdentityDocument, "issuing_state", required=True)]
    expiry: IsoDate | None = None


class PersonOut(Schema):
    id: uuid.UUID
    given_names: str
    first_surname: str
    second_surname: str
    full_name: str
    name_as_in_documents: str
    aliases: list[str]
    sex: str
    date_of_birth: dt.date | None
    dob_precision: str
    place_of_birth: str
    nationalities: list[str]
    languages: list[str]
    needs_interpreter: bool
    phone: str
    external_reference: str
    identity_cluster: uuid.UUID
    documents: list[DocumentOut]


class PersonPage(Schema):
    items: list[PersonOut]
    page: int
    pages: int
    total: int


class MatchHit(Schema):
    person_id: uuid.UUID
    full_name: str
    date_of_birth: dt.date | None
    nationalities: list[str]
    external_reference: str
    probability: float


class CandidateOut(Schema):
    id: uuid.UUID
    person_a: PersonOut
    person_b: PersonOut
    probability: float
    match_weight: float
    status: str
    source: str
    decided_at: dt.datetime | None
    reason: str


class ExplanationField(Schema):
    comparison: str
    label: str
    level: str
    weight: float


class Explanation(Schema):
    prior_weight: float
    match_weight: float
    probability: float
    fields: list[ExplanationField]


class CandidateExplainedOut(CandidateOut):
    explanation: Explanation


class CandidatePage(Schema):
    items: list[CandidateOut]
    page: int
    pages: int
    total: int


class DecideIn(Schema):
    outcome: Annotated[str, ModelText(MatchDecision, "outcome", required=True)]
    reason: Annotated[str, ModelText(MatchDecision, "reason", required=True)]


def document_out(d: IdentityDocument) -> dict[str, Any]:
    return {
        "kind": d.kind,
        "number": d.number,
        "issuing_state": d.issuing_state,
        "expiry": d.expiry,
    }


def person_out(p: Person) -> dict[str, Any]:
    return {
        "id": p.pk,
        "given_names": p.given_names,
        "first_surname": p.first_surname,
        "second_surname": p.second_surname,
        "full_name": p.full_name,
        "name_as_in_documents": p.name_as_in_documents,
        "aliases": list(p.aliases),
        "sex": p.sex,
        "date_of_birth": p.date_of_birth,
        "dob_precision": p.dob_precision,
        "place_of_birth": p.place_of_birth,
        "nationalities": list(p.nationalities),
        "languages": list(p.languages),
        "needs_interpreter": p.needs_interpreter,
        "phone": p.phone,
        "external_reference": p.external_reference,
        "identity_cluster": p.identity_cluster,
        "documents": [document_out(d) for d in p.documents.all()],
    }


def candidate_out(c: MatchCandidate) -> dict[str, Any]:
    return {
        "id": c.pk,
        "person_a": person_out(c.person_a),
        "person_b": person_out(c.person_b),
        "probability": c.probability,
        "match_weight": c.match_weight,
        "status": c.status,
        "source": c.source,
        "decided_at": c.decided_at,
        "reason": c.reason,
    }
