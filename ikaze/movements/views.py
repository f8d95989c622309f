"""Movement pages: the board, the manifest with its reconciliation, incidents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor, actor_of
from ikaze.accounts.decorators import requires
from ikaze.agreements import selectors as agreements
from ikaze.core.errors import IkazeError
from ikaze.core.forms import add_service_errors
from ikaze.core.worklist import CSV_ROWS_MAX, export_response
from ikaze.movements import selectors, services
from ikaze.movements.forms import (
    ArriveForm,
    CancelForm,
    ConfirmForm,
    DepartForm,
    ExplainForm,
    ManifestAddForm,
    MovementForm,
    PaxlstForm,
)
from ikaze.movements.models import Boarding, Movement, MovementStatus
from ikaze.people import selectors as people
from ikaze.vetting import selectors as vetting


def _agreement_choices(actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(a.pk), f"{a.code} — {a.title}")
        for a in agreements.agreement_list_for(actor=actor).filter(status="in_force")
    ]


def _board(
    request: HttpRequest, *, form: MovementForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    movements = list(selectors.movement_list_for(actor=actor, status=request.GET.get("status", "")))
    rows = [(m, selectors.movement_reconciliation(movement=m)) for m in movements]
    can_propose = actor.can(Perm.MOVEMENT_PROPOSE)
    if can_propose and form is None:
        form = MovementForm(prefix="movement", agreements=_agreement_choices(actor))
    return render(
        request,
        "movements/board.html",
        {
            "rows": rows,
            "form": form if can_propose else None,
            "open_incidents": selectors.open_incident_count(actor=actor),
            "statuses": MovementStatus.choices,
            "status": request.GET.get("status", ""),
        },
        status=status,
    )


@requires(Perm.MOVEMENT_VIEW)
@require_GET
def movement_board(request: HttpRequest) -> HttpResponse:
    return _board(request)


@requires(Perm.MOVEMENT_VIEW)
@require_GET
def movement_board_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The movements the board lists (its status filter kept), as CSV or XLSX."""
    actor = actor_of(request)
    movements = selectors.movement_list_for(actor=actor, status=request.GET.get("status", ""))
    rows = []
    for m in movements[:CSV_ROWS_MAX]:
        rec = selectors.movement_reconciliation(movement=m)
        rows.append(
            [
                m.departure_date.isoformat() if m.departure_date else "",
                f"{m.carrier} {m.flight_number}",
                f"{m.origin} → {m.destination}",
                m.agreement.code,
                m.get_status_display(),
                rec.manifest,
                m.seats,
                rec.boarded,
                rec.arrived,
                rec.checked_in,
            ]
        )
    return export_response(
        request,
        fmt=fmt,
        filename="movements",
        header=[
            _("Date"),
            _("Flight"),
            _("Route"),
            _("Agreement"),
            _("Status"),
            _("Manifest"),
            _("Seats"),
            _("Boarded"),
            _("Arrived"),
            _("Checked in"),
        ],
        rows=rows,
    )


