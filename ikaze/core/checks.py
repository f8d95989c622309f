"""System checks for configuration (run by `ikaze check`)."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def check_ikaze_settings(app_configs: Any, **kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    try:
        from zoneinfo import ZoneInfo

        ZoneInfo(settings.IKAZE_RECEIVING_TIME_ZONE)
    except Exception:
        problems.append(
            Error(
                f"IKAZE_RECEIVING_TIME_ZONE={settings.IKAZE_RECEIVING_TIME_ZONE!r} is not a known time zone.",
                id="ikaze.E001",
            )
        )
    # SAFEGUARDS C3: a public figure never shows a group under 5 (ikaze/reports/disclosure.py).
    if int(getattr(settings, "IKAZE_DISCLOSURE_THRESHOLD", 5)) < 5:
        problems.append(
            Error(
                "IKAZE_DISCLOSURE_THRESHOLD must be at least 5 (SAFEGUARDS C3).",
                id="ikaze.E012",
            )
        )
    if getattr(settings, "IKAZE_PRODUCTION", False) and settings.SECRET_KEY.startswith("insecure-"):
        problems.append(Error("IKAZE_SECRET_KEY must be set in production.", id="ikaze.E002"))
    return problems
