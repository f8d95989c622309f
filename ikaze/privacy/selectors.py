"""Reads of personal-data protection: the registers, and a person's subject-access export (D3).

The data-protection officer (the administrator, PRIVACY_MANAGE) reaches every person for
these purposes; the monitor reads the registers (PRIVACY_VIEW). The subject-access export
opens the person's sensitive values through `people.selectors.sensitive_open` and is audited
as one event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext

from ikaze.accounts.access import OrgKind, Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.accounts.models import Organisation
from ikaze.audit.services import audit_record
from ikaze.core import clock
from ikaze.core.errors import NotFound
from ikaze.people.models import Person, SensitiveData
from ikaze.people.selectors import sensitive_open
from ikaze.privacy import rotation, vault
from ikaze.privacy.models import (
    Breach,
    BreachStatus,
    DataRequest,
    ExportRecord,
    LegalHold,
    Purge,
    RequestStatus,
)
from ikaze.privacy.restrictions import is_restricted


def person_for(*, actor: Actor, person_id: uuid.UUID | str) -> Person:
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=person_id)
    try:
        return Person.objects.get(pk=person_id)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise NotFound(gettext("No such person.")) from None


def person_search(*, actor: Actor, q: str, limit: int = 20) -> list[Person]:
    require(actor, Perm.PRIVACY_MANAGE, target_type="person")
    q = q.strip()
    if not q:
        return []
    return list(
        Person.objects.filter(
            Q(external_reference__iexact=q)
            | Q(given_names__icontains=q)
            | Q(first_surname__icontains=q)
        ).order_by("first_surname", "given_names", "pk")[:limit]
    )


def request_list_for(*, actor: Actor, status: str = "open") -> QuerySet[DataRequest]:
    require(actor, Perm.PRIVACY_VIEW, target_type="privacy")
    qs = DataRequest.objects.select_related("person").order_by("due_at", "pk")
    return qs.filter(status=status) if status else qs


def requests_of(*, actor: Actor, person: Person) -> list[DataRequest]:
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=person.pk)
    return list(DataRequest.objects.filter(person=person).order_by("-received_at"))


def holds_of(*, actor: Actor, person: Person) -> list[LegalHold]:
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=person.pk)
    return list(LegalHold.objects.filter(person=person).order_by("-created_at"))


def hold_list_for(*, actor: Actor) -> QuerySet[LegalHold]:
    require(actor, Perm.PRIVACY_VIEW, target_type="privacy")
    return LegalHold.objects.filter(released_at__isnull=True).select_related("person")


def breach_list_for(*, actor: Actor) -> QuerySet[Breach]:
    require(actor, Perm.PRIVACY_VIEW, target_type="breach")
    return Breach.objects.order_by("-discovered_at", "pk")


def breach_get_for(*, actor: Actor, breach_id: uuid.UUID | str) -> Breach:
    require(actor, Perm.PRIVACY_VIEW, target_type="breach", target_id=breach_id)
    try:
        return Breach.objects.get(pk=breach_id)
    except (Breach.DoesNotExist, ValueError, TypeError):
        raise NotFound(gettext("No such breach.")) from None


def request_get_for(*, actor: Actor, request_id: uuid.UUID | str) -> DataRequest:
    require(actor, Perm.PRIVACY_MANAGE, target_type="data_request", target_id=request_id)
    try:
        return DataRequest.objects.get(pk=request_id)
    except (DataRequest.DoesNotExist, ValueError, TypeError):
        raise NotFound(gettext("No such request.")) from None


def hold_get_for(*, actor: Actor, hold_id: uuid.UUID | str) -> LegalHold:
    require(actor, Perm.PRIVACY_MANAGE, target_type="legal_hold", target_id=hold_id)
    try:
        return LegalHold.objects.get(pk=hold_id)
    except (LegalHold.DoesNotExist, ValueError, TypeError):
        raise NotFound(gettext("No such hold.")) from None


def export_list_for(*, actor: Actor, limit: int = 50) -> list[ExportRecord]:
    require(actor, Perm.PRIVACY_VIEW, target_type="export")
    return list(ExportRecord.objects.order_by("-created_at")[:limit])


@dataclass(frozen=True)
class BreachClock:
    breach: Breach
    notice_late: bool
    report_late: bool
    notice_left: dt.timedelta | None
    report_left: dt.timedelta | None


def breach_clocks(breaches: list[Breach], *, now: dt.datetime | None = None) -> list[BreachClock]:
    """Each breach with whether its 48 h notice and 72 h report are late, and the time left."""
    now = now or clock.now()
    out = []
    for b in breaches:
        notice_at = b.notified_at or now
        report_at = b.reported_at or now
        out.append(
            BreachClock(
                breach=b,
                notice_late=notice_at > b.notice_due_at,
                report_late=report_at > b.report_due_at,
                notice_left=None if b.notified_at else b.notice_due_at - now,
                report_left=None if b.reported_at else b.report_due_at - now,
            )
        )
    return out


def overview_for(*, actor: Actor) -> dict[str, Any]:
    """What the privacy page shows: open requests (late first), holds, open breaches, recent
    exports abroad, sealed values per key."""
    require(actor, Perm.PRIVACY_VIEW, target_type="privacy")
    now = clock.now()
    requests = list(request_list_for(actor=actor)[:100])
    return {
        "requests": requests,
        "late_requests": sum(1 for r in requests if r.due_at < now),
        "holds": list(hold_list_for(actor=actor)[:100]),
        "breaches": breach_clocks(
            list(breach_list_for(actor=actor).filter(status=BreachStatus.OPEN)[:50]), now=now
        ),
        "exports": export_list_for(actor=actor, limit=20),
        "purges": Purge.objects.count(),
        "keys": rotation.status(),
        "now": now,
    }


# --- the subject-access export (D3) -------------------------------------------------------------

# Why Ikaze holds each category of data, and on what basis (shown in the person's language).
PURPOSES = [
    (
        "identity",
        "Identify you and keep one record per person across the sending state's referrals.",
        "The relocation agreement (Law 058/2021 art. 46: performance of a public task).",
    ),
    (
        "sensitive",
        "Protect you: health needs, vulnerabilities and protection claims decide the safeguards "
        "applied before and after a transfer.",
        "Your consent for health data; your vital interests and the safeguards (art. 38).",
    ),
    (
        "legal_facts",
        "Decide whether a transfer may happen (claims, appeals, court measures, notices).",
        "The agreement's safeguards and the law on refugees.",
    ),
    (
        "audit",
        "Prove who read or changed your data, for the independent monitor and the courts.",
        "Legal obligation (arts. 17 and 40).",
    ),
]


def _language_of(person: Person) -> str:
    available = {code for code, _name in settings.LANGUAGES}
    for code in person.languages or []:
        code = str(code).lower()
        short = {"kin": "rw", "spa": "es", "fra": "fr", "fre": "fr", "eng": "en"}.get(code, code)
        if short in available:
            return short
    return settings.LANGUAGE_CODE


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def access_export(*, actor: Actor, person: Person, language: str = "") -> dict[str, Any]:
    """Everything Ikaze holds about a person, why, who receives it and what went abroad, in
    their language (D3). Audited as one event; the sensitive values are opened here."""
    require(actor, Perm.PRIVACY_MANAGE, target_type="person", target_id=person.pk)
    lang = language if language in {c for c, _n in settings.LANGUAGES} else _language_of(person)
    row = SensitiveData.objects.filter(person=person).first()
    sensitive = sensitive_open(row) if row is not None else None
    erased = vault.subject_erased(person.pk)
    with translation.override(lang):
        data: dict[str, Any] = {
            "format": "ikaze-subject-access/1",
            "generated_at": clock.now().isoformat(),
            "language": lang,
            "person": {
                "id": str(person.pk),
                "given_names": person.given_names,
                "first_surname": person.first_surname,
                "second_surname": person.second_surname,
                "name_as_in_documents": person.name_as_in_documents,
                "aliases": list(person.aliases),
                "sex": person.sex,
                "date_of_birth": person.date_of_birth_display,
                "place_of_birth": person.place_of_birth,
                "nationalities": list(person.nationalities),
                "languages": list(person.languages),
                "phone": person.phone,
                "external_reference": person.external_reference,
                "recorded_at": person.created_at.isoformat(),
            },
            "documents": [
                {
                    "kind": d.kind,
                    "number": d.number,
                    "issuing_state": d.issuing_state,
                    "expiry": _iso(d.expiry),
                }
                for d in person.documents.all()
            ],
            "households": [
                {"household": m.household.reference, "role": m.role, "relationship": m.relationship}
                for m in person.memberships.select_related("household")
            ],
            "sensitive": {
                "health": sensitive.health if sensitive else "",
                "vulnerabilities": sensitive.vulnerabilities if sensitive else "",
                "health_consent": bool(sensitive and sensitive.health_consent),
                "destroyed": erased,
                "restricted": is_restricted(person.pk),
            },
            "legal_facts": [
                {
                    "kind": e.kind,
                    "effective_at": _iso(e.effective_at),
                    "recorded_at": _iso(e.recorded_at),
                }
                for e in person.legal_events.order_by("effective_at", "recorded_at")
            ],
            "referrals": [
                {
                    "agreement": r.agreement.code,
                    "status": r.status,
                    "created_at": r.created_at.isoformat(),
                }
                for r in person.referrals.select_related("agreement").order_by("created_at")
            ],
            "purposes": [
                {"category": cat, "purpose": gettext(purpose), "legal_basis": gettext(basis)}
                for cat, purpose, basis in PURPOSES
            ],
            "retention_days": dict(settings.IKAZE_RETENTION_DAYS),
            "recipients": _recipients(person),
            "transfers_abroad": _transfers(person),
            "requests": [
                {
                    "kind": r.kind,
                    "status": r.status,
                    "received_at": r.received_at.isoformat(),
                    "due_at": r.due_at.isoformat(),
                    "decided_at": _iso(r.decided_at),
                }
                for r in DataRequest.objects.filter(person=person).order_by("received_at")
            ],
            "legal_holds": [
                {
                    "reference": h.reference,
                    "placed_at": h.created_at.isoformat(),
                    "released_at": _iso(h.released_at),
                }
                for h in LegalHold.objects.filter(person=person).order_by("created_at")
            ],
        }
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="privacy.access_export",
            target_type="person",
            target_id=person.pk,
            after={"language": lang},
        )
    return data


def _recipients(person: Person) -> list[dict[str, str]]:
    why = {
        OrgKind.SENDING_STATE: gettext("Referred you under the agreement"),
        OrgKind.RECEIVING_STATE: gettext("Decides on and supports your relocation"),
        OrgKind.PARTNER: gettext("Provides reception and case support"),
        OrgKind.MONITORING_BODY: gettext("Independent monitoring of the agreement"),
    }
    orgs = Organisation.objects.filter(
        Q(kind__in=[OrgKind.RECEIVING_STATE, OrgKind.PARTNER, OrgKind.MONITORING_BODY])
        | Q(pk=person.sending_organisation_id)
    ).order_by("kind", "name")
    return [
        {"organisation": o.name, "country": o.country, "kind": o.kind, "why": why[OrgKind(o.kind)]}
        for o in orgs
    ]


def _transfers(person: Person) -> list[dict[str, Any]]:
    """Exports out of the receiving state to the state that referred the person (lists and
    documents that may have held their data), grouped by basis."""
    if person.sending_organisation is None:
        return []
    country = person.sending_organisation.country
    rows = (
        ExportRecord.objects.filter(destination_country=country)
        .values("destination_country", "basis", "basis_reference")
        .annotate(count=Count("id"), last_at=Max("created_at"))
        .order_by("basis", "basis_reference")
    )
    return [{**r, "last_at": r["last_at"].isoformat() if r["last_at"] else None} for r in rows]


def open_requests_count() -> int:
    return DataRequest.objects.filter(status=RequestStatus.OPEN).count()
