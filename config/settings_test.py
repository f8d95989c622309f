"""Settings for the tests (pytest's DJANGO_SETTINGS_MODULE): the base settings, with a fast
password hasher and a fixed key. ikaze/accounts/tests/test_settings.py proves the real
settings hash with Argon2."""

from config.settings import *  # noqa: F403

# Argon2 costs ~0.1 s a hash by design; tests check flows, not the hasher.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The tests never read a stored key (config.home.prepare makes none for them).
SECRET_KEY = "test-only-key-" + "0123456789abcdef" * 4
