"""Documents on vetting's records (issue 11 item 3): facts, notices (proof of service, signed
receipts) and a fact's source pointing at an uploaded document. Each is read as the vetting
file is read (the receiving side and the monitor, never a sending state)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ikaze.accounts.access import Role
from ikaze.core.errors import NotFound, PermissionDenied, ValidationError
from ikaze.documents import selectors as documents
from ikaze.documents.models import Document
from ikaze.documents.services import document_upload
from ikaze.documents.tests.conftest import PDF, doc_storage, image_bytes  # noqa: F401
from ikaze.vetting import services as svc
from ikaze.vetting.models import LegalEventRecord
from tests import factories as f

pytestmark = pytest.mark.django_db


def _up(actor, target_type: str, target_id, data: bytes = PDF, kind: str = "other") -> Document:
    return document_upload(
        actor=actor,
        target_type=target_type,
        target_id=target_id,
        kind=kind,
        file=io.BytesIO(data),
        name="scan.pdf",
    )


def test_a_facts_documents_are_the_working_files(doc_storage: Path) -> None:  # noqa: F811
    officer = f.vetting_officer()
    referral = f.vetting_referral(officer=officer)
    fact = LegalEventRecord.objects.filter(person_id=referral.person_id).first()
    doc = _up(officer, "legal_event", fact.pk, kind="assessment")
    assert documents.document_get_for(actor=f.actor(Role.MONITOR), document_id=doc.pk) == doc
    liaison = f.liaison()  # a sending state never reads the vetting file
    with pytest.raises(NotFound):
        documents.document_get_for(actor=liaison, document_id=doc.pk)
    with pytest.raises(PermissionDenied):  # no fact recording, whatever the fact
        _up(liaison, "legal_event", fact.pk)
    with pytest.raises(PermissionDenied):  # the monitor reads, it does not attach
        _up(f.actor(Role.MONITOR), "legal_event", fact.pk)
    assert Document.objects.count() == 1


def test_a_notice_takes_its_proof_of_service(doc_storage: Path) -> None:  # noqa: F811
    officer = f.vetting_officer()
    referral = f.vetting_referral(officer=officer)
    svc.referral_accept(actor=officer, referral=referral, reason="Eligible.")
    notice = svc.notice_issue(actor=officer, referral=referral, kind="transfer")
    doc = _up(officer, "notice", notice.pk, data=image_bytes("JPEG"), kind="proof_of_service")
    assert (doc.content_type, doc.kind) == ("image/jpeg", "proof_of_service")
    caseworker = f.actor(Role.CASEWORKER)  # may upload, but not to a notice
    with pytest.raises(PermissionDenied):
        _up(caseworker, "notice", notice.pk)
    assert Document.objects.count() == 1


def test_a_fact_points_at_its_uploaded_source(doc_storage: Path) -> None:  # noqa: F811
    officer = f.vetting_officer()
    referral = f.vetting_referral(officer=officer, clear=False)
    source = _up(officer, "person", referral.person_id, kind="legal_document")
    fact = svc.legal_fact_record(
        actor=officer,
        referral=referral,
        kind="legal_advice_given",
        payload={"provider": "Legal Aid Rwanda", "language": "es"},
        effective_at=referral.submitted_at.date(),
        source_document="",
        source_file=source,
    )
    assert (fact.source_file_id, fact.source_document) == (source.pk, "scan.pdf")


def test_a_source_of_another_person_is_refused(doc_storage: Path) -> None:  # noqa: F811
    officer = f.vetting_officer()
    referral = f.vetting_referral(officer=officer, clear=False)
    other = f.vetting_referral(officer=officer, clear=False)
    foreign = _up(officer, "person", other.person_id)
    facts_before = LegalEventRecord.objects.count()
    with pytest.raises(ValidationError) as refused:
        svc.legal_fact_record(
            actor=officer,
            referral=referral,
            kind="legal_advice_given",
            payload={"provider": "Legal Aid Rwanda", "language": "es"},
            effective_at=referral.submitted_at.date(),
            source_document="LA-1",
            source_file=foreign,
        )
    assert list(refused.value.details) == ["source_file"]
    assert LegalEventRecord.objects.count() == facts_before
