"""Support pages: batches (prepare, approve, send, progress), reconciliation, a person's
payment history."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor, actor_of
from ikaze.accounts.decorators import requires
from ikaze.agreements import selectors as agreements
from ikaze.core.errors import IkazeError, NotFound
from ikaze.core.forms import add_service_errors
from ikaze.people import selectors as people
from ikaze.support import reconciliation, selectors, services
from ikaze.support.forms import ConfirmForm, PrepareForm
from ikaze.support.models import BatchStatus, PaymentBatch


def _agreement_choices(actor: Actor) -> list[tuple[str, str]]:
    return [
        (str(a.pk), f"{a.code} — {a.title}")
        for a in agreements.agreement_list_for(actor=actor).filter(status="in_force")
    ]


def _list(
    request: HttpRequest, *, form: PrepareForm | None = None, status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    batches = list(selectors.batch_list_for(actor=actor)[:200])
    rows = [(b, selectors.batch_progress(batch=b)) for b in batches]
    can_prepare = actor.can(Perm.SUPPORT_PREPARE)
    if can_prepare and form is None:
        form = PrepareForm(prefix="batch", agreements=_agreement_choices(actor))
    return render(
        request,
        "support/batch_list.html",
        {
            "rows": rows,
            "form": form if can_prepare else None,
            "open_incidents": selectors.open_incidents().count(),
        },
        status=status,
    )


@requires(Perm.SUPPORT_VIEW)
@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    return _list(request)


@requires(Perm.SUPPORT_PREPARE)
@require_POST
def batch_prepare(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = PrepareForm(request.POST, prefix="batch", agreements=_agreement_choices(actor))
    if form.is_valid():
        d = form.cleaned_data
        agreement = agreements.agreement_list_for(actor=actor).get(pk=d["agreement"])
        try:
            batch = services.batch_prepare(
                actor=actor, agreement=agreement, kind=d["kind"], period=d["period"].strip()
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            return _list(request, form=form, status=exc.status)
        messages.success(request, _("Batch prepared; another person approves it."))
        return redirect("support:batch_detail", paymentbatch_id=batch.pk)
    return _list(request, form=form, status=400)


def _detail(
    request: HttpRequest, batch: PaymentBatch, *, error: str = "", status: int = 200
) -> HttpResponse:
    actor = actor_of(request)
    payments = list(selectors.batch_payments(batch=batch)[:2000])
    names = people.person_names(ids=[p.person_id for p in payments])
    can = {
        "approve": actor.can(Perm.SUPPORT_APPROVE) and batch.status == BatchStatus.PREPARED,
        "send": actor.can(Perm.SUPPORT_SEND) and batch.status == BatchStatus.APPROVED,
        "reconcile": actor.can(Perm.SUPPORT_RECONCILE)
        and batch.status in (BatchStatus.SENDING, BatchStatus.SENT),
    }
    return render(
        request,
        "support/batch_detail.html",
        {
            "batch": batch,
            "progress": selectors.batch_progress(batch=batch),
            "payments": [(p, names.get(str(p.person_id), "")) for p in payments],
            "can": can,
            "form": ConfirmForm(),
            "error": error,
        },
        status=status,
    )


@requires(Perm.SUPPORT_VIEW)
@require_GET
def batch_detail(request: HttpRequest, paymentbatch_id: str) -> HttpResponse:
    batch = selectors.batch_get_for(actor=actor_of(request), batch_id=paymentbatch_id)
    return _detail(request, batch)


@requires(Perm.SUPPORT_VIEW)
@require_GET
def batch_progress(request: HttpRequest, paymentbatch_id: str) -> HttpResponse:
    batch = selectors.batch_get_for(actor=actor_of(request), batch_id=paymentbatch_id)
    response = render(
        request,
        "support/_progress.html",
        {"batch": batch, "progress": selectors.batch_progress(batch=batch)},
    )
    if batch.status == BatchStatus.SENT and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the payments table shows the outcome
    return response


def _act(request: HttpRequest, paymentbatch_id: str, what: str) -> HttpResponse:
    actor = actor_of(request)
    batch = selectors.batch_get_for(actor=actor, batch_id=paymentbatch_id)
    try:
        if what == "approve":
            services.batch_approve(actor=actor, batch=batch)
            messages.success(request, _("Batch approved."))
        elif what == "send":
            services.batch_send(actor=actor, batch=batch)
            messages.success(request, _("Sending started; the progress updates by itself."))
        else:
            run = reconciliation.reconciliation_run(actor=actor, batch=batch)
            messages.success(
                request,
                _("Reconciled: %(checked)d checked, %(resolved)d settled, %(incidents)d incidents.")
                % {"checked": run.checked, "resolved": run.resolved, "incidents": run.incidents},
            )
    except IkazeError as exc:
        if exc.status == 403:
            raise
        batch.refresh_from_db()
        return _detail(request, batch, error=str(exc.message), status=exc.status)
    return redirect("support:batch_detail", paymentbatch_id=batch.pk)


@requires(Perm.SUPPORT_APPROVE)
@require_POST
def batch_approve(request: HttpRequest, paymentbatch_id: str) -> HttpResponse:
    return _act(request, paymentbatch_id, "approve")


@requires(Perm.SUPPORT_SEND)
@require_POST
def batch_send(request: HttpRequest, paymentbatch_id: str) -> HttpResponse:
    return _act(request, paymentbatch_id, "send")


@requires(Perm.SUPPORT_RECONCILE)
@require_POST
def batch_reconcile(request: HttpRequest, paymentbatch_id: str) -> HttpResponse:
    return _act(request, paymentbatch_id, "reconcile")


@requires(Perm.SUPPORT_VIEW)
@require_GET
def reconciliation_report(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    return render(
        request,
        "support/reconciliation.html",
        {
            "runs": list(selectors.reconciliation_list_for(actor=actor)[:20]),
            "incidents": list(selectors.incident_list_for(actor=actor, open_only=True)[:500]),
            "adjustments": list(selectors.adjustment_list_for(actor=actor)[:100]),
        },
    )


@requires(Perm.SUPPORT_VIEW)
@require_GET
def person_payments(request: HttpRequest, person_id: str) -> HttpResponse:
    actor = actor_of(request)
    data = selectors.person_payments_for(actor=actor, person_id=person_id)
    names = people.person_names(ids=[person_id])
    if not names:
        raise NotFound(_("No such person."))
    return render(
        request,
        "support/person_payments.html",
        {"name": names.get(str(person_id), ""), "person_id": person_id, **data},
    )
