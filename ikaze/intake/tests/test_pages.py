from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from ikaze.intake.manifest import COLUMN_NAMES
from ikaze.intake.models import IntakeBatch
from ikaze.intake.tests.helpers import csv_bytes, row
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    c = Client()
    c.force_login(liaison.user)
    return agreement, liaison, c


def test_upload_shows_progress_and_error_report(setup, django_capture_on_commit_callbacks) -> None:
    agreement, _, c = setup
    f = SimpleUploadedFile("m.csv", csv_bytes([row(1), row(2, sex="Q")]), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(
            reverse("intake:batch_list"),
            {"agreement": agreement.code, "file": f, "mode": "lenient"},
        )
    batch = IntakeBatch.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("intake:batch_detail", args=[batch.pk])
    page = c.get(r["Location"]).content.decode()
    assert "<progress" in page
    assert "Write one of F, M, X." in page
    progress = c.get(reverse("intake:batch_progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    report = c.get(reverse("intake:batch_errors_csv", args=[batch.pk]))
    assert b"".join(report.streaming_content).decode().splitlines() == [
        "row,column,value,reason",
        '3,sex,Q,"Write one of F, M, X."',
    ]


def test_upload_without_file_is_400(setup) -> None:
    agreement, _, c = setup
    r = c.post(reverse("intake:batch_list"), {"agreement": agreement.code, "mode": "lenient"})
    assert r.status_code == 400
    assert IntakeBatch.objects.count() == 0


def test_templates_download_and_parse_back() -> None:
    import openpyxl

    c = Client()
    c.force_login(factories.liaison().user)
    csv_resp = c.get(reverse("intake:template_csv"))
    assert csv_resp.content.decode().splitlines()[0] == ",".join(COLUMN_NAMES)
    xlsx = c.get(reverse("intake:template_xlsx"))
    wb = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert list(next(wb.worksheets[0].iter_rows(values_only=True))) == COLUMN_NAMES


def test_other_organisation_gets_404(setup, django_capture_on_commit_callbacks) -> None:
    from ikaze.intake import services

    agreement, liaison, _ = setup
    batch, _ = services.intake_batch_create(
        actor=liaison, agreement=agreement, file_name="m.csv", content=csv_bytes([row(1)])
    )
    other = Client()
    other.force_login(factories.liaison().user)
    assert other.get(reverse("intake:batch_detail", args=[batch.pk])).status_code == 404
    assert other.get(reverse("intake:batch_errors_csv", args=[batch.pk])).status_code == 404


def test_progress_names_the_phase_in_french(setup) -> None:
    from django.conf import settings

    from ikaze.intake import services

    agreement, liaison, c = setup
    batch, _ = services.intake_batch_create(
        actor=liaison, agreement=agreement, file_name="m.csv", content=csv_bytes([row(1)])
    )
    IntakeBatch.objects.filter(pk=batch.pk).update(
        status=IntakeBatch.Status.RUNNING, phase="matching", rows_total=10, rows_done=4
    )
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = c.get(reverse("intake:batch_progress", args=[batch.pk])).content.decode()
    page = page.replace("\u00a0", " ")  # French puts a no-break space before a colon
    assert "Recherche des doublons : 4 lignes sur 10" in page
    assert "matching" not in page
