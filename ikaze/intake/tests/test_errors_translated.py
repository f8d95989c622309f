"""The service refuses a file in the language of the request that sent it."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from ikaze.core.errors import ValidationError
from ikaze.intake import services
from ikaze.intake.models import IntakeBatch
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lang", "message", "empty", "mode"),
    [
        (
            "fr",
            "Le fichier ne peut pas être accepté.",
            "Le fichier est vide.",
            "Choisissez souple ou strict.",
        ),
        (
            "rw",
            "Dosiye ntishobora kwakirwa.",
            "Dosiye irimo ubusa.",
            "Hitamo byoroheje cyangwa bikomeye.",
        ),
        ("en", "The file cannot be accepted.", "The file is empty.", "Choose lenient or strict."),
    ],
)
def test_a_refused_file_is_explained_in_the_active_language(lang, message, empty, mode) -> None:
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    with translation.override(lang), pytest.raises(ValidationError) as exc:
        services.intake_batch_create(
            actor=liaison, agreement=agreement, file_name="m.csv", content=b"", mode="loose"
        )
    assert exc.value.message == message
    assert exc.value.details == {"file": [empty], "mode": [mode]}
    assert IntakeBatch.objects.count() == 0


def test_the_size_limit_is_written_with_the_languages_digit_grouping() -> None:
    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    with (
        override_settings(IKAZE_UPLOAD_MAX_BYTES=1000),
        translation.override("fr"),
        pytest.raises(ValidationError) as exc,
    ):
        services.intake_batch_create(
            actor=liaison,
            agreement=agreement,
            file_name="m.csv",
            content=b"x" * 1500,
            mode="lenient",
        )
    assert exc.value.details["file"] == [
        "Le fichier fait 1\u00a0500 octets\u00a0; la limite est de 1\u00a0000."
    ]


def test_the_upload_page_gives_the_size_limit_in_french_digits() -> None:
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    agreement = factories.agreement_in_force()
    liaison = factories.liaison()
    assert liaison.user is not None
    c = Client()
    c.force_login(liaison.user)
    c.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    upload = SimpleUploadedFile("m.csv", b"x" * 1500, content_type="text/csv")
    with override_settings(IKAZE_UPLOAD_MAX_BYTES=1000):
        res = c.post(
            reverse("intake:batch_list"),
            {"agreement": agreement.code, "file": upload, "mode": "lenient"},
        )
    assert res.status_code == 400
    assert "1\u00a0000 octets" in res.content.decode()
    assert IntakeBatch.objects.count() == 0
