"""Referral writes: create, submit, review, request information, withdraw, expire.

`Referral.status` changes only here, along `REFERRAL_TRANSITIONS`; each change is audited in
the same transaction, and the audit chain is the referral's history.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_noop as N_

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import out_of_scope, require
from ikaze.agreements.parties import sending_party_require
from ikaze.agreements.services import agreement_in_force_require
from ikaze.audit.services import EventSpec, audit_record
from ikaze.core import clock
from ikaze.core.bulk import insert_rows, new_uuids
from ikaze.core.errors import ValidationError
from ikaze.people.models import IdentityDocument, Person
from ikaze.people.services import PersonIn, household_add_member, person_create
from ikaze.vetting.errors import AlreadyReferred, IncompleteReferral
from ikaze.vetting.models import OPEN_STATUSES, Referral
from ikaze.vetting.services._common import _lock, _refusal_recorded, _set_status, text_require

if TYPE_CHECKING:
    from ikaze.agreements.models import Agreement

# A withdrawal or request for information is kept as the referral's status reason.
_STATUS_REASON = {"reason": "status_reason"}


def referral_missing_data(
    *,
    person: Person,
    documents: Sequence[IdentityDocument] | None = None,
    today: dt.date | None = None,
) -> dict[str, list[str]]:
    """SAFEGUARDS A4 (UK–Rwanda MoU 5.2–5.4): what the referral lacks, field by field.

    The reasons are English (the API's language), marked for the pages to translate.
    """
    today = today or clock.today_local()
    missing: dict[str, list[str]] = {}
    if not person.given_names.strip() or not person.first_surname.strip():
        missing["name"] = [N_("Given names and first surname are required.")]
    if not person.sex:
        missing["sex"] = [N_("Sex is required.")]
    if person.date_of_birth is None:
        missing["date_of_birth"] = [
            N_("The date of birth is required (YYYY, YYYY-MM or YYYY-MM-DD).")
        ]
    if not person.nationalities:
        missing["nationalities"] = [N_("At least one nationality is required.")]
    docs = list(person.documents.all()) if documents is None else list(documents)
    travel = [d for d in docs if d.kind in IdentityDocument.TRAVEL_KINDS]
    if not travel:
        missing["travel_document"] = [N_("A passport or travel document is required.")]
    elif all(d.expiry is not None and d.expiry < today for d in travel):
        missing["travel_document"] = [N_("Every travel document on record has expired.")]
    return missing


def _transition(
    *, actor: Actor, referral: Referral, to: str, action: str, reason: str = ""
) -> Referral:
    # One writer of the status (`_set_status`): what follows a change (the place under the
    # cap, alerts, the household, pending overrides) follows every change, whoever makes it.
    locked = _lock(referral, actor=actor)
    _set_status(actor=actor, referral=locked, to=to, action=action, reason=reason.strip())
    if to == Referral.Status.SUBMITTED:
        locked.submitted_at = locked.status_changed_at
        locked.save(update_fields=["submitted_at", "updated_at"])
    return locked


def _own(actor: Actor, referral: Referral) -> None:
    if referral.referring_organisation_id != actor.organisation_id:
        raise out_of_scope(
            Referral, target_type="referral", message=gettext("No such referral."), pk=referral.pk
        )


@transaction.atomic
def referral_create(
    *,
    actor: Actor,
    agreement: Agreement,
    person: Person,
    external_reference: str = "",
    source: str = Referral.Source.PAGE,
) -> Referral:
    """Refer a person under an agreement (a draft until submitted)."""
    require(actor, Perm.REFERRAL_CREATE, target_type="referral")
    sending_party_require(actor, agreement)
    agreement_in_force_require(agreement)
    if person.sending_organisation_id != actor.organisation_id:
        raise out_of_scope(
            Person, target_type="person", message=gettext("No such person."), pk=person.pk
        )
    assert actor.organisation_id is not None  # a sending party (checked above)
    external_reference = (external_reference or "").strip()
    text_require(Referral, {"external_reference": external_reference})
    if source not in Referral.Source.values:
        raise ValidationError.for_field(
            "source", gettext("%(source)s is not a referral source.") % {"source": repr(source)}
        )
    if Referral.objects.filter(
        agreement=agreement, person=person, status__in=OPEN_STATUSES
    ).exists():
        raise AlreadyReferred(
            gettext("This person already has an open referral under this agreement."),
            details={"person": [gettext("Already referred under this agreement.")]},
        )
    if (
        external_reference
        and Referral.objects.filter(
            agreement=agreement,
            referring_organisation_id=actor.organisation_id,
            external_reference=external_reference,
        ).exists()
    ):
        raise AlreadyReferred(
            gettext("A referral with this reference exists under this agreement."),
            details={"external_reference": [gettext("This reference is already used.")]},
        )
    referral = Referral.objects.create(
        agreement=agreement,
        person=person,
        referring_organisation_id=actor.organisation_id,
        external_reference=external_reference,
        source=source,
        status=Referral.Status.DRAFT,
        status_changed_at=clock.now(),
    )
    audit_record(
        actor=actor,
        action="referral.create",
        target_type="referral",
        target_id=referral.pk,
        after={
            "agreement": agreement.code,
            "person": str(person.pk),
            "external_reference": external_reference,
            "status": referral.status,
            "source": source,
        },
    )
    return referral


@transaction.atomic
def referral_submit(*, actor: Actor, referral: Referral) -> Referral:
    """Send a draft (or a referral whose information was requested) to the receiving state."""
    require(actor, Perm.REFERRAL_CREATE, target_type="referral", target_id=referral.pk)
    _own(actor, referral)
    agreement_in_force_require(referral.agreement)
    missing = referral_missing_data(person=referral.person)
    if missing:
        # SAFEGUARDS A4: an incomplete referral is refused with reason "incomplete referral".
        raise IncompleteReferral(
            gettext("Incomplete referral: required data is missing."),
            details={field: [gettext(r) for r in reasons] for field, reasons in missing.items()},
        )
    submitted = _transition(
        actor=actor, referral=referral, to=Referral.Status.SUBMITTED, action="submit"
    )
    _evaluate_submitted(actor=actor, referral=submitted)
    return submitted


def _evaluate_submitted(*, actor: Actor, referral: Referral) -> None:
    # SAFEGUARDS preamble (issue 4 "when rules run"): submission evaluates at once, advisory:
    # the findings are stored for the receiving state; a block does not refuse the referral.
    from ikaze.vetting.rules import Stage
    from ikaze.vetting.services.evaluations import evaluation_run

    ev, row = evaluation_run(actor=actor, referral=referral, stage=Stage.REFERRAL)
    assert row is not None
    audit_record(
        actor=actor,
        action="referral.evaluate",
        target_type="referral",
        target_id=referral.pk,
        after={
            "stage": Stage.REFERRAL.value,
            "evaluation": str(row.pk),
            "ruleset_version": ev.ruleset_version,
            "inputs_hash": ev.inputs_hash,
            "blocked": ev.blocked,
            "blocking_rules": sorted({f.rule_id for f in ev.blocking}),
        },
    )


@transaction.atomic
def referral_withdraw(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    """Withdraw a referral (the sending state changed its mind, or the person left)."""
    require(actor, Perm.REFERRAL_CREATE, target_type="referral", target_id=referral.pk)
    _own(actor, referral)
    if not (reason or "").strip():
        raise ValidationError.for_field("reason", gettext("Give the reason for withdrawing."))
    text_require(Referral, {"reason": reason.strip()}, fields=_STATUS_REASON)
    return _transition(
        actor=actor,
        referral=referral,
        to=Referral.Status.WITHDRAWN,
        action="withdraw",
        reason=reason,
    )


@_refusal_recorded("referral.start_review")
@transaction.atomic
def referral_start_review(*, actor: Actor, referral: Referral) -> Referral:
    """A receiving-state officer takes a submitted referral into review."""
    require(actor, Perm.REFERRAL_DECIDE, target_type="referral", target_id=referral.pk)
    return _transition(
        actor=actor, referral=referral, to=Referral.Status.UNDER_REVIEW, action="start_review"
    )


@_refusal_recorded("referral.request_information")
@transaction.atomic
def referral_request_information(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    """Ask the sending state for more information; it answers on the referral's thread
    (`referral_information_answer`) and submits again."""
    require(actor, Perm.REFERRAL_DECIDE, target_type="referral", target_id=referral.pk)
    if not (reason or "").strip():
        raise ValidationError.for_field("reason", gettext("Say what information is needed."))
    text_require(Referral, {"reason": reason.strip()}, fields=_STATUS_REASON)
    locked = _transition(
        actor=actor,
        referral=referral,
        to=Referral.Status.INFORMATION_REQUESTED,
        action="request_information",
        reason=reason,
    )
    # The question opens (or continues) the referral's thread (issue 11 item 4).
    from ikaze.vetting.services.messages import referral_question_write

    referral_question_write(actor=actor, referral=locked, question=reason.strip())
    return locked


@_refusal_recorded("referral.expire")
@transaction.atomic
def referral_expire(*, actor: Actor, referral: Referral, reason: str) -> Referral:
    """Close a referral nobody acted on in time."""
    require(actor, Perm.REFERRAL_DECIDE, target_type="referral", target_id=referral.pk)
    return _transition(
        actor=actor,
        referral=referral,
        to=Referral.Status.EXPIRED,
        action="expire",
        reason=reason or "expired",
    )


@dataclass(frozen=True)
class BulkReferralIn:
    person_id: uuid.UUID
    external_reference: str


_BULK_COLUMNS = (
    "id",
    "agreement_id",
    "person_id",
    "referring_organisation_id",
    "external_reference",
    "status",
    "status_changed_at",
    "submitted_at",
    "source",
    "intake_batch_id",
)


def referrals_submit_bulk(
    *,
    actor: Actor,
    agreement: Agreement,
    items: Sequence[BulkReferralIn],
    intake_batch_id: uuid.UUID,
) -> tuple[list[Referral], list[EventSpec]]:
    """Create submitted referrals for people whose data the caller has already checked (A4).

    For manifest intake: one bulk insert, then the advisory evaluation (stage "referral") of
    the whole batch through the bulk screening path (a fixed few queries, not one per row);
    the caller writes the returned audit specs in its single `audit_record_many`, inside its
    transaction.
    """
    from ikaze.vetting.rules import Stage
    from ikaze.vetting.screening import screen_bulk

    require(actor, Perm.INTAKE_UPLOAD, target_type="referral")
    sending_party_require(actor, agreement)
    agreement_in_force_require(agreement)
    assert actor.organisation_id is not None  # a sending party (checked above)
    if not items:
        return [], []
    now = clock.now()
    rows = [
        (
            rid,
            agreement.pk,
            item.person_id,
            actor.organisation_id,
            item.external_reference,
            Referral.Status.SUBMITTED.value,
            now,
            now,
            Referral.Source.MANIFEST.value,
            intake_batch_id,
        )
        for rid, item in zip(new_uuids(len(items)), items, strict=True)
    ]
    insert_rows(Referral, _BULK_COLUMNS, rows)  # plain tuples to the driver (35,000 rows)
    referrals = [Referral.from_db(None, _BULK_COLUMNS, row) for row in rows]
    # SAFEGUARDS preamble: submission evaluates at once (advisory; a block refuses nothing).
    evaluated = {
        screened.referral_id: (ev, row)
        for screened, ev, row in screen_bulk(
            # The batch id is indexed; a `pk IN (...)` of 35,000 ids would not be.
            Referral.objects.filter(intake_batch_id=intake_batch_id),
            stage=Stage.REFERRAL,
            now=now,
            evaluated_by_id=actor.user.pk if actor.user is not None else None,
        )
    }
    specs = [
        EventSpec(
            action="referral.submit",
            target_type="referral",
            target_id=str(r.pk),
            after={
                "agreement": agreement.code,
                "person": str(r.person_id),
                "external_reference": r.external_reference,
                "status": r.status,
                "source": "manifest",
                "batch": str(intake_batch_id),
                "evaluation": str(evaluated[r.pk][1].pk),
                "ruleset_version": evaluated[r.pk][0].ruleset_version,
                "blocked": evaluated[r.pk][0].blocked,
                "blocking_rules": sorted({f.rule_id for f in evaluated[r.pk][0].blocking}),
            },
        )
        for r in referrals
    ]
    return referrals, specs


@dataclass(frozen=True)
class HouseholdIn:
    reference: str
    role: str
    relationship: str = ""


@transaction.atomic
def referral_refer_person(
    *,
    actor: Actor,
    agreement: Agreement,
    data: PersonIn,
    external_reference: str = "",
    household: HouseholdIn | None = None,
    submit: bool = True,
    source: str = Referral.Source.PAGE,
) -> Referral:
    """Register a new person and refer them in one step (the form and the API).

    All or nothing: if the person's data, the household or A4 is refused, nothing is stored.
    """
    require(actor, Perm.REFERRAL_CREATE, target_type="referral")
    sending_party_require(actor, agreement)
    agreement_in_force_require(agreement)
    person = person_create(actor=actor, data=data)
    referral = referral_create(
        actor=actor,
        agreement=agreement,
        person=person,
        external_reference=external_reference,
        source=source,
    )
    if household is not None and household.reference.strip():
        # After the referral: the household's other members, evaluated again as the new
        # member joins (SAFEGUARDS F4), see them on the move, not left behind.
        household_add_member(
            actor=actor,
            reference=household.reference,
            person=person,
            role=household.role,
            relationship=household.relationship,
        )
    return referral_submit(actor=actor, referral=referral) if submit else referral
