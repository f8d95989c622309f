"""Writes to the person registry and identity-resolution decisions. Every write is audited."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction
from django.utils.translation import gettext

from ikaze.accounts.access import OrgKind, Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.audit.services import EventSpec, audit_record, audit_record_many
from ikaze.core import clock
from ikaze.core.bulk import in_chunks, insert_rows
from ikaze.core.errors import Conflict, IllegalTransition, NotFound, ValidationError
from ikaze.core.on_commit import task_enqueue_on_commit
from ikaze.core.text import normalise_text, text_problem, text_problems
from ikaze.people import locks
from ikaze.people import validation as v
from ikaze.people.models import (
    DatePrecision,
    Household,
    HouseholdMember,
    IdentityDocument,
    MatchCandidate,
    MatchDecision,
    Person,
    SensitiveData,
    Sex,
)
from ikaze.privacy import vault

# Changing any of these may make the record match (or stop matching) someone else.
IDENTITY_FIELDS = (
    "given_names",
    "first_surname",
    "second_surname",
    "sex",
    "date_of_birth",
    "dob_precision",
    "nationalities",
)
_EDITABLE = (
    *IDENTITY_FIELDS,
    "name_as_in_documents",
    "aliases",
    "place_of_birth",
    "languages",
    "needs_interpreter",
    "phone",
)


@dataclass(frozen=True)
class DocumentIn:
    kind: str
    number: str
    issuing_state: str
    expiry: dt.date | None = None


@dataclass
class PersonIn:
    """A person's fields as an interface received them (already typed, not yet checked)."""

    given_names: str
    first_surname: str
    second_surname: str = ""
    name_as_in_documents: str = ""
    aliases: list[str] = field(default_factory=list)
    sex: str = ""
    date_of_birth: dt.date | None = None
    dob_precision: str = DatePrecision.EXACT
    place_of_birth: str = ""
    nationalities: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    needs_interpreter: bool = False
    phone: str = ""
    external_reference: str = ""
    documents: list[DocumentIn] = field(default_factory=list)
    health: str = ""
    vulnerabilities: str = ""
    health_consent: bool = False


def person_clean(data: PersonIn, *, today: dt.date | None = None) -> dict[str, list[str]]:
    """Return field errors of a person's data (empty when valid); normalise `data` in place."""
    today = today or clock.today_local()
    errors: dict[str, list[str]] = {}

    def add(name: str, reason: str) -> None:
        errors.setdefault(name, []).append(reason)

    # Limits and characters first, on the values as typed (issue 9 item 15): the same on
    # SQLite, which would store anything, and PostgreSQL, which refuses a NUL with an error.
    # Normalised first: the limits hold what is stored (an upper-cased "ß" is "SS").
    _normalise(data)
    errors.update(_text_errors(data))
    data.given_names = " ".join(data.given_names.split())
    data.first_surname = " ".join(data.first_surname.split())
    data.second_surname = " ".join(data.second_surname.split())
    if not data.given_names:
        add("given_names", gettext("Given names are required."))
    if not data.first_surname:
        add("first_surname", gettext("The first surname is required."))
    if data.sex and data.sex not in Sex.values:
        add(
            "sex",
            gettext("%(value)s is not one of %(choices)s.")
            % {"value": repr(data.sex), "choices": ", ".join(Sex.values)},
        )
    if data.dob_precision not in DatePrecision.values:
        add(
            "dob_precision",
            gettext("%(value)s is not a date precision.") % {"value": repr(data.dob_precision)},
        )
    if data.date_of_birth is not None:
        if data.date_of_birth > today:
            add("date_of_birth", gettext("The date of birth is in the future."))
        elif data.date_of_birth.year < v.EARLIEST_BIRTH_YEAR:
            add(
                "date_of_birth",
                gettext("The date of birth is before %(year)s.") % {"year": v.EARLIEST_BIRTH_YEAR},
            )
    for name, check in (("nationalities", v.countries), ("languages", v.languages)):
        try:
            setattr(data, name, check(getattr(data, name)))
        except v.FieldProblem as exc:
            add(name, exc.text())
    try:
        data.phone = v.phone(data.phone)
    except v.FieldProblem as exc:
        add("phone", exc.text())
    data.aliases = [a.strip() for a in data.aliases if a.strip()]
    for i, doc in enumerate(data.documents):
        if doc.kind not in IdentityDocument.Kind.values:
            add(
                f"documents.{i}.kind",
                gettext("%(value)s is not a document type.") % {"value": repr(doc.kind)},
            )
        if not doc.number.strip():
            add(f"documents.{i}.number", gettext("The document number is required."))
        if doc.issuing_state.strip().upper() not in v.country_codes():
            add(
                f"documents.{i}.issuing_state",
                gettext("%(value)s is not a country code.") % {"value": repr(doc.issuing_state)},
            )
    # SAFEGUARDS A4: health data only with consent.
    if data.health.strip() and not data.health_consent:
        add("health", gettext("Health information may only be shared with the person's consent."))
    return errors


