"""Report pages: the dashboards (charts with their tables and CSV), and the monthly reports."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor, actor_of
from ikaze.accounts.decorators import requires
from ikaze.agreements import selectors as agreements
from ikaze.audit.services import audit_read
from ikaze.core.errors import IkazeError
from ikaze.core.forms import add_service_errors
from ikaze.core.worklist import csv_response, querystring
from ikaze.reports import selectors, services
from ikaze.reports.charts import ChartData, data_uri, describe, number, render_svg
from ikaze.reports.dashboards import CHARTS, DASHBOARDS, Dashboard, dashboards_for
from ikaze.reports.figures import counted_at
from ikaze.reports.forms import MonthlyReportForm, ReportFilterForm


def filter_form(actor: Actor, data: Any) -> ReportFilterForm:
    """The filter form, its agreements those the actor may see."""
    rows = [
        (a.pk, a.code, a.title) for a in agreements.agreement_list_for(actor=actor).order_by("code")
    ]
    return ReportFilterForm(data, agreements=rows)


def table_cells(data: ChartData) -> list[list[str]]:
    """The table's cells as the active language writes them."""
    return [
        [
            number(v) if i in data.numeric_columns and isinstance(v, int) else str(v)
            for i, v in enumerate(row)
        ]
        for row in data.rows
    ]


@requires(Perm.REPORT_VIEW)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "reports/index.html",
        {
            "dashboards": dashboards_for(actor.perms if not actor.awaiting_second_factor else ()),
            "can_monthly": actor.can(Perm.MONTHLY_REPORT_VIEW),
        },
    )


def _dashboard(request: HttpRequest, dash: Dashboard) -> HttpResponse:
    actor = actor_of(request)
    form = filter_form(actor, request.GET)
    charts: list[dict[str, Any]] = []
    query = querystring(form.params())
    counted = None
    if form.is_valid():
        f = form.filters()
        counted = counted_at(f)
        language = translation.get_language()
        for key in dash.charts:
            chart = CHARTS[key]
            data = chart.build(f)
            title = str(chart.title)
            desc = describe(data)
            charts.append(
                {
                    "key": key,
                    "title": title,
                    "desc": desc,
                    "img": data_uri(render_svg(data, title=title, desc=desc, language=language)),
                    "data": data,
                    "cells": table_cells(data),
                    "csv": reverse(f"reports:{dash.name}_csv")
                    + "?"
                    + querystring({**form.params(), "chart": key}),
                }
            )
    return render(
        request,
        "reports/dashboard.html",
        {
            "dashboard": dash,
            "form": form,
            "charts": charts,
            "query": query,
            "counted_at": counted,
            "others": [d for d in dashboards_for(actor.perms) if d.name != dash.name],
        },
        status=200 if form.is_valid() else 400,
    )


def _dashboard_csv(request: HttpRequest, dash: Dashboard) -> HttpResponseBase:
    actor = actor_of(request)
    form = filter_form(actor, request.GET)
    key = request.GET.get("chart", "")
    if key not in dash.charts:
        return HttpResponse(
            _("Unknown chart: choose one of %(charts)s.") % {"charts": ", ".join(dash.charts)}
            + "\n",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    if not form.is_valid():
        reasons = [f"{name}: {e}" for name, errors in form.errors.items() for e in errors]
        return HttpResponse(
            "\n".join(reasons) + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
    data = CHARTS[key].build(form.filters())
    return csv_response(
        filename=f"ikaze-{dash.name}-{key}.csv", header=data.headers, rows=data.rows
    )


def _views(dash: Dashboard) -> tuple[Callable[..., Any], Callable[..., Any]]:
    @requires(dash.perm)
    @require_GET
    def page(request: HttpRequest) -> HttpResponse:
        return _dashboard(request, dash)

    @requires(dash.perm)
    @require_GET
    def csv(request: HttpRequest) -> HttpResponseBase:
        return _dashboard_csv(request, dash)

    page.__name__ = page.__qualname__ = f"dashboard_{dash.name}"
    csv.__name__ = csv.__qualname__ = f"dashboard_{dash.name}_csv"
    return page, csv


DASHBOARD_VIEWS = {name: _views(d) for name, d in DASHBOARDS.items()}


def _monthly_page(
    request: HttpRequest, *, form: MonthlyReportForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    can_make = actor.can(Perm.MONTHLY_REPORT_MAKE)
    if can_make and form is None:
        form = MonthlyReportForm()
    return render(
        request,
        "reports/monthly_list.html",
        {
            "reports": list(selectors.monthly_report_list_for(actor=actor)[:200]),
            "form": form if can_make else None,
            "languages": settings.LANGUAGES,
            "current_language": translation.get_language(),
        },
        status=status,
    )


@requires(Perm.MONTHLY_REPORT_VIEW)
@require_GET
def monthly_list(request: HttpRequest) -> HttpResponse:
    return _monthly_page(request)


@requires(Perm.MONTHLY_REPORT_MAKE)
@require_POST
def monthly_make(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = MonthlyReportForm(request.POST)
    if not form.is_valid():
        return _monthly_page(request, form=form, status=400)
    language = request.POST.get("report_language") or translation.get_language() or "en"
    try:
        services.monthly_report_request(
            actor=actor, month=form.cleaned_data["month"], language=language
        )
    except IkazeError as exc:
        if exc.status == 403:
            raise
        add_service_errors(form, exc)
        return _monthly_page(request, form=form, status=400)
    messages.success(request, _("The report is being made; it appears below when it is ready."))
    return redirect("reports:monthly")


@requires(Perm.MONTHLY_REPORT_VIEW)
@require_GET
def monthly_pdf(request: HttpRequest, report_id: str) -> HttpResponse:
    actor = actor_of(request)
    report = selectors.monthly_report_get_for(actor=actor, report_id=report_id)
    if not report.pdf:
        messages.error(request, _("This report is not ready."))
        return redirect("reports:monthly")
    audit_read(actor=actor, target_type="monthly_report", target_ids=[report.pk])
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="ikaze-monthly-{report.month:%Y-%m}-{report.language}.pdf"'
    )
    return response
