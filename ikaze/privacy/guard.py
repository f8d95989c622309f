"""The pages' side of D2: an export leaving the receiving state answers 409 with the reason
when it has no legal basis (the API raises `NoExportBasis`, rendered in its error shape)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ikaze.accounts.actor import actor_of
from ikaze.privacy.errors import NoExportBasis
from ikaze.privacy.exports import require_export_basis


def export_refused_page(
    request: HttpRequest, export_kind: str, *, detail: str = ""
) -> HttpResponse | None:
    """None when the export may go (its basis recorded), else the refusal page."""
    try:
        require_export_basis(actor_of(request), export_kind, detail=detail)
    except NoExportBasis as exc:
        return render(request, "privacy/export_refused.html", {"error": exc}, status=exc.status)
    return None
