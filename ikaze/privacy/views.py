"""Personal-data pages (SAFEGUARDS D2-D5): the registers for the data-protection officer (the
administrator) and the monitor, a person's requests, holds, purge and subject-access export,
the breach register with its clocks."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.decorators import requires
from ikaze.accounts.guards import require
from ikaze.core.errors import IkazeError
from ikaze.core.forms import add_service_errors
from ikaze.privacy import selectors, services
from ikaze.privacy.forms import (
    BreachForm,
    BreachStepForm,
    DecideForm,
    HoldForm,
    NoteForm,
    PersonSearchForm,
    PurgeForm,
    RequestForm,
)
from ikaze.privacy.models import Breach, DataRequest


def _service_error(request: HttpRequest, exc: IkazeError) -> None:
    if exc.status == 403:
        raise exc
    messages.error(request, exc.message)


@requires(Perm.PRIVACY_VIEW)
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    context: dict[str, Any] = selectors.overview_for(actor=actor)
    if actor.can(Perm.PRIVACY_MANAGE):
        search = PersonSearchForm(request.GET or None)
        context["search"] = search
        if search.is_bound and search.is_valid():
            context["found"] = selectors.person_search(actor=actor, q=search.cleaned_data["q"])
    return render(request, "privacy/overview.html", context)


def _person_context(request: HttpRequest, person_id: Any, **forms: Any) -> dict[str, Any]:
    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    requests = selectors.requests_of(actor=actor, person=person)
    return {
        "person": person,
        "requests": [
            (r, DecideForm(prefix=f"decide-{r.pk}"), NoteForm(prefix=f"lift-{r.pk}"))
            for r in requests
        ],
        "holds": [
            (h, NoteForm(prefix=f"release-{h.pk}"))
            for h in selectors.holds_of(actor=actor, person=person)
        ],
        "request_form": forms.get("request_form") or RequestForm(prefix="request"),
        "hold_form": forms.get("hold_form") or HoldForm(prefix="hold"),
        "purge_form": forms.get("purge_form") or PurgeForm(prefix="purge"),
        "erased": selectors.vault.subject_erased(person.pk),
    }


@requires(Perm.PRIVACY_MANAGE)
@require_GET
def person_page(request: HttpRequest, person_id: Any) -> HttpResponse:
    return render(request, "privacy/person.html", _person_context(request, person_id))


@requires(Perm.PRIVACY_MANAGE)
@require_POST
def request_create(request: HttpRequest, person_id: Any) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    form = RequestForm(request.POST, prefix="request")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.request_open(
                actor=actor,
                person=person,
                kind=d["kind"],
                detail=d["detail"],
                field=d["field"],
                proposed_value=d["proposed_value"],
                received_at=d["received_at"],
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Request recorded."))
            return redirect("privacy:person", person_id=person.pk)
    context = _person_context(request, person.pk, request_form=form)
    return render(request, "privacy/person.html", context, status=422)


@requires(Perm.PRIVACY_MANAGE)
@require_POST
def request_decide(request: HttpRequest, datarequest_id: Any) -> HttpResponse:
    actor = actor_of(request)
    req: DataRequest = selectors.request_get_for(actor=actor, request_id=datarequest_id)
    form = DecideForm(request.POST, prefix=f"decide-{req.pk}")
    if form.is_valid():
        try:
            services.request_decide(
                actor=actor,
                request=req,
                accept=form.cleaned_data["accept"],
                note=form.cleaned_data["note"],
            )
        except IkazeError as exc:
            _service_error(request, exc)
        else:
            messages.success(request, _("Request answered."))
    else:
        messages.error(request, _("Choose an answer."))
    return redirect("privacy:person", person_id=req.person_id)


@requires(Perm.PRIVACY_MANAGE)
@require_POST
def restriction_lift(request: HttpRequest, datarequest_id: Any) -> HttpResponse:
    actor = actor_of(request)
    req = selectors.request_get_for(actor=actor, request_id=datarequest_id)
    form = NoteForm(request.POST, prefix=f"lift-{req.pk}")
    if form.is_valid():
        try:
            services.restriction_lift(actor=actor, request=req, note=form.cleaned_data["note"])
        except IkazeError as exc:
            _service_error(request, exc)
        else:
            messages.success(request, _("Restriction lifted."))
    else:
        messages.error(request, _("Say why the restriction is lifted."))
    return redirect("privacy:person", person_id=req.person_id)


@requires(Perm.PRIVACY_MANAGE)
@require_POST
def hold_place(request: HttpRequest, person_id: Any) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    form = HoldForm(request.POST, prefix="hold")
    if form.is_valid():
        try:
            services.hold_place(
                actor=actor,
                person=person,
                reason=form.cleaned_data["reason"],
                reference=form.cleaned_data["reference"],
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Legal hold placed."))
            return redirect("privacy:person", person_id=person.pk)
    context = _person_context(request, person.pk, hold_form=form)
    return render(request, "privacy/person.html", context, status=422)


@requires(Perm.PRIVACY_MANAGE)
@require_POST
def hold_release(request: HttpRequest, legalhold_id: Any) -> HttpResponse:
    actor = actor_of(request)
    hold = selectors.hold_get_for(actor=actor, hold_id=legalhold_id)
    form = NoteForm(request.POST, prefix=f"release-{hold.pk}")
    if form.is_valid():
        try:
            services.hold_release(actor=actor, hold=hold, reason=form.cleaned_data["note"])
        except IkazeError as exc:
            _service_error(request, exc)
        else:
            messages.success(request, _("Legal hold released."))
    else:
        messages.error(request, _("Say why the hold is released."))
    return redirect("privacy:person", person_id=hold.person_id)


@requires(Perm.PRIVACY_MANAGE)
@require_POST
def purge(request: HttpRequest, person_id: Any) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    form = PurgeForm(request.POST, prefix="purge")
    status = 422
    if form.is_valid():
        try:
            services.purge_person(actor=actor, person=person, reason=form.cleaned_data["reason"])
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            status = exc.status
        else:
            messages.success(request, _("The person's sensitive data was destroyed."))
            return redirect("privacy:person", person_id=person.pk)
    context = _person_context(request, person.pk, purge_form=form)
    return render(request, "privacy/person.html", context, status=status)


@requires(Perm.PRIVACY_MANAGE)
@require_GET
def access_json(request: HttpRequest, person_id: Any) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    data = selectors.access_export(actor=actor, person=person, language=request.GET.get("lang", ""))
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="subject-access-{person.pk}.json"'
    return response


@requires(Perm.PRIVACY_MANAGE)
@require_GET
def access_pdf(request: HttpRequest, person_id: Any) -> HttpResponse:
    """The subject-access export as PDF (WeasyPrint, nothing fetched from outside)."""
    from django.utils import translation
    from weasyprint import HTML

    from ikaze.vetting.notices import LocalOnlyFetcher

    actor = actor_of(request)
    person = selectors.person_for(actor=actor, person_id=person_id)
    data = selectors.access_export(actor=actor, person=person, language=request.GET.get("lang", ""))
    with translation.override(data["language"]):
        html = render_to_string("privacy/access_export_pdf.html", {"d": data})
    pdf = HTML(string=html, url_fetcher=LocalOnlyFetcher()).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="subject-access-{person.pk}.pdf"'
    return response


@requires(Perm.PRIVACY_VIEW)
@require_http_methods(["GET", "POST"])
def breach_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = BreachForm(prefix="breach")
    status = 200
    if request.method == "POST":
        require(actor, Perm.PRIVACY_MANAGE, target_type="breach")  # the monitor reads only
        form = BreachForm(request.POST, prefix="breach")
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.breach_record(
                    actor=actor,
                    title=d["title"],
                    description=d["description"],
                    discovered_at=d["discovered_at"],
                    people_affected=d["people_affected"],
                    categories=d["categories"],
                )
            except IkazeError as exc:
                if exc.status == 403:
                    raise
                add_service_errors(form, exc)
                status = 422
            else:
                messages.success(request, _("Breach recorded: the 48-hour clock runs."))
                return redirect("privacy:breach_list")
        else:
            status = 422
    breaches = selectors.breach_clocks(list(selectors.breach_list_for(actor=actor)[:200]))
    can_manage = actor.can(Perm.PRIVACY_MANAGE)
    return render(
        request,
        "privacy/breach_list.html",
        {
            "breaches": [(c, BreachStepForm(prefix=f"step-{c.breach.pk}")) for c in breaches],
            "form": form if can_manage else None,
            "can_manage": can_manage,
        },
        status=status,
    )


def _breach_step(request: HttpRequest, breach_id: Any, step: str) -> HttpResponse:
    actor = actor_of(request)
    breach: Breach = selectors.breach_get_for(actor=actor, breach_id=breach_id)
    form = BreachStepForm(request.POST, prefix=f"step-{breach.pk}")
    if form.is_valid():
        fn = services.breach_notify if step == "notify" else services.breach_report
        try:
            fn(actor=actor, breach=breach, reference=form.cleaned_data["reference"])
        except IkazeError as exc:
            _service_error(request, exc)
        else:
            messages.success(
                request,
                _("Notice to the regulator recorded.")
                if step == "notify"
                else _("Report to the regulator recorded."),
            )
    else:
        messages.error(request, _("Give the regulator's reference."))
    return redirect("privacy:breach_list")


@requires(Perm.PRIVACY_MANAGE)
@require_POST
def breach_notify(request: HttpRequest, breach_id: Any) -> HttpResponse:
    return _breach_step(request, breach_id, "notify")


@requires(Perm.PRIVACY_MANAGE)
@require_POST
def breach_report(request: HttpRequest, breach_id: Any) -> HttpResponse:
    return _breach_step(request, breach_id, "report")
