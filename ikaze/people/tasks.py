"""Background jobs of the registry (run by `ikaze worker`)."""

from __future__ import annotations

import uuid

from django.db import transaction
from django_tasks import task

from ikaze.accounts.actor import command_line_actor
from ikaze.people import identity
from ikaze.people.models import IdentityDocument, Person
from ikaze.people.services import ScoredPair, match_candidates_propose

# Who the audit chain names for the rescoring job: no person, token or organisation.
RESCORE_JOB = command_line_actor(roles=frozenset(), label="system:rescore")


def person_rescore(*, person_ids: list[str]) -> int:
    """Score people against the registry again; store likely matches as candidates."""
    pairs: list[ScoredPair] = []
    people = Person.objects.filter(pk__in=[uuid.UUID(i) for i in person_ids])
    docs = dict(
        IdentityDocument.objects.filter(person__in=people)
        .order_by("person_id", "kind")
        .values_list("person_id", "number")
    )
    for person in people:
        record = identity.record_of(person, document_number=docs.get(person.pk))
        for other, prob in identity.match_record(record, top=5):
            if other != person.pk and prob >= identity.CANDIDATE_THRESHOLD:
                pairs.append(ScoredPair(person.pk, other, prob))
    with transaction.atomic():
        return len(match_candidates_propose(actor=RESCORE_JOB, pairs=pairs, source="rescore"))


@task()
def person_rescore_task(person_ids: list[str]) -> int:
    return person_rescore(person_ids=person_ids)
