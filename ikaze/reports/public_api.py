"""The public statistics on the API, without sign-in (issue 16 item 2); mounted under the
reports router (`ikaze/reports/api.py`)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from config.api import ErrorOut
from ikaze.accounts.api_routing import PUBLIC, GuardedRouter
from ikaze.core.errors import NotFound
from ikaze.reports import public as stats_public
from ikaze.reports import public_export as fmt
from ikaze.reports.schemas import PublicAgreementOut, PublicStatisticsOut, public_statistics_out

public_router = GuardedRouter(tags=["public statistics"])


@public_router.get("/public", perm=PUBLIC, response={200: list[PublicAgreementOut]})
def list_public(request: HttpRequest) -> Any:
    """The agreements whose statistics are public."""
    return [
        {"code": a.code, "title": a.title, "status": a.status}
        for a in stats_public.public_agreements()
    ]


@public_router.get(
    "/public/{agreement_code}", perm=PUBLIC, response={200: PublicStatisticsOut, 404: ErrorOut}
)
def get_public(request: HttpRequest, agreement_code: str) -> Any:
    """One agreement's public statistics: hidden figures are null (SAFEGUARDS C3)."""
    try:
        agreement = stats_public.public_agreement(agreement_code)
    except stats_public.UnknownAgreement as exc:
        raise NotFound("No agreement publishes statistics under this code.") from exc
    stats = stats_public.public_statistics(agreement)
    return public_statistics_out(stats, rows=list(fmt.data_rows(stats)), tags=fmt.hashtags())
