"""The reports API: each dashboard's figures as JSON (the tables the charts draw)."""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema

from config.api import ErrorOut
from ikaze.accounts.actor import actor_of
from ikaze.accounts.api_routing import GuardedRouter
from ikaze.reports.dashboards import CHARTS, DASHBOARDS, Dashboard
from ikaze.reports.errors import FilterInvalid
from ikaze.reports.views import filter_form

router = GuardedRouter(tags=["reports"])


class FiltersIn(Schema):
    agreement: str = ""
    start: str = ""
    end: str = ""
    nationality: str = ""


class ChartOut(Schema):
    key: str
    title: str
    note: str
    headers: list[str]
    rows: list[list[Any]]


class DashboardOut(Schema):
    dashboard: str
    title: str
    filters: dict[str, str]
    charts: list[ChartOut]


def figures_of(request: HttpRequest, dash: Dashboard, filters: FiltersIn) -> dict[str, Any]:
    """The dashboard's charts as tables, or FilterInvalid naming each refused filter."""
    given = {k: v for k, v in filters.dict().items() if v}
    form = filter_form(actor_of(request), given)
    if not form.is_valid():
        details = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        first = next(iter(details.items()))
        raise FilterInvalid(f"{first[0]}: {first[1][0]}", details=details)
    f = form.filters()
    charts = []
    for key in dash.charts:
        data = CHARTS[key].build(f)
        charts.append(
            {
                "key": key,
                "title": str(CHARTS[key].title),
                "note": str(data.note),
                "headers": [str(h) for h in data.headers],
                "rows": [[v if isinstance(v, int) else str(v) for v in row] for row in data.rows],
            }
        )
    return {"dashboard": dash.name, "title": str(dash.title), "filters": given, "charts": charts}


def _operation(dash: Dashboard) -> Callable[..., Any]:
    def operation(request: HttpRequest, filters: Query[FiltersIn]) -> Any:
        return figures_of(request, dash, filters)

    operation.__name__ = f"dashboard_{dash.name}"
    operation.__doc__ = (
        f"The figures of the {dash.name} dashboard, by agreement (code), period "
        "(start and end, YYYY-MM-DD) and first nationality (ISO 3166-1 alpha-2)."
    )
    return router.get(
        f"/{dash.name}",
        perm=dash.perm,
        response={200: DashboardOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    )(operation)


for _dash in DASHBOARDS.values():
    _operation(_dash)


def _mount_public() -> None:
    # The public statistics (no sign-in) live in their own module; see public_api.py.
    from ikaze.reports.public_api import public_router

    router.add_router("", public_router)


_mount_public()
