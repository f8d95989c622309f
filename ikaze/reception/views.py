"""Reception pages: facilities with occupancy, units, the arrivals desk."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor, actor_of
from ikaze.accounts.decorators import requires
from ikaze.core.errors import IkazeError
from ikaze.core.forms import add_service_errors
from ikaze.core.worklist import export_response
from ikaze.movements import selectors as movements
from ikaze.people import selectors as people
from ikaze.reception import selectors, services
from ikaze.reception.allocation import reason_labels
from ikaze.reception.desk import arrivals_search
from ikaze.reception.forms import (
    CheckInForm,
    CheckOutForm,
    FacilityForm,
    NeedsForm,
    UnitForm,
    UnitStatusForm,
)
from ikaze.reception.models import Facility, service_label
from ikaze.reception.proposal import allocation_proposal


@requires(Perm.FACILITY_VIEW)
@require_GET
def facility_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


def _list(
    request: HttpRequest, *, form: FacilityForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    rows = []
    for f in selectors.facility_list_for(actor=actor).prefetch_related("units"):
        units = list(f.units.all())
        rows.append(
            {
                "facility": f,
                "units": len(units),
                "beds": sum(u.beds for u in units),
                "occupied": sum(u.occupied for u in units),
            }
        )
    can_manage = actor.can(Perm.FACILITY_MANAGE)
    return render(
        request,
        "reception/facility_list.html",
        {"rows": rows, "form": (form or FacilityForm(prefix="facility")) if can_manage else None},
        status=status,
    )


@requires(Perm.FACILITY_VIEW)
@require_GET
def facility_list_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The facilities with their beds taken tonight, as CSV or XLSX."""
    actor = actor_of(request)
    rows = []
    for f in selectors.facility_list_for(actor=actor).prefetch_related("units"):
        units = list(f.units.all())
        rows.append(
            [
                f.name,
                f.district,
                len(units),
                sum(u.beds for u in units),
                sum(u.occupied for u in units),
            ]
        )
    return export_response(
        request,
        fmt=fmt,
        filename="facilities",
        header=[_("Facility"), _("District"), _("Units"), _("Beds"), _("Beds taken")],
        rows=rows,
    )


