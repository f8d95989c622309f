import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema

from config.api import ErrorOut
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.core.pagination import paginate
from ikaze.people import selectors, services
from ikaze.people.schemas import (
    CandidateExplainedOut,
    CandidateOut,
    CandidatePage,
    DecideIn,
    MatchHit,
    PersonOut,
    PersonPage,
    candidate_out,
    person_out,
)

router = GuardedRouter(tags=["people"])

_READ = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class ListQuery(Schema):
    q: str = ""
    nationality: str = ""
    page: int = 1
    size: int = 50


class MatchQuery(Schema):
    given_names: str = ""
    first_surname: str = ""
    second_surname: str = ""
    sex: str = ""
    date_of_birth: str = ""
    nationality: str = ""
    document_number: str = ""
    top: int = 5


class CandidateQuery(Schema):
    status: str = "open"
    page: int = 1
    size: int = 50


@router.get("", perm=Perm.PERSON_VIEW, response={200: PersonPage, **_READ})
def list_people(request: HttpRequest, query: Query[ListQuery]) -> Any:
    """List the people you may see (a sending state sees only those it referred)."""
    actor = actor_of(request)
    qs = selectors.person_list_for(actor=actor, q=query.q, nationality=query.nationality)
    page = paginate(qs.prefetch_related("documents"), page=query.page, size=query.size)
    selectors.person_list_audited(actor=actor, people=page.items)
    return {
        "items": [person_out(p) for p in page.items],
        "page": page.number,
        "pages": page.pages,
        "total": page.total,
    }


@router.get("/match", perm=Perm.PERSON_VIEW, response={200: list[MatchHit], **_READ})
def match(request: HttpRequest, query: Query[MatchQuery]) -> Any:
    """Is this person already known? The most likely registry records, best first."""
    record = {
        "given_names": query.given_names.strip() or None,
        "first_surname": query.first_surname.strip() or None,
        "second_surname": query.second_surname.strip() or None,
        "sex": query.sex.strip().upper() or None,
        "date_of_birth": query.date_of_birth.strip()
        if len(query.date_of_birth.strip()) == 10
        else None,
        "nationality": query.nationality.strip().upper()[:2] or None,
        "document_number": query.document_number.strip().upper() or None,
    }
    record["full_name"] = (
        " ".join(
            v
            for v in (record["given_names"], record["first_surname"], record["second_surname"])
            if v
        )
        or None
    )
    hits = selectors.person_match_for(
        actor=actor_of(request), record=record, top=max(1, min(query.top, 20))
    )
    return [
        {
            "person_id": p.pk,
            "full_name": p.full_name,
            "date_of_birth": p.date_of_birth,
            "nationalities": list(p.nationalities),
            "external_reference": p.external_reference,
            "probability": round(prob, 4),
        }
        for p, prob in hits
    ]


@router.get("/match-candidates", perm=Perm.MATCH_ADJUDICATE, response={200: CandidatePage, **_READ})
def list_candidates(request: HttpRequest, query: Query[CandidateQuery]) -> Any:
    """Pairs that may be the same person, most likely first."""
    qs = selectors.match_candidate_list_for(actor=actor_of(request), status=query.status)
    page = paginate(
        qs.prefetch_related("person_a__documents", "person_b__documents"),
        page=query.page,
        size=query.size,
    )
    return {
        "items": [candidate_out(c) for c in page.items],
        "page": page.number,
        "pages": page.pages,
        "total": page.total,
    }


@router.get(
    "/match-candidates/{matchcandidate_id}",
    perm=Perm.MATCH_ADJUDICATE,
    response={200: CandidateExplainedOut, **_READ},
)
def get_candidate(request: HttpRequest, matchcandidate_id: uuid.UUID) -> Any:
    """One pair, with why it was proposed: each comparison's agreement level and weight."""
    actor = actor_of(request)
    candidate = selectors.match_candidate_get_for(actor=actor, candidate_id=matchcandidate_id)
    return {
        **candidate_out(candidate),
        "explanation": selectors.match_candidate_explanation_for(actor=actor, candidate=candidate),
    }


@router.post(
    "/match-candidates/{matchcandidate_id}/decide",
    perm=Perm.MATCH_ADJUDICATE,
    response={200: CandidateOut, **_READ, 409: ErrorOut, 422: ErrorOut},
)
def decide(request: HttpRequest, matchcandidate_id: uuid.UUID, payload: DecideIn) -> Any:
    """Decide a pair: same (records linked, both kept) or not_same (remembered)."""
    actor = actor_of(request)
    candidate = selectors.match_candidate_get_for(actor=actor, candidate_id=matchcandidate_id)
    services.match_candidate_decide(
        actor=actor, candidate=candidate, outcome=payload.outcome, reason=payload.reason
    )
    return candidate_out(selectors.match_candidate_get_for(actor=actor, candidate_id=candidate.pk))


@router.get("/{person_id}", perm=Perm.PERSON_VIEW, response={200: PersonOut, **_READ})
def get_person(request: HttpRequest, person_id: uuid.UUID) -> Any:
    """One person's record."""
    return person_out(selectors.person_get_for(actor=actor_of(request), person_id=person_id))
