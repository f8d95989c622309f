from pathlib import Path

from config import settings as base


def test_real_settings_hash_passwords_with_argon2_first():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_no_absolute_machine_paths_in_settings():
    text = (Path(base.__file__)).read_text()
    assert "/work/" not in text and "/root/" not in text
