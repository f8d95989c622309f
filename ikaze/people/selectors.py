"""Reads of the person registry, scoped to the actor. Out of scope is "not found"."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q, QuerySet

from ikaze.accounts.access import OrgKind, Perm, Role
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require, scoped_get
from ikaze.agreements.parties import acts_from_command_line
from ikaze.audit.services import audit_read
from ikaze.people.models import (
    HouseholdMember,
    IdentityDocument,
    MatchCandidate,
    Person,
    SensitiveData,
)
from ikaze.privacy import restrictions, vault

if TYPE_CHECKING:
    import polars as pl


def _audit_reads(actor: Actor, target_type: str, ids: Iterable[object], purpose: str) -> None:
    # SAFEGUARDS C1: every monitor read is logged.
    if actor.reads_audited:
        ids = list(ids)
        if ids:
            with transaction.atomic():
                audit_read(actor=actor, target_type=target_type, target_ids=ids, purpose=purpose)


# The people of the referrals an actor's side is party to. Referrals live in vetting, which
# imports people: vetting registers this reader when it starts (VettingConfig.ready), as it
# registers its people observer, so people never imports vetting.
PartyPeople = Callable[[Actor], QuerySet[Any]]
_party_people: PartyPeople | None = None


def register_party_people(reader: PartyPeople) -> None:
    """Set the reader of the person ids whose referrals the actor's side is party to."""
    global _party_people
    _party_people = reader


# A person's referrals, for the person page (issue 11 item 13): vetting registers the reader
# (people never imports vetting). Each: {"id", "agreement", "status", "reference", "url"}.
PersonReferrals = Callable[[Actor, Person], list[dict[str, Any]]]
_person_referrals: PersonReferrals | None = None


def register_person_referrals(reader: PersonReferrals) -> None:
    """Set the reader of a person's referrals as the actor may see them."""
    global _person_referrals
    _person_referrals = reader


def person_referrals_for(*, actor: Actor, person: Person) -> list[dict[str, Any]]:
    """The person's referrals the actor may see, newest first (none before vetting starts)."""
    return _person_referrals(actor, person) if _person_referrals is not None else []


def household_members_for(*, actor: Actor, person: Person) -> list[dict[str, Any]]:
    """The person's households, each with its other members: linked when the actor may open
    that member's record, else named only by their role (no name of a person out of scope)."""
    memberships = list(person.memberships.select_related("household"))
    others = list(
        HouseholdMember.objects.filter(household_id__in=[m.household_id for m in memberships])
        .exclude(person_id=person.pk)
        .select_related("person")
        .order_by("household_id", "role", "person__first_surname", "pk")
    )
    visible = set(
        person_scope(actor)
        .filter(pk__in=[o.person_id for o in others])
        .values_list("pk", flat=True)
    )
    _audit_reads(actor, "person", visible, "household members")
    return [
        {
            "membership": m,
            "members": [
                {"member": o, "person": o.person if o.person_id in visible else None}
                for o in others
                if o.household_id == m.household_id
            ],
        }
        for m in memberships
    ]


# The file names of the manifests that found possible duplicates (intake registers it: people
# never imports intake). Takes the 8-character batch prefixes a candidate's source records.
SourceNames = Callable[..., dict[str, str]]
_source_names: SourceNames | None = None


def register_source_names(reader: SourceNames) -> None:
    global _source_names
    _source_names = reader


def match_sources_named(*, candidates: Iterable[MatchCandidate]) -> dict[str, str]:
    """Candidate id (as text) → where it was found, in the reader's language: a manifest by
    its file name ("Manifest us-rw-nov.csv"), never by an id."""
    from django.utils.translation import gettext

    candidates = list(candidates)
    prefixes = [
        c.source.partition(":")[2] for c in candidates if c.source.partition(":")[0] == "intake"
    ]
    files = _source_names(prefixes=prefixes) if _source_names and prefixes else {}
    out = {}
    for c in candidates:
        kind, _sep, ref = c.source.partition(":")
        if kind == "intake" and ref in files:
            out[str(c.pk)] = gettext("Manifest %(file)s") % {"file": files[ref]}
        else:
            out[str(c.pk)] = c.source_label
    return out


