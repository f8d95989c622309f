"""D2-D5: exports abroad need a basis; requests and their deadlines; holds and the purge;
the breach register's clocks. Each refusal is audited and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.core import clock
from ikaze.core.errors import PermissionDenied, ValidationError
from ikaze.people import selectors
from ikaze.people.models import Person, SensitiveData
from ikaze.privacy import exports, services, vault
from ikaze.privacy.errors import (
    AlreadyErased,
    BreachClock,
    NoExportBasis,
    RequestClosed,
    UnderLegalHold,
)
from ikaze.privacy.models import Breach, DataRequest, ExportRecord, LegalHold, Purge
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.actor(Role.ADMIN)


@pytest.fixture
def person():
    return factories.person(
        by=factories.liaison(), health="asthma", vulnerabilities="minor", health_consent=True
    )


# --- D2 ---------------------------------------------------------------------------------------


def test_an_export_abroad_without_an_agreement_in_force_is_refused_and_audited() -> None:
    liaison = factories.liaison(country="GB")  # no agreement with GB
    with pytest.raises(NoExportBasis):
        exports.require_export_basis(liaison, "referral_list_csv")
    assert not ExportRecord.objects.exists()
    assert AuditEvent.objects.filter(action="refused:privacy.export").count() == 1


def test_an_export_to_a_party_records_the_agreement_as_its_basis() -> None:
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    record = exports.require_export_basis(liaison, "referral_list_csv")
    assert record is not None
    assert (record.destination_country, record.basis, record.basis_reference) == (
        "US",
        "agreement",
        agreement.code,
    )
    assert AuditEvent.objects.filter(action="privacy.export").count() == 1
    # Inside the receiving state nothing is needed nor recorded.
    officer = factories.actor(Role.VETTING_OFFICER)
    assert exports.require_export_basis(officer, "referral_list_csv") is None


def test_a_basis_named_must_hold() -> None:
    factories.agreement_in_force()
    liaison = factories.liaison()
    for basis, reference in (("monitoring", ""), ("consent", ""), ("agreement", "NOPE"), ("x", "")):
        with pytest.raises(NoExportBasis):
            exports.require_export_basis(liaison, "audit_jsonl", None, basis, reference=reference)
    assert not ExportRecord.objects.exists()
    record = exports.require_export_basis(
        liaison, "audit_jsonl", None, "court_order", reference="Order 12/2026"
    )
    assert record is not None and record.basis == "court_order"


def test_the_csv_export_of_a_sending_state_without_agreement_is_refused(client_for) -> None:
    c = client_for(Role.SENDING_LIAISON)  # a US organisation; no agreement in force with US
    response = c.get("/vetting/referrals/export.csv")
    assert response.status_code == 409
    assert "legal basis" in response.content.decode()
    assert AuditEvent.objects.filter(action="refused:privacy.export").count() == 1
    factories.agreement_in_force()
    assert c.get("/vetting/referrals/export.csv").status_code == 200
    assert ExportRecord.objects.filter(kind="referrals", destination_country="US").exists()


# --- D3 ---------------------------------------------------------------------------------------


def test_a_request_has_a_deadline_and_a_closed_one_is_refused(admin, person) -> None:
    received = clock.now() - dt.timedelta(days=3)
    request = services.request_open(actor=admin, person=person, kind="access", received_at=received)
    assert request.due_at == received + dt.timedelta(days=30)
    services.request_decide(actor=admin, request=request, accept=True)
    with pytest.raises(RequestClosed):
        services.request_decide(actor=admin, request=request, accept=False, note="again")
    assert AuditEvent.objects.filter(action="refused:privacy.request.decide").count() == 1
    request.refresh_from_db()
    assert request.status == "done"


def test_restriction_hides_sensitive_data_from_officers_but_not_the_monitor(admin, person) -> None:
    request = services.request_open(actor=admin, person=person, kind="restriction", detail="why")
    services.request_decide(actor=admin, request=request, accept=True)
    officer = factories.actor(Role.VETTING_OFFICER)
    view = selectors.sensitive_data_for(actor=officer, person=person)
    assert view is not None and view.restricted and view.health == ""
    monitor = factories.actor(Role.MONITOR)
    view = selectors.sensitive_data_for(actor=monitor, person=person)
    assert view is not None and view.health == "asthma"
    services.restriction_lift(actor=admin, request=request, note="court ruled")
    view = selectors.sensitive_data_for(actor=officer, person=person)
    assert view is not None and view.health == "asthma"


def test_a_rectification_without_consent_is_refused_and_nothing_changes(admin) -> None:
    p = factories.person(by=factories.liaison(), vulnerabilities="v")
    before = SensitiveData.objects.get(person=p).vulnerabilities
    request = services.request_open(
        actor=admin, person=p, kind="rectification", field="health", proposed_value="flu"
    )
    with pytest.raises(ValidationError):
        services.request_decide(actor=admin, request=request, accept=True)
    assert SensitiveData.objects.get(person=p).vulnerabilities == before
    assert DataRequest.objects.get(pk=request.pk).status == "open"
    assert AuditEvent.objects.filter(action="refused:privacy.request.decide").exists()


def test_only_the_data_protection_officer_records_requests(person) -> None:
    officer = factories.actor(Role.VETTING_OFFICER)
    with pytest.raises(PermissionDenied):
        services.request_open(actor=officer, person=person, kind="access")
    assert not DataRequest.objects.exists()


# --- D4 ---------------------------------------------------------------------------------------


def test_a_purge_under_legal_hold_is_refused_audited_and_changes_nothing(admin, person) -> None:
    services.hold_place(actor=admin, person=person, reason="Court case", reference="HC/1/2026")
    with pytest.raises(UnderLegalHold):
        services.purge_person(actor=admin, person=person, reason="erasure request")
    assert AuditEvent.objects.filter(action="refused:privacy.purge").count() == 1
    assert not Purge.objects.exists()
    assert not vault.subject_erased(person.pk)
    assert vault.open_field(SensitiveData.objects.get(person=person), "health") == "asthma"


def test_a_purge_destroys_the_data_irrecoverably(admin, person) -> None:
    envelope = SensitiveData.objects.get(person=person).health
    services.purge_person(actor=admin, person=person, reason="erasure request")
    assert not SensitiveData.objects.filter(person=person).exists()
    assert vault.subject_erased(person.pk)
    # Even a copy of the old ciphertext (a backup) no longer opens: the key is gone.
    with pytest.raises(vault.Erased):
        vault.open_(
            envelope,
            table="people_sensitivedata",
            column="health",
            row_id=person.pk,
            subject_id=person.pk,
            secret=vault.subject_secrets([person.pk], create=False)[person.pk],
        )
    assert Person.objects.filter(pk=person.pk).exists()  # the record of the person stays
    assert AuditEvent.objects.filter(action="privacy.purge", target_id=str(person.pk)).exists()


def test_the_retention_job_purges_what_is_due_and_skips_holds(admin) -> None:
    liaison = factories.liaison()
    old = [factories.person(by=liaison, health=f"h{i}", health_consent=True) for i in range(3)]
    fresh = factories.person(by=liaison, health="fresh", health_consent=True)
    long_ago = clock.now() - dt.timedelta(days=11 * 365)
    pks = [p.pk for p in old]
    SensitiveData.objects.filter(person_id__in=pks).update(updated_at=long_ago)
    Person.objects.filter(pk__in=pks).update(updated_at=long_ago)
    services.hold_place(actor=admin, person=old[0], reason="inquiry", reference="INQ-1")
    dry = services.purge_due(actor=admin, dry_run=True)
    assert (dry.purged, dry.held) == (2, 1)
    assert SensitiveData.objects.count() == 4
    run = services.purge_due(actor=admin)
    assert (run.purged, run.held) == (2, 1)
    assert set(SensitiveData.objects.values_list("person_id", flat=True)) == {old[0].pk, fresh.pk}
    assert AuditEvent.objects.filter(action="privacy.purge.held").count() == 1
    # A hold released, the next run purges.
    services.hold_release(actor=admin, hold=LegalHold.objects.get(), reason="inquiry closed")
    assert services.purge_due(actor=admin).purged == 1


# --- D5 ---------------------------------------------------------------------------------------


def test_a_breach_runs_its_48_and_72_hour_clocks(admin) -> None:
    discovered = clock.now() - dt.timedelta(hours=50)
    breach = services.breach_record(
        actor=admin,
        title="Laptop lost",
        description="An unencrypted export on a lost laptop.",
        discovered_at=discovered,
        people_affected=40,
        categories=["health"],
    )
    assert breach.notice_due_at == discovered + dt.timedelta(hours=48)
    assert breach.report_due_at == discovered + dt.timedelta(hours=72)
    with pytest.raises(BreachClock):
        services.breach_notify(
            actor=admin, breach=breach, reference="R-1", at=discovered - dt.timedelta(hours=1)
        )
    assert Breach.objects.get(pk=breach.pk).notified_at is None
    assert AuditEvent.objects.filter(action="refused:privacy.breach").count() == 1
    breach = services.breach_notify(actor=admin, breach=breach, reference="NCSA-77")
    late = AuditEvent.objects.get(action="privacy.breach.notify")
    assert late.after["late"] is True
    breach = services.breach_report(actor=admin, breach=breach, reference="NCSA-77-R")
    assert breach.status == "closed"


def test_a_breach_discovered_in_the_future_is_refused(admin) -> None:
    with pytest.raises(ValidationError):
        services.breach_record(
            actor=admin,
            title="x",
            description="y",
            discovered_at=clock.now() + dt.timedelta(days=1),
        )
    assert not Breach.objects.exists()


def test_a_rectification_after_a_purge_is_refused(admin, person) -> None:
    request = services.request_open(
        actor=admin, person=person, kind="rectification", field="health", proposed_value="flu"
    )
    services.purge_person(actor=admin, person=person, reason="erasure")
    with pytest.raises(AlreadyErased):
        services.request_decide(actor=admin, request=request, accept=True)
    assert DataRequest.objects.get(pk=request.pk).status == "open"
    assert not SensitiveData.objects.filter(person=person).exists()
