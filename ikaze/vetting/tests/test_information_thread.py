"""Information requested is a thread on the referral (issue 11 item 4): the officer's question,
the liaison's answer with documents and corrections, the referral submitted again; both
parties and the monitor read it, in order; every step audited; refusals change nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ikaze.accounts.access import Role
from ikaze.audit.models import AuditEvent
from ikaze.core.errors import IllegalTransition, NotFound, ValidationError
from ikaze.documents.models import Document
from ikaze.documents.services import document_prepare
from ikaze.documents.tests.conftest import PDF, doc_storage, stored_files  # noqa: F401
from ikaze.vetting import services
from ikaze.vetting.models import Referral, ReferralMessage
from tests import factories as f
from tests import support

pytestmark = pytest.mark.django_db

QUESTION = "Send the birth certificate: the date of birth is in doubt."


def _asked():
    agreement = f.agreement_in_force()
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=agreement, place_of_birth="Tegucigalpa")
    officer = f.vetting_officer()
    services.referral_start_review(actor=officer, referral=referral)
    services.referral_request_information(actor=officer, referral=referral, reason=QUESTION)
    referral.refresh_from_db()
    return liaison, officer, referral


def test_the_question_is_the_threads_first_message() -> None:
    _liaison, officer, referral = _asked()
    assert referral.status == Referral.Status.INFORMATION_REQUESTED
    (question,) = ReferralMessage.objects.filter(referral=referral)
    assert (question.kind, question.body, question.author_id, question.organisation_id) == (
        "question",
        QUESTION,
        officer.user.pk,
        officer.organisation_id,
    )


def test_the_liaison_answers_corrects_attaches_and_resubmits(doc_storage: Path) -> None:  # noqa: F811
    liaison, _officer, referral = _asked()
    before = AuditEvent.objects.order_by("-seq").first().seq
    prepared = document_prepare(file=io.BytesIO(PDF), name="birth.pdf", kind="birth_certificate")
    answer = services.referral_information_answer(
        actor=liaison,
        referral=referral,
        answer="Attached. The place of birth was wrong.",
        corrections={"place_of_birth": "San Pedro Sula"},
        attachments=[prepared],
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED
    assert referral.person.place_of_birth == "San Pedro Sula"
    assert [m.kind for m in ReferralMessage.objects.filter(referral=referral)] == [
        "question",
        "answer",
    ]
    assert (answer.corrected_fields, answer.resubmitted, answer.organisation_id) == (
        ["place_of_birth"],
        True,
        liaison.organisation_id,
    )
    (doc,) = Document.objects.all()
    assert (doc.target_type, doc.target_id, doc.kind) == (
        "referral_message",
        answer.pk,
        "birth_certificate",
    )
    assert stored_files(doc_storage) == [doc_storage / doc.storage_name]
    actions = list(
        AuditEvent.objects.filter(seq__gt=before, kind="change")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions[0] == "person.update"
    order = [actions.index(a) for a in ("referral.answer_information", "referral.submit")]
    assert order == sorted(order)
    assert actions[-1] == "document.upload"


def test_an_answer_without_resubmitting_keeps_the_request_open() -> None:
    liaison, _officer, referral = _asked()
    services.referral_information_answer(
        actor=liaison, referral=referral, answer="We are looking for it.", resubmit=False
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.INFORMATION_REQUESTED
    assert ReferralMessage.objects.filter(referral=referral).count() == 2


@pytest.mark.parametrize(
    ("answer", "corrections", "error"),
    [
        ("", {}, ValidationError),
        ("ok", {"given_names": ""}, ValidationError),  # the registry's own rule: names required
        ("ok", {"external_reference": "X"}, ValidationError),  # not editable in the registry
    ],
)
def test_a_refused_answer_changes_nothing(answer, corrections, error) -> None:
    liaison, _officer, referral = _asked()
    person_before = referral.person.given_names
    with pytest.raises(error):
        services.referral_information_answer(
            actor=liaison, referral=referral, answer=answer, corrections=corrections
        )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.INFORMATION_REQUESTED
    assert referral.person.given_names == person_before
    assert ReferralMessage.objects.filter(referral=referral).count() == 1
    assert not AuditEvent.objects.filter(action="referral.answer_information").exists()
    assert AuditEvent.objects.filter(action="refused:referral.answer_information").count() == 1


def test_only_a_request_can_be_answered_and_only_by_its_liaison() -> None:
    liaison = f.liaison()
    referral = f.referral(by=liaison, agreement=f.agreement_in_force())
    with pytest.raises(IllegalTransition):
        services.referral_information_answer(actor=liaison, referral=referral, answer="x")
    _l, _o, asked = _asked()
    with pytest.raises(NotFound):
        services.referral_information_answer(actor=f.liaison(), referral=asked, answer="x")
    assert ReferralMessage.objects.filter(kind="answer").count() == 0


def test_the_page_answer_with_a_bad_file_stores_nothing(doc_storage: Path) -> None:  # noqa: F811
    liaison, _officer, referral = _asked()
    client = support.session_client(liaison.user)
    response = client.post(
        f"/vetting/referrals/{referral.pk}/answer/",
        {
            "answer": "Here it is.",
            "attachments": [SimpleUploadedFile("birth.pdf", b"%PDF-1.4 but not a pdf")],
            "attachments_kind": "birth_certificate",
            "given_names": referral.person.given_names,
            "first_surname": referral.person.first_surname,
            "second_surname": referral.person.second_surname,
            "place_of_birth": "Elsewhere",
            "resubmit": "on",
        },
    )
    assert response.status_code == 400
    assert "birth.pdf" in response.content.decode()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.INFORMATION_REQUESTED
    assert referral.person.place_of_birth == "Tegucigalpa"
    assert ReferralMessage.objects.filter(referral=referral).count() == 1
    assert Document.objects.count() == 0
    assert stored_files(doc_storage) == []


def test_both_parties_and_the_monitor_read_the_thread(doc_storage: Path) -> None:  # noqa: F811
    liaison, officer, referral = _asked()
    client = support.session_client(liaison.user)
    page = client.get(f"/vetting/referrals/{referral.pk}/").content.decode()
    assert "Question from the vetting officer" in page
    assert QUESTION in page
    response = client.post(
        f"/vetting/referrals/{referral.pk}/answer/",
        {
            "answer": "The certificate is attached.",
            "attachments": [SimpleUploadedFile("certificate.pdf", PDF)],
            "attachments_kind": "birth_certificate",
            "given_names": referral.person.given_names,
            "first_surname": referral.person.first_surname,
            "second_surname": referral.person.second_surname,
            "place_of_birth": referral.person.place_of_birth,
            "resubmit": "on",
        },
    )
    assert response.status_code == 302
    doc = Document.objects.get()
    for reader in (officer, f.actor(Role.MONITOR), liaison):
        c = support.session_client(reader.user)
        detail = c.get(f"/vetting/referrals/{referral.pk}/").content.decode()
        assert "The certificate is attached." in detail
        assert f"/documents/{doc.pk}/" in detail
        assert c.get(f"/documents/{doc.pk}/").status_code == 200
    file_page = support.session_client(officer.user).get(
        f"/vetting/referrals/{referral.pk}/vetting/"
    )
    assert "The certificate is attached." in file_page.content.decode()
    stranger = support.session_client(f.liaison(country="GB").user)
    assert stranger.get(f"/vetting/referrals/{referral.pk}/").status_code == 404
    assert stranger.get(f"/documents/{doc.pk}/").status_code == 404


def test_the_api_lists_and_answers_the_thread(doc_storage: Path) -> None:  # noqa: F811
    liaison, _officer, referral = _asked()
    client = support.session_client(liaison.user)
    url = f"/api/v1/vetting/referrals/{referral.pk}"
    assert [m["kind"] for m in client.get(f"{url}/messages").json()] == ["question"]
    refused = client.post(
        f"{url}/answer",
        {"answer": "ok", "corrections": {"given_names": ""}},
        content_type="application/json",
    )
    assert refused.status_code == 422
    answered = client.post(
        f"{url}/answer",
        {"answer": "Done.", "corrections": {"place_of_birth": "La Ceiba"}, "resubmit": True},
        content_type="application/json",
    )
    assert answered.status_code == 201, answered.content
    body = answered.json()
    assert (body["kind"], body["corrected_fields"], body["resubmitted"]) == (
        "answer",
        ["place_of_birth"],
        True,
    )
    attached = client.post(
        "/api/v1/documents",
        {
            "target_type": "referral_message",
            "target_id": body["id"],
            "kind": "birth_certificate",
            "file": SimpleUploadedFile("bc.pdf", PDF),
        },
    )
    assert attached.status_code == 201, attached.content
    officer_view = support.session_client(_officer.user).get(f"{url}/messages").json()
    assert [m["kind"] for m in officer_view] == ["question", "answer"]
    # The other side cannot attach to the liaison's answer.
    other = support.session_client(_officer.user).post(
        "/api/v1/documents",
        {
            "target_type": "referral_message",
            "target_id": body["id"],
            "kind": "other",
            "file": SimpleUploadedFile("x.pdf", PDF),
        },
    )
    assert other.status_code == 404
    assert Document.objects.count() == 1