def person_scope(actor: Actor) -> QuerySet[Person]:
    """The people this actor may see (issue 9 item 10, as vetting reads).

    A sending state: the people it registered. The receiving side (its state, its partners):
    the people with a referral under an agreement whose receiving state is its country, not
    those referred only between two other states (`vetting.selectors.referral_party_q`, one
    rule for referrals and people, read through the registered reader; none without it).
    The monitor (C1) and an operator's command: everyone.
    """
    require(actor, Perm.PERSON_VIEW, target_type="person")
    qs = Person.objects.all()
    if actor.org_kind == OrgKind.SENDING_STATE:
        return qs.filter(sending_organisation_id=actor.organisation_id)
    if actor.org_kind == OrgKind.MONITORING_BODY or acts_from_command_line(actor):
        return qs
    if _party_people is None:
        return qs.none()
    return qs.filter(pk__in=_party_people(actor))


def person_list_for(*, actor: Actor, q: str = "", nationality: str = "") -> QuerySet[Person]:
    """People visible to the actor, filtered by a name fragment or nationality."""
    qs = person_scope(actor)
    for word in q.split():
        qs = qs.filter(
            Q(given_names__icontains=word)
            | Q(first_surname__icontains=word)
            | Q(second_surname__icontains=word)
            | Q(external_reference__iexact=word)
        )
    if nationality:
        qs = qs.filter(nationalities__icontains=f'"{nationality.upper()[:2]}"')
    return qs.order_by("first_surname", "second_surname", "given_names", "pk")


def person_list_audited(*, actor: Actor, people: Sequence[Person]) -> None:
    """Record that the actor saw this page of people (monitors)."""
    _audit_reads(actor, "person", [p.pk for p in people], "person list")


def person_get_for(*, actor: Actor, person_id: uuid.UUID | str) -> Person:
    """One person the actor may see, or NotFound."""
    person = scoped_get(
        person_scope(actor), target_type="person", message="No such person.", pk=person_id
    )
    _audit_reads(actor, "person", [person.pk], "person detail")
    return person


def person_documents(*, person: Person) -> list[IdentityDocument]:
    return list(person.documents.order_by("kind", "number"))


def person_cluster(*, actor: Actor, person: Person) -> list[Person]:
    """The other records judged to be the same human (visible to the actor)."""
    return list(
        person_scope(actor)
        .filter(identity_cluster=person.identity_cluster)
        .exclude(pk=person.pk)
        .order_by("created_at")
    )


@dataclass(frozen=True)
class SensitiveView:
    """A person's sensitive values, opened for one audited read (never the stored envelopes)."""

    health: str
    vulnerabilities: str
    health_consent: bool
    # The person's data key was destroyed (a purge, D4): the values are gone for good.
    erased: bool = False
    # Processing restricted at the person's request (D3): only the monitor reads the values.
    restricted: bool = False


def sensitive_open(data: SensitiveData) -> SensitiveView:
    """The plaintext of one row, for a caller that audited the read (sensitive_data_for, the
    subject-access export)."""
    try:
        return SensitiveView(
            health=vault.open_field(data, "health"),
            vulnerabilities=vault.open_field(data, "vulnerabilities"),
            health_consent=data.health_consent,
        )
    except vault.Erased:
        return SensitiveView("", "", data.health_consent, erased=True)


def sensitive_data_for(*, actor: Actor, person: Person, purpose: str = "") -> SensitiveView | None:
    """Health and vulnerabilities of a person, opened; every read is audited (SAFEGUARDS C1,
    D1)."""
    require(actor, Perm.SENSITIVE_VIEW, target_type="person", target_id=person.pk)
    data = SensitiveData.objects.filter(person=person).first()
    if (
        data is not None
        and Role.MONITOR not in actor.roles
        and restrictions.is_restricted(person.pk)
    ):
        return SensitiveView("", "", data.health_consent, restricted=True)
    with transaction.atomic():
        audit_read(
            actor=actor,
            target_type="person.sensitive",
            target_ids=[person.pk],
            fields=["health", "vulnerabilities"],
            purpose=purpose or "view sensitive data",
        )
    return sensitive_open(data) if data is not None else None


