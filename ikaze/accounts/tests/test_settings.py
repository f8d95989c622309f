import os
import subprocess
import sys
from pathlib import Path

from config import settings as base


def test_real_settings_hash_passwords_with_argon2_first():
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_no_absolute_machine_paths_in_settings():
    text = (Path(base.__file__)).read_text()
    assert "/work/" not in text and "/root/" not in text


def test_the_tests_hash_with_the_fast_hasher_of_their_own_settings():
    from django.conf import settings

    from config import settings_test

    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert settings_test.PASSWORD_HASHERS == settings.PASSWORD_HASHERS
    assert base.PASSWORD_HASHERS != settings_test.PASSWORD_HASHERS


def _import_settings_in(home: Path, module: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("IKAZE_SECRET_KEY", "DATABASE_URL")}
    env["IKAZE_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-c", f"import {module} as s; print(repr(s.SECRET_KEY))"],
        env=env,
        cwd=Path(base.BASE_DIR),
        capture_output=True,
        text=True,
        check=True,
    )


def test_importing_the_settings_writes_nothing(tmp_path):
    # issue 10 item 7: no secret-key file, no folder, just from reading the settings.
    for module in ("config.settings", "config.settings_production", "config.settings_test"):
        out = _import_settings_in(tmp_path, module)
        assert out.stdout.strip() in ("''", repr(settings_test_key()))
        assert list(tmp_path.iterdir()) == []


def settings_test_key() -> str:
    from config import settings_test

    return settings_test.SECRET_KEY


def test_prepare_makes_the_folders_and_a_key_once_and_settings_read_it(tmp_path):
    from config import home

    env_key = os.environ.pop("IKAZE_SECRET_KEY", None)
    try:
        home.prepare(tmp_path / "var")
        key = (tmp_path / "var" / "secret_key").read_text()
        home.prepare(tmp_path / "var")
    finally:
        if env_key is not None:
            os.environ["IKAZE_SECRET_KEY"] = env_key
    assert key.startswith("insecure-") and len(key) > 50
    assert (tmp_path / "var" / "secret_key").read_text() == key
    assert (tmp_path / "var" / "static").is_dir()
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600
    assert _import_settings_in(tmp_path, "config.settings").stdout.strip() == repr(key)
