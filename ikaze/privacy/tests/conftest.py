from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings


@pytest.fixture(autouse=True)
def _immediate_tasks() -> Iterator[None]:
    # Jobs run at commit, in the test's process; the trained model goes to a temporary folder.
    with override_settings(
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    ):
        yield