def match_candidate_list_for(*, actor: Actor, status: str = "open") -> QuerySet[MatchCandidate]:
    """Candidate pairs for adjudication, most likely first: only pairs of two people the
    actor may see (deciding a pair would tell of a person out of its scope)."""
    require(actor, Perm.MATCH_VIEW, target_type="match_candidate")
    qs = _match_candidate_scope(actor)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-probability", "created_at", "pk")


def _match_candidate_scope(actor: Actor) -> QuerySet[MatchCandidate]:
    people = person_scope(actor)
    qs = MatchCandidate.objects.select_related("person_a", "person_b", "decided_by")
    return qs.filter(person_a__in=people, person_b__in=people)


def match_candidate_get_for(*, actor: Actor, candidate_id: uuid.UUID | str) -> MatchCandidate:
    """One candidate pair the actor may see, or NotFound (a pair out of scope: a probe)."""
    require(actor, Perm.MATCH_VIEW, target_type="match_candidate")
    return scoped_get(
        _match_candidate_scope(actor),
        target_type="match_candidate",
        message="No such match candidate.",
        pk=candidate_id,
    )


def match_candidate_explanation_for(*, actor: Actor, candidate: MatchCandidate) -> dict[str, Any]:
    """Why the pair was proposed: each comparison's agreement level and weight, translated."""
    from django.utils.translation import gettext

    from ikaze.people import identity

    require(actor, Perm.MATCH_VIEW, target_type="match_candidate")
    out = identity.explain_pair(candidate.person_a, candidate.person_b)
    out["fields"] = [
        {**f, "label": gettext(f["label"]), "level": gettext(f["level"])} for f in out["fields"]
    ]
    return out


def registry_frame(
    *, exclude_ids: Iterable[uuid.UUID | str] = (), updated_after: dt.datetime | None = None
) -> pl.DataFrame:
    """The whole registry as the matcher's frame (MATCH_COLUMNS), built without ORM objects.

    Internal (the matcher's input), so it takes no actor: callers are jobs and services that
    have already checked who may trigger them. Raw SQL on the driver's connection: at a million
    people, building model rows (or even value tuples through Django's converters) would cost
    far more than the matching itself.
    """
    import polars as pl
    from django.db import connection

    from ikaze.people.matching import MATCH_COLUMNS

    person = Person._meta.db_table
    document = IdentityDocument._meta.db_table
    if connection.vendor == "postgresql":
        id_sql, doc_id_sql = "id::text", "person_id::text"
        dob_sql, nat_sql = "date_of_birth::text", "nationalities->>0"
    else:
        id_sql, doc_id_sql = "id", "person_id"
        # An expression has no declared type, so Django's SQLite converters leave it as text.
        dob_sql, nat_sql = "CAST(date_of_birth AS TEXT)", "json_extract(nationalities, '$[0]')"
    people_sql = (
        f"SELECT {id_sql}, given_names, first_surname, second_surname, sex, {dob_sql}, {nat_sql} "  # noqa: S608
        f"FROM {person}"
    )
    docs_sql = f"SELECT {doc_id_sql}, number FROM {document}"  # noqa: S608
    params: list[Any] = []
    if updated_after is not None:
        # Only the people changed since (the matcher folds them into what it already holds).
        mark = "%s" if connection.vendor == "postgresql" else "?"
        people_sql += f" WHERE updated_at > {mark}"
        docs_sql += f" WHERE person_id IN (SELECT id FROM {person} WHERE updated_at > {mark})"  # noqa: S608
        stamp = connection.ops.adapt_datetimefield_value(updated_after)
        params = [stamp]
    docs_sql += " ORDER BY person_id, kind"
    connection.ensure_connection()
    raw = connection.connection
    cur = raw.cursor()
    try:
        cur.execute(people_sql, params)
        people_rows = cur.fetchall()
        cur.execute(docs_sql, params)
        doc_rows = cur.fetchall()
    finally:
        cur.close()
    text = pl.String
    frame = pl.DataFrame(
        people_rows,
        schema={
            "unique_id": text,
            "given_names": text,
            "first_surname": text,
            "second_surname": text,
            "sex": text,
            "date_of_birth": text,
            "nationality": text,
        },
        orient="row",
    )
    del people_rows
    # One document number per person (the first by kind), joined in polars, not per row.
    docs = pl.DataFrame(
        doc_rows, schema={"unique_id": text, "document_number": text}, orient="row"
    ).unique(subset="unique_id", keep="first", maintain_order=True)
    frame = frame.join(docs, on="unique_id", how="left")
    blank_is_null = [
        pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c)
        for c in ("given_names", "first_surname", "second_surname", "sex", "nationality")
    ]
    frame = frame.with_columns(blank_is_null).with_columns(
        pl.concat_str(
            [pl.col("given_names"), pl.col("first_surname"), pl.col("second_surname")],
            separator=" ",
            ignore_nulls=True,
        ).alias("full_name")
    )
    excluded = [_id_text(i) for i in exclude_ids]
    if excluded:
        frame = frame.filter(~pl.col("unique_id").is_in(excluded))
    return frame.select(MATCH_COLUMNS)