_TEXT_FIELDS = (
    "given_names",
    "first_surname",
    "second_surname",
    "name_as_in_documents",
    "place_of_birth",
    "external_reference",
    "health",
    "vulnerabilities",
)


def _normalise(data: PersonIn) -> None:
    # One form for every path (forms, API, manifests): NFC (ikaze.core.text).
    for name in _TEXT_FIELDS:
        setattr(data, name, normalise_text(getattr(data, name)))
    data.aliases = [normalise_text(a) for a in data.aliases]
    data.documents = [
        DocumentIn(
            kind=d.kind,
            number=normalise_text(d.number.strip().upper()),
            issuing_state=d.issuing_state,
            expiry=d.expiry,
        )
        for d in data.documents
    ]


@dataclass(frozen=True)
class SensitiveIn:
    """A person's sensitive values in plaintext, on their way to the sealed columns."""

    person_id: uuid.UUID
    health: str
    vulnerabilities: str
    health_consent: bool


SENSITIVE_COLUMNS = ("health", "vulnerabilities")


def sensitive_data_store(entries: Sequence[SensitiveIn]) -> None:
    """THE write path of sensitive data (SAFEGUARDS D1): the one function that puts health and
    vulnerabilities into the database, for a page, the API and the bulk intake alike. Each
    value is sealed (ikaze.privacy.vault) before it leaves this function; a person's existing
    row is replaced, a person with nothing sensitive gets no row. Runs in the caller's
    transaction; the caller checked permission, text and consent, and audits the change."""
    if not entries:
        return
    kept = [e for e in entries if e.health or e.vulnerabilities]
    sealed = vault.seal_rows(
        SensitiveData,
        [
            {
                "person_id": e.person_id,
                "health": e.health,
                "vulnerabilities": e.vulnerabilities,
                "health_consent": e.health_consent,
            }
            for e in kept
        ],
        SENSITIVE_COLUMNS,
    )
    ids = [e.person_id for e in entries]
    for chunk in in_chunks(ids):
        SensitiveData.objects.filter(person_id__in=chunk).delete()
    insert_rows(
        SensitiveData,
        ("person_id", "health", "vulnerabilities", "health_consent"),
        [(r["person_id"], r["health"], r["vulnerabilities"], r["health_consent"]) for r in sealed],
    )


def _text_errors(data: PersonIn) -> dict[str, list[str]]:
    errors = text_problems(
        Person,
        {
            "given_names": data.given_names,
            "first_surname": data.first_surname,
            "second_surname": data.second_surname,
            "name_as_in_documents": data.name_as_in_documents,
            "place_of_birth": data.place_of_birth,
            "external_reference": data.external_reference,
        },
    )
    errors |= text_problems(
        SensitiveData, {"health": data.health, "vulnerabilities": data.vulnerabilities}
    )
    limited = [
        *((f"aliases.{i}", a, v.ALIAS_MAX_CHARS) for i, a in enumerate(data.aliases)),
        ("phone", data.phone, v.PHONE_INPUT_MAX_CHARS),
    ]
    for name, value, limit in limited:
        if problem := text_problem(value, max_length=limit):
            errors[name] = [problem.text()]
    for i, doc in enumerate(data.documents):
        for name, problems in text_problems(
            IdentityDocument, {"number": doc.number, "kind": doc.kind}
        ).items():
            errors[f"documents.{i}.{name}"] = problems
    return errors


