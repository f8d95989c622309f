"""Account administration refuses in the administrator's language."""

from __future__ import annotations

import pytest
from django.utils import translation

from ikaze.accounts.access import Role
from ikaze.accounts.models import User
from ikaze.accounts.services import user_create
from ikaze.core.errors import ValidationError
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lang", "message", "username", "language"),
    [
        (
            "fr",
            "L'utilisateur n'est pas valide.",
            "Le nom d'utilisateur est obligatoire.",
            "Choisissez en, fr, es ou rw.",
        ),
        (
            "rw",
            "Umukoresha ntaboneye.",
            "Izina ry'ukoresha rirakenewe.",
            "Hitamo en, fr, es cyangwa rw.",
        ),
    ],
)
def test_a_user_without_a_name_is_refused_in_the_active_language(
    lang, message, username, language
) -> None:
    admin = f.actor(Role.ADMIN)
    before = User.objects.count()
    with translation.override(lang), pytest.raises(ValidationError) as exc:
        user_create(
            actor=admin,
            username=" ",
            password="a long enough passphrase 42",
            preferred_language="de",
        )
    assert exc.value.message == message
    assert exc.value.details["username"] == [username]
    assert exc.value.details["preferred_language"] == [language]
    assert User.objects.count() == before
