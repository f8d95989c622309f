"""Where the documents' bytes live: Django's storage API, alias "documents" (ADR 0017).

By default a folder under IKAZE_HOME (`var/documents`) with no base URL: nothing serves it
directly, every read goes through the download view that checks and audits it. With
`IKAZE_DOCUMENT_STORAGE=s3`, an S3-compatible bucket through django-storages (settings in
`config/settings.py`, documented in docs/guide/admin.md).
"""

from __future__ import annotations

from django.core.files.storage import Storage, storages


def document_storage() -> Storage:
    """The storage the documents are kept in."""
    return storages["documents"]
