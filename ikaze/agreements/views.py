"""Agreement pages: list, detail with money and safeguards, set-up forms and actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor, actor_of
from ikaze.accounts.decorators import requires
from ikaze.agreements import selectors, services
from ikaze.agreements.forms import (
    AgreementForm,
    CompensationLineForm,
    PaymentForm,
    ReversalForm,
    SupportItemForm,
    TrancheForm,
    TransitionForm,
    agreement_initial,
)
from ikaze.agreements.models import Agreement
from ikaze.agreements.standards import PROTECTIVE_DEFAULTS, below_standard, is_weaker
from ikaze.core import clock
from ikaze.core.errors import IkazeError, ValidationError
from ikaze.core.forms import add_service_errors
from ikaze.core.worklist import export_response

# Service fields that a form shows under another name (amounts are typed in major units).
_FORM_FIELD = {"amount_minor": "amount"}


def _actor(request: HttpRequest) -> Actor:
    return actor_of(request)


def _transition_choices(actor: Actor, agreement: Agreement) -> list[tuple[str, str]]:
    labels = dict(Agreement.Status.choices)
    return [
        (to, str(labels[to]))
        for to in sorted(services.TRANSITIONS[agreement.status])
        if actor.can(services.transition_perm(agreement.status, to))
    ]


@requires(Perm.AGREEMENT_VIEW)
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "")
    qs = selectors.agreement_list_for(actor=actor)
    if status in Agreement.Status.values:
        qs = qs.filter(status=status)
    rows = [{"agreement": a, "below_standard": below_standard(a)} for a in qs]
    return render(
        request,
        "agreements/agreement_list.html",
        {
            "rows": rows,
            "status": status,
            "statuses": Agreement.Status.choices,
            "can_manage": actor.can(Perm.AGREEMENT_MANAGE),
        },
    )


def _render_detail(
    request: HttpRequest,
    agreement: Agreement,
    *,
    bound: dict[str, Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = _actor(request)
    bound = bound or {}
    lines = list(agreement.compensation_lines.all())
    payments = list(agreement.payments.all())
    summary = selectors.money_summary(agreement=agreement, lines=lines, payments=payments)
    choices = _transition_choices(actor, agreement)
    forms: dict[str, Form | None] = {
        "transition": bound.get("transition")
        or (TransitionForm(prefix="transition", choices=choices) if choices else None),
        "payment": bound.get("payment")
        or (
            PaymentForm(prefix="payment", initial={"currency": agreement.currency}, lines=lines)
            if actor.can(Perm.INTERSTATE_PAYMENT_RECORD)
            else None
        ),
    }
    can_reverse = actor.can(Perm.INTERSTATE_PAYMENT_RECORD)
    refused_reversal = bound.get("reverse")
    reversed_ids = {str(p.reverses_id) for p in payments if p.reverses_id is not None}
    by_id = {str(p.pk): p for p in payments}
    if actor.can(Perm.AGREEMENT_MANAGE):
        forms["tranche"] = bound.get("tranche") or TrancheForm(prefix="tranche")
        forms["support"] = bound.get("support") or SupportItemForm(
            prefix="support", initial={"currency": agreement.currency}
        )
        forms["line"] = bound.get("line") or CompensationLineForm(
            prefix="line", initial={"currency": agreement.currency}
        )
    settings_rows = [
        {
            "setting": setting,
            "label": std.label,
            "value": getattr(agreement, setting),
            "standard": std.value,
            "source": std.source,
            "below": is_weaker(setting, getattr(agreement, setting)),
        }
        for setting, std in PROTECTIVE_DEFAULTS.items()
    ]
    cap_left = (
        agreement.cap_total - agreement.places_used if agreement.cap_total is not None else None
    )
    return render(
        request,
        "agreements/agreement_detail.html",
        {
            "agreement": agreement,
            "tranches": list(agreement.tranches.all()),
            "support_items": list(agreement.support_items.all()),
            "lines": lines,
            "payment_rows": [
                {
                    "payment": p,
                    "unscheduled": str(p.pk) in summary.unscheduled_payment_ids,
                    "reverses": by_id.get(str(p.reverses_id)) if p.reverses_id else None,
                    "reversed": str(p.pk) in reversed_ids,
                    "reverse_form": (
                        (
                            refused_reversal
                            if isinstance(refused_reversal, ReversalForm)
                            and str(refused_reversal.payment_id) == str(p.pk)
                            else ReversalForm(
                                prefix="reverse",
                                payment_id=p.pk,
                                initial={
                                    "payment": str(p.pk),
                                    "reversed_on": clock.today_local(),
                                },
                            )
                        )
                        if can_reverse and p.reverses_id is None and str(p.pk) not in reversed_ids
                        else None
                    ),
                }
                for p in payments
            ],
            "money": summary,
            "support_money": selectors.support_money(agreement),
            "cap_left": cap_left,
            "below_standard": below_standard(agreement),
            "settings_rows": settings_rows,
            "history": list(selectors.agreement_history(agreement=agreement)[:50]),
            "forms": forms,
            "open_form": next(iter(bound), ""),
            "can_manage": actor.can(Perm.AGREEMENT_MANAGE),
        },
        status=status,
    )


@requires(Perm.AGREEMENT_VIEW)
@require_GET
def agreement_detail(request: HttpRequest, code: str) -> HttpResponse:
    agreement = selectors.agreement_get_for(actor=_actor(request), code=code)
    return _render_detail(request, agreement)


@requires(Perm.AGREEMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                agreement = services.agreement_create(
                    actor=_actor(request), code=form.cleaned_data["code"], fields=form.changes()
                )
            except IkazeError as exc:
                add_service_errors(form, exc, aliases=_FORM_FIELD)
            else:
                messages.success(
                    request, _("Agreement %(code)s created as a draft.") % {"code": agreement.code}
                )
                return redirect("agreements:detail", code=agreement.code)
        return render(request, "agreements/agreement_form.html", {"form": form}, status=400)
    return render(request, "agreements/agreement_form.html", {"form": form})


@requires(Perm.AGREEMENT_MANAGE)
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    if request.method == "POST":
        form = AgreementForm(request.POST, editing=True)
        status = 400
        if form.is_valid():
            try:
                agreement = services.agreement_update(
                    actor=actor,
                    agreement=agreement,
                    version=form.cleaned_data["version"],
                    changes=form.changes(),
                )
            except IkazeError as exc:
                add_service_errors(form, exc, aliases=_FORM_FIELD)
                status = 409 if exc.status == 409 else 400
            else:
                messages.success(request, _("Agreement %(code)s saved.") % {"code": agreement.code})
                return redirect("agreements:detail", code=agreement.code)
        return render(
            request,
            "agreements/agreement_form.html",
            {"form": form, "agreement": agreement},
            status=status,
        )
    form = AgreementForm(initial=agreement_initial(agreement), editing=True)
    return render(request, "agreements/agreement_form.html", {"form": form, "agreement": agreement})


def _action(
    request: HttpRequest,
    code: str,
    key: str,
    form: Form | Callable[[Agreement], Form],
    call: Any,
    done: str,
) -> HttpResponse:
    """Run one detail-page action: valid → service → redirect; refused → page with errors."""
    actor = _actor(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    if not isinstance(form, Form):
        form = form(agreement)
    if form.is_valid():
        try:
            call(actor, agreement, form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc, aliases=_FORM_FIELD)
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc, aliases=_FORM_FIELD)
            agreement.refresh_from_db()
            return _render_detail(request, agreement, bound={key: form}, status=exc.status)
        else:
            messages.success(request, done)
            return redirect("agreements:detail", code=agreement.code)
    agreement.refresh_from_db()
    return _render_detail(request, agreement, bound={key: form}, status=400)


@requires(Perm.AGREEMENT_TRANSITION)
@require_POST
def agreement_transition(request: HttpRequest, code: str) -> HttpResponse:
    actor = _actor(request)
    agreement = selectors.agreement_get_for(actor=actor, code=code)
    # Only the transitions this reader may make from the current status, on every render: a
    # refused choice is a form error, never a 403 (issue 11 item 8).
    form = TransitionForm(
        request.POST, prefix="transition", choices=_transition_choices(actor, agreement)
    )
    return _action(
        request,
        agreement.code,
        "transition",
        form,
        lambda actor, a, d: services.agreement_transition(
            actor=actor, agreement=a, to=d["to"], reason=d["reason"]
        ),
        _("Status changed."),
    )


@requires(Perm.INTERSTATE_PAYMENT_RECORD)
@require_POST
def payment_add(request: HttpRequest, code: str) -> HttpResponse:
    return _action(
        request,
        code,
        "payment",
        lambda a: PaymentForm(
            request.POST, prefix="payment", lines=list(a.compensation_lines.all())
        ),
        lambda actor, a, d: services.interstate_payment_record(
            actor=actor,
            agreement=a,
            category=d["category"],
            line=d["line"] or None,
            amount_minor=d["amount_minor"],
            currency=d["currency"],
            exchange_rate=d["exchange_rate"],
            rate_on=d["rate_on"],
            rate_source=d["rate_source"],
            paid_on=d["paid_on"],
            reference=d["reference"],
            note=d["note"],
        ),
        _("Payment recorded."),
    )


@requires(Perm.INTERSTATE_PAYMENT_RECORD)
@require_POST
def payment_reverse(request: HttpRequest, code: str) -> HttpResponse:
    payment_id = request.POST.get("reverse-payment", "")
    return _action(
        request,
        code,
        "reverse",
        ReversalForm(request.POST, prefix="reverse", payment_id=payment_id),
        lambda actor, a, d: services.interstate_payment_reverse(
            actor=actor,
            agreement=a,
            payment_id=d["payment"],
            reference=d["reference"],
            reason=d["reason"],
            reversed_on=d["reversed_on"],
        ),
        _("Reversal recorded: the payment no longer counts."),
    )


@requires(Perm.AGREEMENT_MANAGE)
@require_POST
def tranche_add(request: HttpRequest, code: str) -> HttpResponse:
    return _action(
        request,
        code,
        "tranche",
        TrancheForm(request.POST, prefix="tranche"),
        lambda actor, a, d: services.tranche_add(actor=actor, agreement=a, **d),
        _("Cap period added."),
    )


@requires(Perm.AGREEMENT_MANAGE)
@require_POST
def support_item_add(request: HttpRequest, code: str) -> HttpResponse:
    return _action(
        request,
        code,
        "support",
        SupportItemForm(request.POST, prefix="support"),
        lambda actor, a, d: services.support_item_add(
            actor=actor,
            agreement=a,
            kind=d["kind"],
            description=d["description"],
            amount_minor=d.get("amount_minor"),
            currency=d["currency"] if d.get("amount") is not None else "",
            frequency=d["frequency"],
            duration_months=d["duration_months"],
        ),
        _("Support item added."),
    )


@requires(Perm.AGREEMENT_MANAGE)
@require_POST
def compensation_line_add(request: HttpRequest, code: str) -> HttpResponse:
    return _action(
        request,
        code,
        "line",
        CompensationLineForm(request.POST, prefix="line"),
        lambda actor, a, d: services.compensation_line_add(
            actor=actor,
            agreement=a,
            category=d["category"],
            description=d["description"],
            amount_minor=d["amount_minor"],
            currency=d["currency"],
            trigger_people=d["trigger_people"],
            # An unticked box means "as the category implies", not "never per person".
            per_person=True if d["per_person"] else None,
        ),
        _("Compensation line added."),
    )


@requires(Perm.AGREEMENT_VIEW)
@require_GET
def agreement_list_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The agreements the page lists (its status filter kept), as CSV or XLSX."""
    actor = _actor(request)
    status = request.GET.get("status", "")
    qs = selectors.agreement_list_for(actor=actor)
    if status in Agreement.Status.values:
        qs = qs.filter(status=status)
    return export_response(
        request,
        fmt=fmt,
        filename="agreements",
        header=[
            _("Code"),
            _("Title"),
            _("Sending state"),
            _("Receiving state"),
            _("Status"),
            _("Cap"),
            _("Places used"),
            _("Below standard"),
        ],
        rows=(
            [
                a.code,
                a.title,
                a.sending_state,
                a.receiving_state,
                a.get_status_display(),
                a.cap_total,
                a.places_used,
                ", ".join(str(b.label) for b in below_standard(a)),
            ]
            for a in qs
        ),
    )
