"""Referral pages: list and detail for both sides, the referral form, status actions."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.decorators import requires
from ikaze.agreements.selectors import agreement_get_for, agreement_list_for
from ikaze.core.errors import IkazeError, PermissionDenied
from ikaze.core.forms import add_service_errors
from ikaze.core.pagination import paginate
from ikaze.people.selectors import person_documents
from ikaze.vetting import selectors, services
from ikaze.vetting.forms import ERROR_FIELDS, ReasonForm, ReferralForm
from ikaze.vetting.models import Decision, Referral


def _page_number(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


@requires(Perm.REFERRAL_VIEW)
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "agreement", "q")}
    qs = selectors.referral_list_for(actor=actor, **filters)
    page = paginate(qs, page=_page_number(request), size=50)
    selectors.referral_list_audited(actor=actor, referrals=page.items)
    query = "&".join(f"{k}={v}" for k, v in filters.items() if v)
    return render(
        request,
        "vetting/referral_list.html",
        {
            "page": page,
            "filters": filters,
            "statuses": Referral.Status.choices,
            "agreements": agreement_list_for(actor=actor),
            "querystring_base": query + "&" if query else "",
            "can_create": actor.can(Perm.REFERRAL_CREATE),
        },
    )


@requires(Perm.REFERRAL_VIEW)
@require_GET
def referral_detail(request: HttpRequest, referral_id: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    own = referral.referring_organisation_id == actor.organisation_id
    status = referral.status
    S = Referral.Status
    return render(
        request,
        "vetting/referral_detail.html",
        {
            "referral": referral,
            "person": referral.person,
            "documents": person_documents(person=referral.person),
            "history": selectors.referral_history(referral=referral),
            "missing": services.referral_missing_data(person=referral.person),
            "can_submit": own
            and actor.can(Perm.REFERRAL_CREATE)
            and status in (S.DRAFT, S.INFORMATION_REQUESTED),
            "can_withdraw": own
            and actor.can(Perm.REFERRAL_CREATE)
            and status in (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED),
            "can_review": actor.can(Perm.REFERRAL_DECIDE) and status == S.SUBMITTED,
            "can_request_information": actor.can(Perm.REFERRAL_DECIDE) and status == S.UNDER_REVIEW,
            "reason_form": ReasonForm(),
            # The sending liaison follows the decision; the receiving side opens the file.
            "has_decision": Decision.objects.filter(referral=referral).exists(),
            "can_vet": actor.org_kind in selectors.WORKING_FILE,
        },
    )


@requires(Perm.REFERRAL_CREATE)
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponseBase:
    actor = request.actor  # type: ignore[attr-defined]
    choices = [
        (a.code, f"{a.code} — {a.title}")
        for a in agreement_list_for(actor=actor).filter(status="in_force")
    ]
    form = ReferralForm(request.POST or None, agreements=choices)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = agreement_get_for(actor=actor, code=form.cleaned_data["agreement"])
            referral = services.referral_refer_person(
                actor=actor,
                agreement=agreement,
                data=form.person_in(),
                external_reference=form.cleaned_data["referral_reference"]
                or form.cleaned_data["external_reference"],
                household=form.household_in(),
                submit=form.cleaned_data["submit_now"],
            )
        except PermissionDenied:
            raise
        except IkazeError as exc:
            add_service_errors(form, exc, aliases=ERROR_FIELDS, message="fallback")
        else:
            messages.success(request, _("Referral recorded."))
            return redirect("vetting:referral_detail", referral_id=referral.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "vetting/referral_form.html",
        {"form": form, "has_agreements": bool(choices)},
        status=status,
    )


def _act(request: HttpRequest, referral_id: str, action: str) -> HttpResponseBase:
    actor = request.actor  # type: ignore[attr-defined]
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    reason = request.POST.get("reason", "")
    try:
        if action == "submit":
            services.referral_submit(actor=actor, referral=referral)
        elif action == "withdraw":
            services.referral_withdraw(actor=actor, referral=referral, reason=reason)
        elif action == "review":
            services.referral_start_review(actor=actor, referral=referral)
        else:
            services.referral_request_information(actor=actor, referral=referral, reason=reason)
    except PermissionDenied:
        raise
    except IkazeError as exc:
        problems = [f"{k}: {', '.join(map(str, v))}" for k, v in exc.details.items()]
        messages.error(request, " ".join([exc.message, *problems]))
    else:
        messages.success(request, _("Referral updated."))
    return redirect("vetting:referral_detail", referral_id=referral.pk)


@requires(Perm.REFERRAL_CREATE)
@require_POST
def referral_submit(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    return _act(request, referral_id, "submit")


@requires(Perm.REFERRAL_CREATE)
@require_POST
def referral_withdraw(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    return _act(request, referral_id, "withdraw")


@requires(Perm.REFERRAL_DECIDE)
@require_POST
def referral_start_review(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    return _act(request, referral_id, "review")


@requires(Perm.REFERRAL_DECIDE)
@require_POST
def referral_request_information(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    return _act(request, referral_id, "request_information")
