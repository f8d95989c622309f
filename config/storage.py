"""Where uploaded documents are kept: the "documents" entry of STORAGES (ADR 0017).

- `IKAZE_DOCUMENT_STORAGE=local` (the default): the folder `documents/` under the var folder
  (IKAZE_HOME/var), with no URL of its own: files are served only through the download view.
- `IKAZE_DOCUMENT_STORAGE=s3`: an S3-compatible bucket through django-storages:
  `IKAZE_S3_BUCKET` (required), `IKAZE_S3_ENDPOINT_URL` (MinIO, Ceph, ...: leave empty for
  AWS), `IKAZE_S3_REGION`, `IKAZE_S3_PREFIX` (default "ikaze"); credentials through the
  standard `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` (or an instance role). Objects are
  private and never overwritten; nothing links to the bucket directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def documents_storage(env: Mapping[str, str], var_dir: Path) -> dict[str, Any]:
    """The STORAGES entry for documents, read from the environment."""
    kind = env.get("IKAZE_DOCUMENT_STORAGE", "local").strip().lower() or "local"
    if kind == "s3":
        return {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env.get("IKAZE_S3_BUCKET", ""),
                "endpoint_url": env.get("IKAZE_S3_ENDPOINT_URL") or None,
                "region_name": env.get("IKAZE_S3_REGION") or None,
                "location": env.get("IKAZE_S3_PREFIX", "ikaze"),
                "default_acl": "private",
                "file_overwrite": False,
                "querystring_auth": True,
            },
        }
    if kind != "local":
        raise ValueError(f"IKAZE_DOCUMENT_STORAGE must be 'local' or 's3', not {kind!r}")
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(var_dir / "documents"), "base_url": "/no-direct-access/"},
    }