def _snapshot(person: Person) -> dict[str, Any]:
    return {
        "given_names": person.given_names,
        "first_surname": person.first_surname,
        "second_surname": person.second_surname,
        "sex": person.sex,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
        "dob_precision": person.dob_precision,
        "nationalities": person.nationalities,
        "external_reference": person.external_reference,
    }


def _require_person_writer(actor: Actor, *, target_id: Any = "") -> None:
    # The sending state refers people; the receiving state corrects what it has verified.
    perm = Perm.REFERRAL_CREATE if actor.org_kind == OrgKind.SENDING_STATE else Perm.FACT_RECORD
    require(actor, perm, target_type="person", target_id=target_id)


@transaction.atomic
def person_create(*, actor: Actor, data: PersonIn, rescore: bool = True) -> Person:
    """Register a person (with documents and sensitive data) and queue an identity check."""
    _require_person_writer(actor)
    errors = person_clean(data)
    org = actor.organisation if actor.org_kind == OrgKind.SENDING_STATE else None
    if (
        data.external_reference
        and Person.objects.filter(
            sending_organisation=org, external_reference=data.external_reference
        ).exists()
    ):
        errors.setdefault("external_reference", []).append(
            gettext("A person with this reference is already registered by your organisation.")
        )
    if errors:
        raise ValidationError(gettext("The person's data is not valid."), details=errors)
    person = Person.objects.create(
        given_names=data.given_names,
        first_surname=data.first_surname,
        second_surname=data.second_surname,
        name_as_in_documents=data.name_as_in_documents.strip(),
        aliases=data.aliases,
        sex=data.sex,
        date_of_birth=data.date_of_birth,
        dob_precision=data.dob_precision,
        place_of_birth=data.place_of_birth.strip(),
        nationalities=data.nationalities,
        languages=data.languages,
        needs_interpreter=data.needs_interpreter,
        phone=data.phone,
        external_reference=data.external_reference.strip(),
        sending_organisation=org,
    )
    IdentityDocument.objects.bulk_create(
        [
            IdentityDocument(
                person=person,
                kind=d.kind,
                number=d.number.strip().upper(),
                issuing_state=d.issuing_state.strip().upper(),
                expiry=d.expiry,
            )
            for d in data.documents
        ]
    )
    sensitive_data_store(
        [
            SensitiveIn(
                person_id=person.pk,
                health=data.health.strip(),
                vulnerabilities=data.vulnerabilities.strip(),
                health_consent=data.health_consent,
            )
        ]
    )
    audit_record(
        actor=actor,
        action="person.create",
        target_type="person",
        target_id=person.pk,
        after={**_snapshot(person), "documents": len(data.documents)},
    )
    if rescore:
        _enqueue_rescore([person.pk])
    return person


@transaction.atomic
def person_update(*, actor: Actor, person: Person, changes: Mapping[str, Any]) -> Person:
    """Change a person's fields; a change of identity fields queues a fresh identity check."""
    _require_person_writer(actor, target_id=person.pk)
    unknown = sorted(set(changes) - set(_EDITABLE))
    if unknown:
        raise ValidationError(
            gettext("Some fields cannot be changed here."),
            details={k: [gettext("This field cannot be changed here.")] for k in unknown},
        )
    person = locks.person_lock(person.pk)
    data = PersonIn(
        given_names=person.given_names,
        first_surname=person.first_surname,
        second_surname=person.second_surname,
        name_as_in_documents=person.name_as_in_documents,
        aliases=list(person.aliases),
        sex=person.sex,
        date_of_birth=person.date_of_birth,
        dob_precision=person.dob_precision,
        place_of_birth=person.place_of_birth,
        nationalities=list(person.nationalities),
        languages=list(person.languages),
        needs_interpreter=person.needs_interpreter,
        phone=person.phone,
    )
    for k, val in changes.items():
        setattr(data, k, val)
    errors = person_clean(data)
    if errors:
        raise ValidationError(gettext("The person's data is not valid."), details=errors)
    before = _snapshot(person)
    changed: list[str] = []
    for k in changes:
        new = getattr(data, k)
        if getattr(person, k) != new:
            setattr(person, k, new)
            changed.append(k)
    if not changed:
        return person
    person.save(update_fields=[*changed, "updated_at"])
    audit_record(
        actor=actor,
        action="person.update",
        target_type="person",
        target_id=person.pk,
        before=before,
        after={**_snapshot(person), "changed": changed},
    )
    if set(changed) & set(IDENTITY_FIELDS):
        _enqueue_rescore([person.pk])
    # SAFEGUARDS F4: the person's findings, and their household's (a parent's date of birth
    # decides whether a child travels with an adult), read these fields.
    _people_changed(
        actor=actor, person_ids=[person.pk], change={"person": person.pk, "changed": changed}
    )
    return person


