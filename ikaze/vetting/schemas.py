"""API shapes of referrals."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from ikaze.people.schemas import DocumentIn, PersonOut, person_out
from ikaze.vetting.models import Referral


class ReferralOut(Schema):
    id: uuid.UUID
    agreement: str
    referring_organisation: str
    external_reference: str
    status: str
    status_reason: str
    source: str
    submitted_at: dt.datetime | None
    created_at: dt.datetime
    person: PersonOut


class ReferralPage(Schema):
    items: list[ReferralOut]
    page: int
    pages: int
    total: int


class HouseholdIn(Schema):
    reference: str
    role: str
    relationship: str = ""


class ReferralCreateIn(Schema):
    agreement: str
    external_reference: str = Field("", description="Your case reference for this referral.")
    person_reference: str = Field(description="Your identifier for the person.")
    given_names: str
    first_surname: str
    second_surname: str = ""
    name_as_in_documents: str = ""
    aliases: list[str] = []
    sex: str = ""
    date_of_birth: str = Field("", description="YYYY-MM-DD, YYYY-MM or YYYY.")
    place_of_birth: str = ""
    nationalities: list[str] = []
    languages: list[str] = []
    needs_interpreter: bool = False
    phone: str = ""
    documents: list[DocumentIn] = []
    household: HouseholdIn | None = None
    health: str = ""
    health_consent: bool = False
    vulnerabilities: str = ""
    submit: bool = True


class ReasonIn(Schema):
    reason: str


def referral_out(r: Referral) -> dict[str, Any]:
    return {
        "id": r.pk,
        "agreement": r.agreement.code,
        "referring_organisation": r.referring_organisation.name,
        "external_reference": r.external_reference,
        "status": r.status,
        "status_reason": r.status_reason,
        "source": r.source,
        "submitted_at": r.submitted_at,
        "created_at": r.created_at,
        "person": person_out(r.person),
    }