def _id_text(value: uuid.UUID | str) -> str:
    """A person id as registry_frame writes it (hex on SQLite, hyphenated on PostgreSQL)."""
    from django.db import connection

    u = uuid.UUID(str(value))
    return str(u) if connection.vendor == "postgresql" else u.hex


def person_match_for(
    *, actor: Actor, record: dict[str, str | None], top: int = 5
) -> list[tuple[Person, float]]:
    """The registry people most likely to be `record`, among those the actor may see."""
    from ikaze.people import identity

    scope = person_scope(actor)
    if not any(record.get(k) for k in ("given_names", "first_surname", "document_number")):
        return []
    hits = identity.match_record({"unique_id": "query", **record}, top=top)
    people = {p.pk: p for p in scope.filter(pk__in=[pid for pid, _ in hits])}
    out = [(people[pid], prob) for pid, prob in hits if pid in people]
    _audit_reads(actor, "person", [p.pk for p, _ in out], "online match")
    return out


def person_names(*, ids: Sequence[object]) -> dict[str, str]:
    """Person id (as text) → full name, for the ids among these that name a registered person
    (other values are left out): how other apps name the people their records point at."""
    wanted: set[uuid.UUID] = set()
    for value in ids:
        try:
            wanted.add(uuid.UUID(str(value)))
        except ValueError:
            continue
    if not wanted:
        return {}
    return {
        str(p.pk): p.full_name
        for p in Person.objects.filter(pk__in=wanted).only(
            "given_names", "first_surname", "second_surname"
        )
    }


def person_ids_by_reference(
    *, organisation_id: uuid.UUID, references: Sequence[str]
) -> dict[str, uuid.UUID]:
    """The sending organisation's reference → person id, for those of these references it has
    registered (intake's duplicate check; the caller checked the upload permission)."""
    return dict(
        Person.objects.filter(
            sending_organisation_id=organisation_id, external_reference__in=references
        ).values_list("external_reference", "pk")
    )