def person_attach_require(actor: Actor, person_id: uuid.UUID) -> Person:
    """The person, if the actor may attach documents to them: in the actor's scope and one
    the actor's side writes (the sending state its own people, the receiving side with
    FACT_RECORD)."""
    from ikaze.people.selectors import person_get_for

    person = person_get_for(actor=actor, person_id=person_id)
    _require_person_writer(actor, target_id=person.pk)
    return person


def register_person_documents() -> None:
    """Register with the documents app who reads and attaches documents to a person."""
    from ikaze.documents.models import TargetType
    from ikaze.documents.targets import register_target
    from ikaze.people.selectors import person_get_for

    def read(actor: Actor, pk: uuid.UUID) -> None:
        person_get_for(actor=actor, person_id=pk)

    register_target(TargetType.PERSON, read=read, attach=person_attach_require)


def _enqueue_rescore(person_ids: Sequence[uuid.UUID]) -> None:
    from ikaze.people.tasks import person_rescore_task

    task_enqueue_on_commit(person_rescore_task, person_ids=[str(i) for i in person_ids])


def canonical_pair(a: uuid.UUID, b: uuid.UUID) -> tuple[uuid.UUID, uuid.UUID]:
    """The stored order of a pair (the check constraint `person_a < person_b`)."""
    return (a, b) if a.int < b.int else (b, a)


@dataclass(frozen=True)
class ScoredPair:
    left: uuid.UUID
    right: uuid.UUID
    probability: float
    match_weight: float = 0.0


def match_candidates_propose(
    *, actor: Actor, pairs: Iterable[ScoredPair], source: str
) -> list[MatchCandidate]:
    """Store likely matches as open candidates; pairs already seen (decided or not) are skipped.

    Called inside the caller's transaction (intake, rescoring job). Never merges anything.
    """
    best: dict[tuple[uuid.UUID, uuid.UUID], ScoredPair] = {}
    for p in pairs:
        if p.left == p.right:
            continue
        key = canonical_pair(p.left, p.right)
        if key not in best or best[key].probability < p.probability:
            best[key] = p
    if not best:
        return []
    ids = {i for k in best for i in k}
    clusters: dict[uuid.UUID, uuid.UUID] = {}
    existing: set[tuple[uuid.UUID, uuid.UUID]] = set()
    id_list = list(ids)
    # In chunks: SQLite limits the parameters of one statement.
    for start in range(0, len(id_list), 500):
        chunk = id_list[start : start + 500]
        clusters.update(Person.objects.filter(pk__in=chunk).values_list("pk", "identity_cluster"))
        existing.update(
            MatchCandidate.objects.filter(person_a__in=chunk).values_list("person_a", "person_b")
        )
    new = [
        MatchCandidate(
            person_a_id=a,
            person_b_id=b,
            probability=min(1.0, max(0.0, float(p.probability))),
            match_weight=float(p.match_weight),
            source=source[:40],
        )
        for (a, b), p in best.items()
        if (a, b) not in existing
        and a in clusters
        and b in clusters
        and clusters[a] != clusters[b]  # already known to be the same human
    ]
    MatchCandidate.objects.bulk_create(new, batch_size=1000)
    if new:
        audit_record_many(
            actor=actor,
            specs=[
                EventSpec(
                    action="match_candidate.propose",
                    target_type="match_candidate",
                    target_id=str(c.pk),
                    after={
                        "person_a": str(c.person_a_id),
                        "person_b": str(c.person_b_id),
                        "probability": round(c.probability, 4),
                        "source": c.source,
                    },
                )
                for c in new
            ],
        )
    return new


