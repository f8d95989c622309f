"""Exports out of the receiving state: each records its legal basis, or is refused (D2).

`require_export_basis(actor, export_kind, destination_country, basis)` is called by every
export that can leave the receiving state before a byte is sent (scope: ADR 0027 and
docs/guide/admin.md): the CSV lists and the audit log exports, a document download, the
subject-access export. An export to the receiving state itself needs nothing. Otherwise the
basis must hold:

- `agreement`: an agreement in force between the receiving state and the destination (its
  data-sharing clause), named by its code;
- `monitoring`: the actor acts for a monitoring body (the treaty's monitoring, C1);
- `consent` and `court_order`: with a reference (the consent form, the order).

Kept free of the feature apps (documents imports it): the agreement is looked up by model
name, not imported.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext

from ikaze.accounts.access import OrgKind
from ikaze.accounts.actor import Actor
from ikaze.audit.services import audit_record, audit_security
from ikaze.privacy.errors import NoExportBasis
from ikaze.privacy.models import ExportBasis, ExportRecord


def receiving_state() -> str:
    return str(settings.IKAZE_RECEIVING_STATE).upper()


def destination_of(actor: Actor) -> str:
    """Where an export by this actor goes: its organisation's country (the receiving state
    for an operator's command or an actor without an organisation)."""
    if actor.organisation is None:
        return receiving_state()
    return str(actor.organisation.country or receiving_state()).upper()


def default_basis(actor: Actor) -> tuple[str, str]:
    """The basis an actor's exports rest on without one named: a monitoring body's monitoring,
    a sending state's agreement in force with the receiving state; otherwise none."""
    if actor.org_kind == OrgKind.MONITORING_BODY:
        return ExportBasis.MONITORING, ""
    agreement = _agreement_in_force(destination_of(actor))
    if agreement is not None:
        return ExportBasis.AGREEMENT, agreement
    return "", ""


def _agreement_in_force(country: str) -> str | None:
    agreement = apps.get_model("agreements", "Agreement")
    return (
        agreement.objects.filter(
            status="in_force", receiving_state=receiving_state(), sending_state=country
        )
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )


def _problem(actor: Actor, country: str, basis: str, reference: str) -> str | None:
    if basis not in ExportBasis.values:
        return gettext("No legal basis was given for an export to %(country)s.") % {
            "country": country
        }
    if basis == ExportBasis.AGREEMENT:
        code = _agreement_in_force(country)
        if code is None:
            return gettext(
                "No agreement in force with %(country)s: its data-sharing clause cannot be "
                "the basis of this export."
            ) % {"country": country}
        if reference != code:
            return gettext("The agreement named is not one in force with %(country)s.") % {
                "country": country
            }
    if basis == ExportBasis.MONITORING and actor.org_kind != OrgKind.MONITORING_BODY:
        return gettext("Only a monitoring body exports on the basis of monitoring.")
    if basis in (ExportBasis.CONSENT, ExportBasis.COURT_ORDER) and not reference.strip():
        return gettext("Name the consent or the order this export rests on.")
    return None


def require_export_basis(
    actor: Actor,
    export_kind: str,
    destination_country: str | None = None,
    basis: str | None = None,
    *,
    reference: str = "",
    detail: str = "",
) -> ExportRecord | None:
    """Record the legal basis of an export leaving the receiving state, or refuse it (audited,
    nothing sent). Returns the record (None: the export stays in the receiving state)."""
    country = (destination_country or destination_of(actor)).upper()
    if country == receiving_state():
        return None
    if not basis:
        basis, found = default_basis(actor)
        reference = reference or found
    if basis == ExportBasis.AGREEMENT and not reference:
        reference = _agreement_in_force(country) or ""
    problem = _problem(actor, country, basis or "", reference)
    if problem is not None:
        audit_security(
            actor=actor,
            action="refused:privacy.export",
            target_type="export",
            target_id=export_kind,
            reason=f"no_export_basis: {country}: {problem}"[:500],
        )
        raise NoExportBasis(problem, details={"basis": [problem]})
    with transaction.atomic():
        record = ExportRecord.objects.create(
            kind=export_kind[:40],
            destination_country=country,
            basis=basis,
            basis_reference=reference[:200],
            exported_by=actor.user,
            exported_by_label=actor.label[:150],
            organisation=actor.organisation,
            detail=detail[:500],
        )
        audit_record(
            actor=actor,
            action="privacy.export",
            target_type="export",
            target_id=record.pk,
            after=_record_dict(record),
        )
    return record


def _record_dict(record: ExportRecord) -> dict[str, Any]:
    return {
        "kind": record.kind,
        "destination_country": record.destination_country,
        "basis": record.basis,
        "basis_reference": record.basis_reference,
        "detail": record.detail,
    }