@requires(Perm.MOVEMENT_PROPOSE)
@require_POST
def movement_propose(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = MovementForm(request.POST, prefix="movement", agreements=_agreement_choices(actor))
    if form.is_valid():
        d = form.cleaned_data
        agreement = agreements.agreement_list_for(actor=actor).get(pk=d["agreement"])
        try:
            m = services.movement_propose(
                actor=actor,
                agreement=agreement,
                kind=d["kind"],
                departure_date=d["departure_date"],
                carrier=d["carrier"],
                flight_number=d["flight_number"],
                origin=d["origin"],
                destination=d["destination"],
                seats=d["seats"],
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            return _board(request, form=form, status=exc.status)
        messages.success(request, _("Movement proposed."))
        return redirect("movements:detail", pk=m.pk)
    return _board(request, form=form, status=400)


def _candidates(movement: Movement) -> list[tuple[str, str]]:
    pairs = vetting.accepted_referrals_under(agreement_id=movement.agreement_id)
    on = set(movement.entries.filter(removed_at__isnull=True).values_list("person_id", flat=True))
    pairs = [(r, p) for r, p in pairs if p not in on]
    names = people.person_names(ids=[p for _r, p in pairs])
    return [(str(r), names.get(str(p), str(p))) for r, p in pairs]


def _detail(
    request: HttpRequest,
    movement: Movement,
    *,
    bound: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = actor_of(request)
    bound = bound or {}
    rows = selectors.manifest_rows(movement=movement)
    on_manifest = [r for r in rows if r.entry.removed_at is None]
    forms: dict[str, Form] = {}
    if movement.status == MovementStatus.PROPOSED and actor.can(Perm.MOVEMENT_PROPOSE):
        forms["add"] = bound.get("add") or ManifestAddForm(
            prefix="add", choices=_candidates(movement)
        )
    if movement.status == MovementStatus.PROPOSED and actor.can(Perm.MANIFEST_LOCK):
        forms["lock"] = bound.get("lock") or ConfirmForm(prefix="lock")
    if movement.status in (MovementStatus.PROPOSED, MovementStatus.LOCKED) and actor.can(
        Perm.MANIFEST_LOCK
    ):
        forms["cancel"] = bound.get("cancel") or CancelForm(prefix="cancel")
    if movement.status == MovementStatus.LOCKED and actor.can(Perm.MOVEMENT_BOARD):
        forms["depart"] = bound.get("depart") or DepartForm(
            prefix="depart", entries=[(str(r.entry.pk), r.name) for r in on_manifest]
        )
    if movement.status == MovementStatus.LOCKED and actor.can(Perm.MOVEMENT_BOARD):
        forms["paxlst"] = bound.get("paxlst") or PaxlstForm(prefix="paxlst")
    if movement.status == MovementStatus.DEPARTED and actor.can(Perm.MOVEMENT_ARRIVE):
        forms["arrive"] = bound.get("arrive") or ArriveForm(
            prefix="arrive",
            choices=[
                (str(r.entry.pk), r.name)
                for r in on_manifest
                if r.entry.boarding == Boarding.BOARDED
            ],
        )
    return render(
        request,
        "movements/detail.html",
        {
            "movement": movement,
            "rows": rows,
            "rec": selectors.movement_reconciliation(movement=movement),
            "incidents": list(movement.incidents.select_related("entry").order_by("opened_at")),
            "forms": forms,
            "seats_left": movement.seats - len(on_manifest),
        },
        status=status,
    )


@requires(Perm.MOVEMENT_VIEW)
@require_GET
def movement_detail(request: HttpRequest, pk: str) -> HttpResponse:
    movement = selectors.movement_get_for(actor=actor_of(request), movement_id=pk)
    return _detail(request, movement)


def _action(
    request: HttpRequest,
    pk: str,
    key: str,
    make: Callable[[Movement], Form],
    call: Callable[[Actor, Movement, Form], Any],
    done: str,
) -> HttpResponse:
    actor = actor_of(request)
    movement = selectors.movement_get_for(actor=actor, movement_id=pk)
    form = make(movement)
    if form.is_valid():
        try:
            call(actor, movement, form)
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            movement.refresh_from_db()
            return _detail(request, movement, bound={key: form}, status=exc.status)
        messages.success(request, done)
        return redirect("movements:detail", pk=movement.pk)
    return _detail(request, movement, bound={key: form}, status=400)


@requires(Perm.MOVEMENT_PROPOSE)
@require_POST
def manifest_add(request: HttpRequest, pk: str) -> HttpResponse:
    return _action(
        request,
        pk,
        "add",
        lambda m: ManifestAddForm(request.POST, prefix="add", choices=_candidates(m)),
        lambda actor, m, f: services.manifest_add(
            actor=actor, movement=m, referral_ids=f.cleaned_data["referrals"]
        ),
        _("People added to the manifest."),
    )


@requires(Perm.MANIFEST_LOCK)
@require_POST
def manifest_lock(request: HttpRequest, pk: str) -> HttpResponse:
    return _action(
        request,
        pk,
        "lock",
        lambda m: ConfirmForm(request.POST, prefix="lock"),
        lambda actor, m, f: services.manifest_lock(actor=actor, movement=m),
        _("Manifest locked."),
    )


@requires(Perm.MANIFEST_LOCK)
@require_POST
def movement_cancel(request: HttpRequest, pk: str) -> HttpResponse:
    return _action(
        request,
        pk,
        "cancel",
        lambda m: CancelForm(request.POST, prefix="cancel"),
        lambda actor, m, f: services.movement_cancel(
            actor=actor, movement=m, reason=f.cleaned_data["reason"]
        ),
        _("Movement cancelled."),
    )


def _depart_form(request: HttpRequest, m: Movement) -> DepartForm:
    rows = [r for r in selectors.manifest_rows(movement=m) if r.entry.removed_at is None]
    return DepartForm(
        request.POST, prefix="depart", entries=[(str(r.entry.pk), r.name) for r in rows]
    )


@requires(Perm.MOVEMENT_BOARD)
@require_POST
def movement_depart(request: HttpRequest, pk: str) -> HttpResponse:
    def call(actor: Actor, m: Movement, f: Form) -> Any:
        assert isinstance(f, DepartForm)
        return services.movement_depart(actor=actor, movement=m, boarding=f.boarding())

    return _action(
        request, pk, "depart", lambda m: _depart_form(request, m), call, _("Departure recorded.")
    )


@requires(Perm.MOVEMENT_ARRIVE)
@require_POST
def movement_arrive(request: HttpRequest, pk: str) -> HttpResponse:
    def make(m: Movement) -> ArriveForm:
        rows = selectors.manifest_rows(movement=m)
        return ArriveForm(
            request.POST,
            prefix="arrive",
            choices=[(str(r.entry.pk), r.name) for r in rows if r.entry.boarding == "boarded"],
        )

    return _action(
        request,
        pk,
        "arrive",
        make,
        lambda actor, m, f: services.movement_arrive(
            actor=actor, movement=m, arrived=f.cleaned_data["arrived"]
        ),
        _("Arrival recorded."),
    )


@requires(Perm.MOVEMENT_VIEW)
@require_GET
def incident_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    open_only = request.GET.get("open") == "1"
    incidents = list(selectors.incident_list_for(actor=actor, open_only=open_only)[:200])
    return render(
        request,
        "movements/incidents.html",
        {
            "incidents": [(i, ExplainForm(prefix=f"explain-{i.pk}")) for i in incidents],
            "open_only": open_only,
            "can_explain": actor.can(Perm.INCIDENT_EXPLAIN),
        },
    )


@requires(Perm.MOVEMENT_VIEW)
@require_GET
def incident_list_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The incidents the page lists (bounded as it is), as CSV or XLSX."""
    actor = actor_of(request)
    open_only = request.GET.get("open") == "1"
    incidents = selectors.incident_list_for(actor=actor, open_only=open_only)[:CSV_ROWS_MAX]
    return export_response(
        request,
        fmt=fmt,
        filename="incidents",
        header=[_("Opened"), _("Movement"), _("Kind"), _("Detail"), _("Explanation")],
        rows=(
            [
                f"{i.opened_at:%Y-%m-%d %H:%M}",
                f"{i.movement.carrier} {i.movement.flight_number}",
                i.get_kind_display(),
                i.detail,
                i.explanation,
            ]
            for i in incidents
        ),
    )


@requires(Perm.INCIDENT_EXPLAIN)
@require_POST
def incident_explain(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_of(request)
    incident = selectors.incident_get_for(actor=actor, incident_id=pk)
    form = ExplainForm(request.POST, prefix=f"explain-{incident.pk}")
    if form.is_valid():
        try:
            services.incident_explain(
                actor=actor, incident=incident, explanation=form.cleaned_data["explanation"]
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
            return redirect("movements:detail", pk=incident.movement_id)
        messages.success(request, _("Incident explained."))
    else:
        messages.error(request, _("Write an explanation."))
    return redirect("movements:detail", pk=incident.movement_id)


@requires(Perm.MOVEMENT_VIEW)
@require_GET
def manifest_pdf(request: HttpRequest, pk: str) -> HttpResponse:
    """The printable manifest (WeasyPrint, nothing fetched from outside, as the notices)."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from ikaze.vetting.notices import LocalOnlyFetcher

    movement = selectors.movement_get_for(actor=actor_of(request), movement_id=pk)
    html = render_to_string(
        "movements/manifest_pdf.html",
        {
            "movement": movement,
            "rows": selectors.manifest_rows(movement=movement),
            "rec": selectors.movement_reconciliation(movement=movement),
        },
    )
    pdf = HTML(string=html, url_fetcher=LocalOnlyFetcher()).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="manifest-{movement.flight_number}.pdf"'
    return response


@requires(Perm.MOVEMENT_VIEW)
@require_GET
def manifest_paxlst(request: HttpRequest, pk: str) -> HttpResponse:
    """The manifest as a UN/EDIFACT PAXLST message."""
    movement = selectors.movement_get_for(actor=actor_of(request), movement_id=pk)
    text = services.movement_paxlst(movement=movement)
    response = HttpResponse(text, content_type="application/edifact")
    response["Content-Disposition"] = f'attachment; filename="paxlst-{movement.flight_number}.edi"'
    return response


@requires(Perm.MOVEMENT_BOARD)
@require_POST
def paxlst_import(request: HttpRequest, pk: str) -> HttpResponse:
    def call(actor: Actor, m: Movement, f: Form) -> Any:
        data = f.cleaned_data["file"].read(1_000_000).decode("latin-1")
        return services.movement_depart_from_paxlst(actor=actor, movement=m, text=data)

    return _action(
        request,
        pk,
        "paxlst",
        lambda m: PaxlstForm(request.POST, request.FILES, prefix="paxlst"),
        call,
        _("Departure recorded from the carrier's list."),
    )