@transaction.atomic
def match_candidate_decide(
    *, actor: Actor, candidate: MatchCandidate, outcome: str, reason: str
) -> MatchDecision:
    """Decide whether a candidate pair is the same person; same → link their clusters."""
    require(actor, Perm.MATCH_ADJUDICATE, target_type="match_candidate", target_id=candidate.pk)
    errors: dict[str, list[str]] = {}
    if outcome not in (MatchCandidate.Status.SAME, MatchCandidate.Status.NOT_SAME):
        errors["outcome"] = [gettext("Choose 'same' or 'not_same'.")]
    if not reason.strip():
        errors["reason"] = [gettext("Give the reason for the decision.")]
    errors |= text_problems(MatchDecision, {"reason": reason})
    if errors:
        raise ValidationError(gettext("The decision is not valid."), details=errors)
    try:
        locked = locks.match_candidate_lock(candidate.pk)
    except MatchCandidate.DoesNotExist:
        raise NotFound(gettext("No such match candidate.")) from None
    if locked.status != MatchCandidate.Status.OPEN:
        raise IllegalTransition(
            gettext("This pair has already been decided."),
            details={"status": [str(locked.get_status_display())]},
        )
    now = clock.now()
    before_clusters: dict[str, str] = {}
    if outcome == MatchCandidate.Status.SAME:
        # Lock both records in a fixed order (by id) before re-pointing the cluster.
        a, b = locks.persons_lock([locked.person_a_id, locked.person_b_id])
        a, b = (a, b) if a.pk == locked.person_a_id else (b, a)
        before_clusters = {"a": str(a.identity_cluster), "b": str(b.identity_cluster)}
        if a.identity_cluster == b.identity_cluster:
            raise Conflict(gettext("These records are already linked."))
        # Both records are kept; the whole of b's cluster joins a's.
        Person.objects.filter(identity_cluster=b.identity_cluster).update(
            identity_cluster=a.identity_cluster, updated_at=now
        )
    locked.status = outcome
    locked.decided_by = actor.user
    locked.decided_at = now
    locked.reason = reason.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "reason", "updated_at"])
    decision = MatchDecision.objects.create(
        candidate=locked, outcome=outcome, decided_by=actor.user, reason=reason.strip()
    )
    audit_record(
        actor=actor,
        action=f"match_candidate.{outcome}",
        target_type="match_candidate",
        target_id=locked.pk,
        before={"status": "open", "clusters": before_clusters or None},
        after={
            "status": outcome,
            "person_a": str(locked.person_a_id),
            "person_b": str(locked.person_b_id),
        },
        reason=reason.strip(),
    )
    return decision


@transaction.atomic
def household_add_member(
    *,
    actor: Actor,
    reference: str,
    person: Person,
    role: str,
    relationship: str = "",
) -> HouseholdMember:
    """Put a person in a household (created on first use) with a role and relationship."""
    _require_person_writer(actor, target_id=person.pk)
    errors: dict[str, list[str]] = {}
    if not reference.strip():
        errors["household"] = [gettext("A household reference is required.")]
    if role not in HouseholdMember.Role.values:
        errors["household_role"] = [
            gettext("%(value)s is not a household role.") % {"value": repr(role)}
        ]
    if problems := text_problems(Household, {"reference": reference}).get("reference"):
        errors["household"] = problems
    errors |= text_problems(HouseholdMember, {"relationship": relationship})
    if errors:
        raise ValidationError(gettext("The household membership is not valid."), details=errors)
    org = actor.organisation if actor.org_kind == OrgKind.SENDING_STATE else None
    household, _ = Household.objects.get_or_create(
        sending_organisation=org, reference=reference.strip()
    )
    if HouseholdMember.objects.filter(household=household, person=person).exists():
        raise Conflict(gettext("This person is already a member of this household."))
    member = HouseholdMember.objects.create(
        household=household, person=person, role=role, relationship=relationship.strip()
    )
    audit_record(
        actor=actor,
        action="household.member_add",
        target_type="household",
        target_id=household.pk,
        after={"person": str(person.pk), "role": role, "relationship": member.relationship},
    )
    # SAFEGUARDS F4: every member's A7 (and a child's A1) now counts the new member.
    _people_changed(
        actor=actor,
        person_ids=[person.pk],
        change={"household": household.pk, "member_added": person.pk, "role": role},
    )
    return member


# --- who is told of a change others' findings depend on (SAFEGUARDS F4) ---------------------

PeopleObserver = Callable[..., None]
_people_observers: list[PeopleObserver] = []


