"""Uploads and downloads (issue 11 item 3): refusals store nothing, reads are audited, scope.

Runs on SQLite and PostgreSQL (the suite's two databases).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ikaze.accounts.access import OrgKind, Role
from ikaze.accounts.guards import OutOfScope
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import NotFound
from ikaze.documents import selectors, services
from ikaze.documents.models import Document
from ikaze.documents.tests.conftest import PDF, image_bytes, stored_files
from tests import factories as f
from tests import support

pytestmark = pytest.mark.django_db


def _upload(actor, referral, data: bytes, name: str = "passport.pdf", kind: str = "other"):
    return services.document_upload(
        actor=actor,
        target_type="referral",
        target_id=referral.pk,
        kind=kind,
        file=io.BytesIO(data),
        name=name,
    )


def test_an_upload_stores_the_file_its_fingerprint_and_who(doc_storage: Path) -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    doc = _upload(liaison, referral, PDF, name="../Birth certificate.pdf", kind="birth_certificate")
    doc.refresh_from_db()
    assert (doc.target_type, doc.target_id, doc.kind) == (
        "referral",
        referral.pk,
        "birth_certificate",
    )
    assert doc.original_name == "Birth certificate.pdf"
    assert doc.content_type == "application/pdf"
    assert doc.size == len(PDF)
    assert doc.sha256 == hashlib.sha256(PDF).hexdigest()
    assert doc.uploaded_by_id == liaison.user.pk
    assert stored_files(doc_storage) == [doc_storage / doc.storage_name]
    assert (doc_storage / doc.storage_name).read_bytes() == PDF
    event = AuditEvent.objects.get(action="document.upload")
    assert (event.target_type, event.target_id) == ("referral", str(referral.pk))
    assert event.after["sha256"] == doc.sha256
    assert event.after["document"] == str(doc.pk)


def test_the_type_comes_from_the_content_not_the_name(doc_storage: Path) -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    doc = _upload(liaison, referral, image_bytes("PNG"), name="scan.pdf")
    assert doc.content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "name", "code"),
    [
        (PDF + b"x" * 200, "big.pdf", "document_too_large"),
        (b"just text, not a picture", "photo.png", "document_type_refused"),
        (b"%PDF-1.7\nI claim to be a PDF and am not", "claims.pdf", "document_type_refused"),
        (b"", "empty.pdf", "document_empty"),
    ],
)
def test_a_refused_upload_stores_nothing(
    doc_storage: Path, settings, data: bytes, name: str, code: str
) -> None:
    settings.IKAZE_DOCUMENT_MAX_BYTES = 150
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    uploads_before = AuditEvent.objects.filter(action="document.upload").count()
    with pytest.raises(services.IkazeError) as exc:
        _upload(liaison, referral, data, name=name)
    assert exc.value.code == code
    assert exc.value.details["file"]
    assert Document.objects.count() == 0
    assert stored_files(doc_storage) == []
    assert AuditEvent.objects.filter(action="document.upload").count() == uploads_before
    refused = AuditEvent.objects.get(action="refused:document.upload")
    assert refused.reason.startswith(f"{code}: ")
    assert refused.target_id == str(referral.pk)


def test_a_liaison_of_another_sending_state_cannot_upload_read_or_list(doc_storage: Path) -> None:
    agreement = f.agreement_in_force()
    owner = f.liaison()
    referral = f.referral(by=owner, agreement=agreement)
    doc = _upload(owner, referral, PDF)
    other = f.liaison(country="GB")
    same_country_other_office = f.liaison()
    for stranger in (other, same_country_other_office):
        with pytest.raises(NotFound):
            selectors.document_get_for(actor=stranger, document_id=doc.pk)
        with pytest.raises(NotFound):
            selectors.document_list_for(
                actor=stranger, target_type="referral", target_id=referral.pk
            )
        with pytest.raises(NotFound):
            _upload(stranger, referral, PDF)
    assert Document.objects.count() == 1
    assert len(stored_files(doc_storage)) == 1
    assert not AuditEvent.objects.filter(action="document.read").exists()


def test_every_download_is_audited_and_served_as_an_attachment(doc_storage: Path) -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    doc = _upload(liaison, referral, PDF, name='evil"name.pdf')
    officer = f.vetting_officer()
    client = support.session_client(officer.user)
    response = client.get(f"/documents/{doc.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="evil name.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    reads = list(AuditEvent.objects.filter(action="document.read"))
    assert [(e.kind, e.target_id, e.actor_id) for e in reads] == [
        ("read", str(doc.pk), str(officer.user.pk))
    ]


def test_the_monitor_reads_every_document_and_each_read_is_logged(doc_storage: Path) -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    doc = _upload(liaison, referral, PDF)
    monitor = f.actor(Role.MONITOR)
    for _ in range(2):
        _doc, handle = selectors.document_read_for(actor=monitor, document_id=doc.pk)
        assert handle.read() == PDF
        handle.close()
    assert AuditEvent.objects.filter(action="document.read", target_id=str(doc.pk)).count() == 2


def test_a_stranger_download_is_a_404_recorded_as_a_probe(doc_storage: Path) -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    doc = _upload(liaison, referral, PDF)
    stranger = f.liaison(country="GB")
    response = support.session_client(stranger.user).get(f"/documents/{doc.pk}/")
    assert response.status_code == 404
    probe = AuditEvent.objects.get(action="probe:out_of_scope")
    assert (probe.target_type, probe.target_id) == ("document", str(doc.pk))
    api = support.session_client(stranger.user).get(f"/api/v1/documents/{doc.pk}/content")
    assert api.status_code == 404
    assert api.json()["error"]["code"] == "not_found"


def test_person_documents_follow_the_people_scope(doc_storage: Path) -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    doc = services.document_upload(
        actor=liaison,
        target_type="person",
        target_id=referral.person_id,
        kind="birth_certificate",
        file=io.BytesIO(image_bytes("JPEG")),
        name="bc.jpg",
    )
    officer = f.vetting_officer()  # Rwanda, party to the agreement: reads the person
    assert selectors.document_get_for(actor=officer, document_id=doc.pk) == doc
    outsider = f.vetting_officer(
        organisation_=f.organisation(OrgKind.RECEIVING_STATE, country="CR")
    )
    with pytest.raises(OutOfScope):
        selectors.document_get_for(actor=outsider, document_id=doc.pk)


def test_the_api_uploads_lists_and_downloads(doc_storage: Path, settings) -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    client = support.session_client(liaison.user)
    ok = client.post(
        "/api/v1/documents",
        {
            "target_type": "referral",
            "target_id": str(referral.pk),
            "kind": "assessment",
            "file": SimpleUploadedFile("a.pdf", PDF, content_type="text/plain"),
        },
    )
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert (body["content_type"], body["sha256"], body["size"]) == (
        "application/pdf",
        hashlib.sha256(PDF).hexdigest(),
        len(PDF),
    )
    listed = client.get(
        "/api/v1/documents", {"target_type": "referral", "target_id": str(referral.pk)}
    )
    assert [d["id"] for d in listed.json()] == [body["id"]]
    got = client.get(f"/api/v1/documents/{body['id']}/content")
    assert got.status_code == 200
    assert b"".join(got.streaming_content) == PDF  # type: ignore[attr-defined]
    refused = client.post(
        "/api/v1/documents",
        {
            "target_type": "referral",
            "target_id": str(referral.pk),
            "kind": "assessment",
            "file": SimpleUploadedFile(
                "fake.pdf", b"%PDF-1.4 not really", content_type="application/pdf"
            ),
        },
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "document_type_refused"
    assert Document.objects.count() == 1
    assert len(stored_files(doc_storage)) == 1


def test_a_role_that_never_reads_the_record_gets_not_found(doc_storage: Path) -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    doc = _upload(liaison, referral, PDF)
    caseworker = f.actor(Role.CASEWORKER)  # reads documents, but never a referral
    with pytest.raises(OutOfScope):
        selectors.document_get_for(actor=caseworker, document_id=doc.pk)


def test_the_upload_page_refuses_a_fake_pdf_and_stays_on_this_site(doc_storage: Path) -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    client = support.session_client(liaison.user)
    response = client.post(
        f"/documents/upload/referral/{referral.pk}/",
        {
            "kind": "birth_certificate",
            "file": SimpleUploadedFile("birth.pdf", b"%PDF-1.4 not a pdf at all"),
            "next": "https://evil.example/",
        },
        follow=True,
    )
    assert response.redirect_chain[0] == ("/", 302)
    assert "The document was not uploaded." in response.content.decode()
    assert Document.objects.count() == 0
    assert stored_files(doc_storage) == []
    ok = client.post(
        f"/documents/upload/referral/{referral.pk}/",
        {
            "kind": "birth_certificate",
            "file": SimpleUploadedFile("birth.pdf", PDF),
            "next": f"/vetting/referrals/{referral.pk}/",
        },
    )
    assert (ok.status_code, ok["Location"]) == (302, f"/vetting/referrals/{referral.pk}/")
    assert Document.objects.get().original_name == "birth.pdf"