def person_identities(*, person_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Who the registry says these people are (intake's check of a re-sent row for changed
    data; the caller checked the upload permission)."""
    fields = ("given_names", "first_surname", "second_surname", "sex", "date_of_birth")
    return {
        row["pk"]: row
        for row in Person.objects.filter(pk__in=person_ids).values("pk", *fields, "nationalities")
    }


def households_with_adults(*, organisation_id: uuid.UUID, references: Sequence[str]) -> set[str]:
    """Those of the organisation's household references whose household has an adult member."""
    return set(
        HouseholdMember.objects.filter(
            household__sending_organisation_id=organisation_id,
            household__reference__in=references,
            role__in=HouseholdMember.ADULT_ROLES,
        ).values_list("household__reference", flat=True)
    )


# --- the audit log names people and pairs (issue 11 item 10) ---------------------------------


def person_audit_names(actor: Actor, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Person id → (full name, the person's page) for those the actor may open."""
    from django.urls import reverse

    from ikaze.audit.targets import valid_uuids

    if not actor.can(Perm.PERSON_VIEW):
        return {}
    rows = person_scope(actor).filter(pk__in=valid_uuids(ids))
    return {str(p.pk): (p.full_name, reverse("people:person_detail", args=[p.pk])) for p in rows}


def people_named(actor: Actor, name: str) -> list[str]:
    """The ids (as text) of the people the actor may open whose name or reference matches."""
    if not actor.can(Perm.PERSON_VIEW):
        return []
    qs = person_list_for(actor=actor, q=name)
    return [str(pk) for pk in qs.values_list("pk", flat=True)[:500]]


def match_candidate_audit_names(actor: Actor, ids: list[str]) -> dict[str, tuple[str, str]]:
    """Pair id → ("A / B", the pair's page) for the pairs the actor may open."""
    from django.urls import reverse

    from ikaze.audit.targets import valid_uuids

    if not actor.can(Perm.MATCH_VIEW):
        return {}
    rows = _match_candidate_scope(actor).filter(pk__in=valid_uuids(ids))
    return {
        str(c.pk): (
            f"{c.person_a.full_name} / {c.person_b.full_name}",
            reverse("people:match_detail", args=[c.pk]),
        )
        for c in rows
    }


def households_of_people(*, person_ids: Sequence[Any]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Household id → every member's person id, for the households the given people belong to
    (movements: a household travels whole, SAFEGUARDS A7)."""
    households = HouseholdMember.objects.filter(person_id__in=list(person_ids)).values_list(
        "household_id", flat=True
    )
    out: dict[uuid.UUID, set[uuid.UUID]] = {}
    for household_id, person_id in HouseholdMember.objects.filter(
        household_id__in=households
    ).values_list("household_id", "person_id"):
        out.setdefault(household_id, set()).add(person_id)
    return out


def person_travel_documents(
    *, person_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, IdentityDocument]:
    """Each person's travel document (passport first, then laissez-passer), for a manifest."""
    out: dict[uuid.UUID, IdentityDocument] = {}
    for doc in IdentityDocument.objects.filter(
        person_id__in=list(person_ids), kind__in=IdentityDocument.TRAVEL_KINDS
    ).order_by("person_id", "-kind", "number"):
        out.setdefault(doc.person_id, doc)
    return out


def person_ids_matching(*, text: str) -> QuerySet[Any]:
    """Ids of people whose name or travel document number contains `text` (the arrivals desk;
    the caller scopes the result to the people it may show)."""
    text = text.strip()
    q = Q(documents__number__iexact=text.replace(" ", "").upper())
    for word in text.split()[:4]:
        q |= Q(given_names__icontains=word) | Q(first_surname__icontains=word)
    return Person.objects.filter(q).values("pk")


def person_sexes(*, person_ids: Sequence[Any]) -> dict[uuid.UUID, str]:
    """Person id → recorded sex ("F", "M", "X" or ""), for shared rooms by sex (reception)."""
    return dict(Person.objects.filter(pk__in=list(person_ids)).values_list("pk", "sex"))


def person_travel_facts(*, person_ids: Sequence[Any]) -> dict[uuid.UUID, dict[str, Any]]:
    """Person id → what a passenger list carries: surnames, given names, sex, date of birth,
    first nationality (movements' PAXLST and printable manifest)."""
    out: dict[uuid.UUID, dict[str, Any]] = {}
    rows = Person.objects.filter(pk__in=list(person_ids)).values_list(
        "pk",
        "given_names",
        "first_surname",
        "second_surname",
        "sex",
        "date_of_birth",
        "nationalities",
    )
    for pk, given, first, second, sex, dob, nats in rows:
        out[pk] = {
            "surname": f"{first} {second}".strip(),
            "given_names": given,
            "sex": sex,
            "date_of_birth": dob,
            "nationality": (nats or [""])[0],
        }
    return out


def person_protection_facts(*, person_ids: Sequence[Any]) -> dict[uuid.UUID, dict[str, Any]]:
    """Person id → the languages they understand and their nationalities (protection: the
    language a decision is served in, the country of origin the non-refoulement lock knows)."""
    rows = Person.objects.filter(pk__in=list(person_ids)).values_list(
        "pk", "languages", "nationalities"
    )
    return {
        pk: {"languages": list(langs or []), "nationalities": list(nats or [])}
        for pk, langs, nats in rows
    }