def register_people_observer(observer: PeopleObserver) -> None:
    """Let another app (vetting) act on a change to people, in the transaction of the change.

    Call it from that app's AppConfig.ready(). The registry cannot import the apps that
    depend on it, so they register here. Called as `observer(actor=, person_ids=, change=)`
    after a member joins a household or a person's data is corrected; an exception it raises
    refuses the change.
    """
    if observer not in _people_observers:
        _people_observers.append(observer)


def _people_changed(
    *, actor: Actor, person_ids: Sequence[uuid.UUID], change: Mapping[str, Any]
) -> None:
    for observer in _people_observers:
        observer(actor=actor, person_ids=person_ids, change=change)


def people_changed_notify(
    *, actor: Actor, person_ids: Sequence[uuid.UUID], change: Mapping[str, Any]
) -> None:
    """Tell the observers of a change a bulk path made without the services above (manifest
    intake adding members to households in bulk): the same hook `household_add_member` calls,
    in the caller's transaction (SAFEGUARDS F4)."""
    _people_changed(actor=actor, person_ids=person_ids, change=change)


# --- many people at once (a manifest import) -------------------------------------------------


class PersonRow(Protocol):
    """One checked manifest row as people's bulk writers read it (ikaze.intake.rows.CleanRow)."""

    @property
    def given_names(self) -> str: ...

    @property
    def first_surname(self) -> str: ...

    @property
    def second_surname(self) -> str: ...

    @property
    def name_as_in_documents(self) -> str: ...

    @property
    def aliases(self) -> list[str]: ...

    @property
    def sex(self) -> str: ...

    @property
    def date_of_birth(self) -> dt.date: ...

    @property
    def dob_precision(self) -> str: ...

    @property
    def place_of_birth(self) -> str: ...

    @property
    def nationalities(self) -> list[str]: ...

    @property
    def languages(self) -> list[str]: ...

    @property
    def needs_interpreter(self) -> bool: ...

    @property
    def phone(self) -> str: ...

    @property
    def external_reference(self) -> str: ...

    @property
    def document_type(self) -> str: ...

    @property
    def document_number(self) -> str: ...

    @property
    def document_issuing_state(self) -> str: ...

    @property
    def document_expiry(self) -> dt.date | None: ...

    @property
    def health(self) -> str: ...

    @property
    def vulnerabilities(self) -> str: ...

    @property
    def health_consent(self) -> bool: ...

    @property
    def household_reference(self) -> str: ...

    @property
    def household_role(self) -> str: ...

    @property
    def relationship(self) -> str: ...


_BULK_CHUNK = 2000
_PERSON_COLUMNS = (
    "id",
    "given_names",
    "first_surname",
    "second_surname",
    "name_as_in_documents",
    "aliases",
    "sex",
    "date_of_birth",
    "dob_precision",
    "place_of_birth",
    "nationalities",
    "languages",
    "needs_interpreter",
    "phone",
    "external_reference",
    "sending_organisation_id",
)


def people_register_bulk(
    *, actor: Actor, organisation_id: uuid.UUID, rows: Sequence[tuple[uuid.UUID, PersonRow]]
) -> None:
    """Register these people (with their document and sensitive data) for the sending
    organisation, in the caller's transaction. The caller (intake) audits the batch as one
    event and proposes the match candidates afterwards."""
    require(actor, Perm.INTAKE_UPLOAD, target_type="person")
    # Plain tuples straight to the driver (ikaze.core.bulk): no model instance per row.
    insert_rows(
        Person,
        _PERSON_COLUMNS,
        [
            (
                pid,
                r.given_names,
                r.first_surname,
                r.second_surname,
                r.name_as_in_documents,
                r.aliases,
                r.sex,
                r.date_of_birth,
                r.dob_precision,
                r.place_of_birth,
                r.nationalities,
                r.languages,
                r.needs_interpreter,
                r.phone,
                r.external_reference,
                organisation_id,
            )
            for pid, r in rows
        ],
    )
    insert_rows(
        IdentityDocument,
        ("person_id", "kind", "number", "issuing_state", "expiry"),
        [
            (pid, r.document_type, r.document_number, r.document_issuing_state, r.document_expiry)
            for pid, r in rows
        ],
    )
    sensitive_data_store(
        [
            SensitiveIn(
                person_id=pid,
                health=r.health,
                vulnerabilities=r.vulnerabilities,
                health_consent=r.health_consent,
            )
            for pid, r in rows
        ]
    )