@requires(Perm.FACILITY_MANAGE)
@require_POST
def facility_create(request: HttpRequest) -> HttpResponse:
    form = FacilityForm(request.POST, prefix="facility")
    if form.is_valid():
        d = form.cleaned_data
        try:
            f = services.facility_create(
                actor=actor_of(request),
                name=d["name"],
                district=d["district"],
                address=d["address"],
                contact=d["contact"],
                services=form.services_list(),
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            return _list(request, form=form, status=exc.status)
        messages.success(request, _("Facility registered."))
        return redirect("reception:facility_detail", facility_id=f.pk)
    return _list(request, form=form, status=400)


def _detail(
    request: HttpRequest, facility: Facility, *, bound: Form | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    nights = selectors.occupancy_by_night(facility=facility)
    units = list(facility.units.order_by("label"))
    stays = {u.pk: selectors.open_stays(unit=u) for u in units}
    names = people.person_names(ids=[s.person_id for ss in stays.values() for s in ss])
    can_manage = actor.can(Perm.FACILITY_MANAGE)
    return render(
        request,
        "reception/facility_detail.html",
        {
            "facility": facility,
            "units": [
                (
                    u,
                    [(s, names.get(str(s.person_id), "")) for s in stays[u.pk]],
                    UnitStatusForm(prefix=f"status-{u.pk}", initial={"status": u.status}),
                )
                for u in units
            ],
            "nights": nights,
            "chart": mark_safe(  # built from numbers and escaped text only
                selectors.occupancy_svg(nights, title=_("People housed per night"))
            ),
            "form": (bound or UnitForm(prefix="unit")) if can_manage else None,
            "can_manage": can_manage,
            "can_stay": actor.can(Perm.STAY_MANAGE),
            "checkout_form": CheckOutForm(prefix="out"),
        },
        status=status,
    )


@requires(Perm.FACILITY_VIEW)
@require_GET
def facility_detail(request: HttpRequest, facility_id: str) -> HttpResponse:
    facility = selectors.facility_get_for(actor=actor_of(request), facility_id=facility_id)
    return _detail(request, facility)


@requires(Perm.FACILITY_MANAGE)
@require_POST
def unit_add(request: HttpRequest, facility_id: str) -> HttpResponse:
    actor = actor_of(request)
    facility = selectors.facility_get_for(actor=actor, facility_id=facility_id)
    form = UnitForm(request.POST, prefix="unit")
    if form.is_valid():
        try:
            services.unit_add(actor=actor, facility=facility, **form.cleaned_data)
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            return _detail(request, facility, bound=form, status=exc.status)
        messages.success(request, _("Unit added."))
        return redirect("reception:facility_detail", facility_id=facility.pk)
    return _detail(request, facility, bound=form, status=400)


@requires(Perm.FACILITY_MANAGE)
@require_POST
def unit_status(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_of(request)
    unit = selectors.unit_get_for(actor=actor, unit_id=pk)
    form = UnitStatusForm(request.POST, prefix=f"status-{unit.pk}")
    if form.is_valid():
        try:
            services.unit_set_status(actor=actor, unit=unit, status=form.cleaned_data["status"])
        except IkazeError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Unit status changed."))
    return redirect("reception:facility_detail", facility_id=unit.facility_id)


@requires(Perm.STAY_MANAGE)
@require_POST
def stay_check_out(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_of(request)
    stay = selectors.stay_get_for(actor=actor, stay_id=pk)
    form = CheckOutForm(request.POST, prefix="out")
    if form.is_valid():
        try:
            services.stay_check_out(actor=actor, stay=stay, reason=form.cleaned_data["reason"])
        except IkazeError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Checked out."))
    else:
        messages.error(request, _("Say why the person leaves."))
    return redirect("reception:facility_detail", facility_id=stay.unit.facility_id)


# --- the arrivals desk ---------------------------------------------------------------------


def _unit_choices(actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(u.pk), f"{u.facility.name} · {u.label} ({u.free}/{u.beds})")
        for u in selectors.units_with_free_beds(actor=actor)
    ]


@requires(Perm.STAY_MANAGE)
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    q = request.GET.get("q", "").strip()[:100]
    try:
        found = arrivals_search(actor=actor, q=q)
    except IkazeError as exc:  # an MRZ with a wrong check digit
        messages.error(request, exc.message)
        found = arrivals_search(actor=actor, q="")
    q, mrz, groups = found.query, found.mrz, found.groups
    units = _unit_choices(actor)
    for g in groups:
        g["form"] = CheckInForm(
            prefix=f"g{g['key'][:8]}",
            units=units,
            initial={"people": g["ids"], "idempotency_key": uuid.uuid4().hex},
        )
    return render(
        request,
        "reception/desk.html",
        {"groups": groups, "q": q, "mrz": mrz, "has_units": bool(units)},
    )


@requires(Perm.STAY_MANAGE)
@require_POST
def desk_check_in(request: HttpRequest) -> HttpResponse:
    """The desk's form without JavaScript (with it, the page sends to the API and queues)."""
    actor = actor_of(request)
    prefix = request.POST.get("prefix", "")[:20]
    form = CheckInForm(request.POST, prefix=prefix, units=_unit_choices(actor))
    if form.is_valid():
        d = form.cleaned_data
        try:
            unit = selectors.unit_get_for(actor=actor, unit_id=d["unit"])
            services.stays_check_in(
                actor=actor,
                unit=unit,
                person_ids=[p for p in d["people"].split(",") if p],
                idempotency_key=d["idempotency_key"],
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Checked in."))
    else:
        messages.error(request, _("Choose a unit."))
    return redirect("reception:desk")


# --- allocation review -----------------------------------------------------------------------


@requires(Perm.STAY_MANAGE)
@require_http_methods(["GET", "POST"])
def allocation_review(request: HttpRequest) -> HttpResponse:
    """CP-SAT's proposal for the households waiting; change any unit by hand and confirm:
    every check-in goes through the same service, which checks every rule again."""
    actor = actor_of(request)
    proposal = allocation_proposal(actor=actor)
    result = proposal.result
    choices = [("", "—")] + [
        (str(u.pk), f"{u.facility.name} · {u.label} ({u.free}/{u.beds})") for u in proposal.units
    ]
    problems: dict[str, str] = {}
    if request.method == "POST":
        done = 0
        for w in proposal.households:
            chosen = request.POST.get(f"unit-{w.key}", "")
            if not chosen:
                continue
            try:
                unit = selectors.unit_get_for(actor=actor, unit_id=chosen)
                services.stays_check_in(actor=actor, unit=unit, person_ids=w.people)
            except IkazeError as exc:
                if exc.status == 403:
                    raise
                problems[w.key] = exc.message
            else:
                done += 1
        if done:
            messages.success(request, _("%(n)d households checked in.") % {"n": done})
        if not problems:
            return redirect("reception:allocation")
    rows = []
    for w in proposal.households:
        rows.append(
            {
                "key": w.key,
                "names": w.names,
                "people": ",".join(w.people),
                "unit": request.POST.get(f"unit-{w.key}", w.unit),
                "problem": problems.get(w.key, ""),
                "why": reason_labels(w.why),
                "needs": _needs_text(w),
                "needs_recorded": w.needs_recorded,
                "members": w.members,
            }
        )
    return render(
        request,
        "reception/allocation.html",
        {
            "rows": rows,
            "result": result,
            "choices": choices,
        },
        status=409 if problems else 200,
    )


def _needs_text(w: Any) -> str:
    parts = []
    if w.accessible:
        parts.append(_("accessible unit"))
    if w.medical:
        parts.append(_("health service within %(km)s km") % {"km": w.medical_km})
    parts += [service_label(s) for s in w.services]
    return ", ".join(str(p) for p in parts)


# --- arrival needs ---------------------------------------------------------------------------


def _needs_page(
    request: HttpRequest, person_id: str, form: NeedsForm, *, status: int = 200
) -> HttpResponse:
    names = people.person_names(ids=[person_id])
    return render(
        request,
        "reception/needs.html",
        {"form": form, "name": names.get(str(person_id), ""), "person_id": person_id},
        status=status,
    )


@requires(Perm.STAY_MANAGE)
@require_http_methods(["GET", "POST"])
def arrival_needs(request: HttpRequest, person_id: str) -> HttpResponse:
    """Record what an arrived person needs of a unit; the allocation honours it."""
    actor = actor_of(request)
    entry = movements.arrived_entries_for(actor=actor).filter(person_id=person_id).first()
    if entry is None:
        raise Http404(_("No arrived person waiting for a bed by that id."))
    if request.method == "GET":
        current = selectors.arrival_needs_of(person_ids=[person_id]).get(str(person_id))
        initial = (
            {
                "accessible": current.accessible,
                "medical": current.medical,
                "medical_max_km": current.medical_max_km,
                "services": list(current.services),
            }
            if current
            else {}
        )
        return _needs_page(request, person_id, NeedsForm(initial=initial))
    form = NeedsForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.arrival_needs_record(
                actor=actor,
                person_id=person_id,
                accessible=d["accessible"],
                medical=d["medical"],
                medical_max_km=d["medical_max_km"],
                services=d["services"],
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            return _needs_page(request, person_id, form, status=exc.status)
        messages.success(request, _("Needs recorded."))
        return redirect("reception:allocation")
    return _needs_page(request, person_id, form, status=400)
