"""Work lists: one way to filter, sort, page and export a list page (issue 11 item 6).

A list page declares its columns (which ones sort, by which fields), validates its filters
with a form (a refused filter shows its reason, never an empty list that looks like an
answer), then calls `work_list`: the sorted page, the column headers with their sort links
and `aria-sort`, the query string that pagination and the CSV link carry. `export_response`
writes the filtered view as CSV or XLSX (issue 16 item 4), every cell through
`core.spreadsheet` (formula-safe), after `export_allowed` agreed. Later apps copy
this pattern: `core/_worklist_head.html` renders the header row, `core/_pagination.html` the
pages.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.functional import Promise
from django.utils.http import urlencode

from ikaze.core.pagination import Page, paginate
from ikaze.core.spreadsheet import csv_writer, xlsx_bytes

SORT_PARAM = "sort"
CSV_ROWS_MAX = 50_000  # an export is the filtered view, bounded like any other answer


@dataclass(frozen=True)
class Column:
    """One column of a list: `key` names it in the URL; `order_by` are the fields that sort it
    ascending ("-field" for one that sorts the other way; empty: the column does not sort)."""

    key: str
    label: str | Promise
    order_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class HeaderCell:
    label: str | Promise
    href: str  # "" when the column does not sort
    aria_sort: str  # "ascending", "descending" or "" (no attribute)


@dataclass(frozen=True)
class WorkList:
    page: Page
    headers: list[HeaderCell]
    sort: str  # "key" or "-key" as applied
    querystring_base: str  # filters and sort, ending in "&" when not empty (pagination)
    query: str  # filters and sort, for a link to the same view (the CSV export)


def querystring(params: Mapping[str, object]) -> str:
    """`a=1&b=x` of the non-empty parameters, encoded (a name with "&" stays one value)."""
    return urlencode([(k, str(v)) for k, v in params.items() if v not in ("", None)])


def page_number(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


def sort_order(columns: Sequence[Column], sort: str, default: str) -> tuple[str, list[Any]]:
    """The sort applied ("key" / "-key"; an unknown key falls back to `default`) and the
    `order_by` expressions: the column's fields, then the primary key, so pages never overlap.
    Empty values sort last either way."""
    by_key = {c.key: c for c in columns if c.order_by}
    key = sort.removeprefix("-")
    if key not in by_key:
        sort, key = default, default.removeprefix("-")
    descending = sort.startswith("-")
    order: list[Any] = []
    for field in by_key[key].order_by:
        # A field written "-name" sorts the other way round ("days waiting": newest last).
        down = descending != field.startswith("-")
        expr = F(field.removeprefix("-"))
        order.append(expr.desc(nulls_last=True) if down else expr.asc(nulls_last=True))
    return sort, [*order, "-pk" if descending else "pk"]


def work_list(
    request: HttpRequest,
    *,
    qs: QuerySet[Any],
    columns: Sequence[Column],
    default_sort: str,
    filters: Mapping[str, object],
    size: int = 50,
) -> WorkList:
    """Sort `qs` as the request asks and return the page with its headers and links."""
    sort, order = sort_order(columns, request.GET.get(SORT_PARAM, ""), default_sort)
    page = paginate(qs.order_by(*order), page=page_number(request), size=size)
    headers = []
    for c in columns:
        if not c.order_by:
            headers.append(HeaderCell(c.label, "", ""))
            continue
        current = sort.removeprefix("-") == c.key
        descending = sort.startswith("-")
        # A click on the sorted column turns it round; on another column sorts it ascending.
        target = ("" if descending else "-") + c.key if current else c.key
        href = "?" + querystring({**filters, SORT_PARAM: target})
        aria = ("descending" if descending else "ascending") if current else ""
        headers.append(HeaderCell(c.label, href, aria))
    query = querystring({**filters, SORT_PARAM: sort if sort != default_sort else ""})
    return WorkList(
        page=page,
        headers=headers,
        sort=sort,
        querystring_base=query + "&" if query else "",
        query=query,
    )


def sorted_for_export(
    request: HttpRequest, *, qs: QuerySet[Any], columns: Sequence[Column], default_sort: str
) -> QuerySet[Any]:
    """The whole filtered view in the order the page shows it (bounded), for `csv_response`."""
    _, order = sort_order(columns, request.GET.get(SORT_PARAM, ""), default_sort)
    return qs.order_by(*order)[:CSV_ROWS_MAX]


def csv_response(
    *, filename: str, header: Sequence[str | Promise], rows: Iterable[Sequence[object]]
) -> StreamingHttpResponse:
    """Stream `rows` under `header` as a CSV download, written formula-safe."""

    def lines() -> Iterable[str]:
        buf = io.StringIO()
        writer = csv_writer(buf)
        for row in _chain(header, rows):
            buf.seek(0)
            buf.truncate()
            writer.writerow(["" if v is None else str(v) for v in row])
            yield buf.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


EXPORT_FORMATS = ("csv", "xlsx")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Who may take a list out of Ikaze: (request, what) -> None to allow, or the refusal to send.
# The privacy rules (SAFEGUARDS D2: an export leaving the receiving state records its legal
# basis, or is refused) register theirs here at start-up; core imports no app.
ExportGuard = Callable[[HttpRequest, str], HttpResponseBase | None]
_export_guards: list[ExportGuard] = []


def register_export_guard(guard: ExportGuard) -> None:
    """Let an app (privacy: `require_export_basis`) refuse an export; call from ready()."""
    if guard not in _export_guards:
        _export_guards.append(guard)


def export_allowed(request: HttpRequest, *, what: str) -> HttpResponseBase | None:
    """None when `request` may export the list `what`, else the refusal to answer with.
    Every list export asks this first, after its page's own permission. A view that asked
    before its own side effects (an audited read) is not asked again by `export_response`:
    the answer is kept on the request, so one export records one legal basis."""
    allowed: set[str] = getattr(request, "_ikaze_exports_allowed", set())
    if what in allowed:
        return None
    for guard in _export_guards:
        refusal = guard(request, what)
        if refusal is not None:
            return refusal
    request._ikaze_exports_allowed = allowed | {what}  # type: ignore[attr-defined]
    return None


def export_response(
    request: HttpRequest,
    *,
    fmt: str,
    filename: str,
    header: Sequence[str | Promise],
    rows: Iterable[Sequence[object]],
) -> HttpResponseBase:
    """The list as `fmt` ("csv" or "xlsx"; `filename` without its extension), once
    `export_allowed` agreed; headers in the reader's language, cells formula-safe."""
    refusal = export_allowed(request, what=filename)
    if refusal is not None:
        return refusal
    if fmt == "xlsx":
        body = xlsx_bytes(
            header=[str(h) for h in header],
            rows=([_cell(v) for v in row] for row in rows),
            title=filename,
        )
        response = HttpResponse(body, content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    return csv_response(filename=f"{filename}.csv", header=header, rows=rows)


def _cell(value: object) -> object:
    # Numbers stay numbers in a spreadsheet; everything else (dates, lazy text) is text.
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    return str(value)


def _chain(
    header: Sequence[str | Promise], rows: Iterable[Sequence[object]]
) -> Iterable[Sequence[object]]:
    yield header
    yield from rows


class FilterForm(forms.Form):
    """A list's filters, bound to the query string. Every field is optional; a value the form
    refuses (an unknown agreement, a date range that ends before it starts) shows its reason
    and the list shows nothing, so a slip never reads as "no results"."""

    use_required_attribute = False

    def __init__(self, data: Mapping[str, Any] | None = None, **kwargs: Any) -> None:
        super().__init__(data if data is not None else {}, **kwargs)
        for field in self.fields.values():
            field.required = False

    def params(self) -> dict[str, str]:
        """The filters as given (for the links that keep them: sort, pages, export)."""
        if not self.is_bound:
            return {}
        out: dict[str, str] = {}
        for name in self.fields:
            value = self.data.get(name, "")
            value = value.strip() if isinstance(value, str) else ""
            if value:
                out[name] = value
        return out

    def values(self) -> dict[str, Any]:
        """The cleaned filters, "" for those not given (call after `is_valid()`)."""
        return {name: self.cleaned_data.get(name) or "" for name in self.fields}


def choice_error(message: Any) -> dict[str, Any]:
    """Error messages for a filter's choice field: `message` names what was not known."""
    return {"invalid_choice": message}