def households_join_bulk(
    *,
    actor: Actor,
    organisation_id: uuid.UUID,
    rows: Sequence[tuple[uuid.UUID, PersonRow]],
    registered: set[uuid.UUID],
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """Create the households and memberships of these rows in bulk. Return the people added to
    each household whose findings may change: one that existed before, or one joined by a
    person registered before (`registered`, who may hold an acceptance). A household of new
    people only has no finding yet but the referrals screened with this batch."""
    require(actor, Perm.INTAKE_UPLOAD, target_type="household")
    refs = sorted({r.household_reference for _, r in rows if r.household_reference})
    if not refs:
        return {}
    known: dict[str, uuid.UUID] = {}
    for chunk in in_chunks(refs):
        known.update(
            Household.objects.filter(
                sending_organisation_id=organisation_id, reference__in=chunk
            ).values_list("reference", "pk")
        )
    new = [
        Household(id=uuid.uuid4(), reference=ref, sending_organisation_id=organisation_id)
        for ref in refs
        if ref not in known
    ]
    existed = set(known.values())
    Household.objects.bulk_create(new, batch_size=_BULK_CHUNK)
    known.update({h.reference: h.pk for h in new})
    members_existing: set[tuple[uuid.UUID, uuid.UUID]] = set()
    person_ids = [pid for pid, r in rows if r.household_reference]
    for chunk in in_chunks(person_ids):
        members_existing.update(
            HouseholdMember.objects.filter(person_id__in=chunk).values_list(
                "household_id", "person_id"
            )
        )
    added = [
        HouseholdMember(
            household_id=known[r.household_reference],
            person_id=pid,
            role=r.household_role,
            relationship=r.relationship,
        )
        for pid, r in rows
        if r.household_reference and (known[r.household_reference], pid) not in members_existing
    ]
    HouseholdMember.objects.bulk_create(added, batch_size=_BULK_CHUNK)
    joined: dict[uuid.UUID, list[uuid.UUID]] = {}
    for m in added:
        joined.setdefault(m.household_id, []).append(m.person_id)
    return {
        household_id: people
        for household_id, people in joined.items()
        if household_id in existed or not registered.isdisjoint(people)
    }


def sensitive_data_rectify(*, actor: Actor, person_id: uuid.UUID, field: str, value: str) -> None:
    """Correct one sensitive value (a rectification the data-protection officer accepted, D3),
    through the one write path; audited without the values (the audit log holds none)."""
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=person_id)
    if field not in SENSITIVE_COLUMNS:
        raise ValidationError.for_field("field", gettext("Only health or vulnerabilities."))
    value = normalise_text(value.strip())
    if problem := text_problems(SensitiveData, {field: value}).get(field):
        raise ValidationError(problem[0], details={"proposed_value": problem})
    row = locks.sensitive_data_lock(person_id)
    current = {"health": "", "vulnerabilities": "", "health_consent": False}
    if row is not None:
        current |= vault.open_many([row], SENSITIVE_COLUMNS)[0]
        current["health_consent"] = row.health_consent
    current[field] = value
    if current["health"] and not current["health_consent"]:
        raise ValidationError.for_field(
            "proposed_value",
            gettext("Health information may only be shared with the person's consent."),
        )
    sensitive_data_store(
        [
            SensitiveIn(
                person_id=person_id,
                health=str(current["health"]),
                vulnerabilities=str(current["vulnerabilities"]),
                health_consent=bool(current["health_consent"]),
            )
        ]
    )
    audit_record(
        actor=actor,
        action="person.sensitive.rectify",
        target_type="person",
        target_id=person_id,
        after={"field": field},
    )


def sensitive_data_destroy(person_ids: Sequence[uuid.UUID]) -> int:
    """Destroy these people's sensitive data for good (the purge, D4): their data keys are
    shredded, then the sealed rows deleted. The caller checked holds and audits. Returns the
    rows deleted."""
    for pid in person_ids:
        vault.destroy_subject_key(pid)
    deleted = 0
    for chunk in in_chunks(list(person_ids)):
        deleted += SensitiveData.objects.filter(person_id__in=chunk).delete()[0]
    return deleted
