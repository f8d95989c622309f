"""The documents storage: a folder under IKAZE_HOME by default, S3 by setting (no network)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.storage import FileSystemStorage
from django.core.files.storage.handler import StorageHandler
from storages.backends.s3 import S3Storage

from config.storage import documents_storage


def _build(conf: dict) -> object:
    return StorageHandler({"documents": conf})["documents"]  # type: ignore[dict-item]


def test_default_is_a_folder_under_the_var_folder(tmp_path: Path) -> None:
    storage = _build(documents_storage({}, tmp_path / "var"))
    assert isinstance(storage, FileSystemStorage)
    assert Path(storage.location) == tmp_path / "var" / "documents"


def test_s3_setting_selects_the_s3_backend(tmp_path: Path) -> None:
    conf = documents_storage(
        {
            "IKAZE_DOCUMENT_STORAGE": "s3",
            "IKAZE_S3_BUCKET": "ikaze-docs",
            "IKAZE_S3_ENDPOINT_URL": "https://s3.example.invalid",
            "IKAZE_S3_REGION": "af-south-1",
        },
        tmp_path,
    )
    storage = _build(conf)
    assert isinstance(storage, S3Storage)
    assert storage.bucket_name == "ikaze-docs"
    assert storage.endpoint_url == "https://s3.example.invalid"
    assert storage.default_acl == "private"
    assert storage.file_overwrite is False
    assert storage.location == "ikaze"


def test_an_unknown_storage_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="IKAZE_DOCUMENT_STORAGE"):
        documents_storage({"IKAZE_DOCUMENT_STORAGE": "ftp"}, tmp_path)
