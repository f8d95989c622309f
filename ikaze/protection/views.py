"""Protection pages: cases, complaints (the monitor's), the self-service complaint page, the
monitor's inbox, observations, upcoming movements, and monitor access requests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ikaze.accounts import selectors as accounts_selectors
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor, actor_of
from ikaze.accounts.decorators import public, requires
from ikaze.accounts.lockout import client_address
from ikaze.agreements import selectors as agreements
from ikaze.core import clock, monitor_inbox
from ikaze.core.errors import IkazeError
from ikaze.core.forms import add_service_errors
from ikaze.core.pagination import Page, paginate
from ikaze.core.worklist import page_number, querystring
from ikaze.movements import selectors as movements
from ikaze.protection import selectors, services
from ikaze.protection.forms import (
    AccessRequestForm,
    BriefForm,
    ClaimForm,
    CloseForm,
    ComplaintForm,
    ConfirmForm,
    CourtForm,
    DecideForm,
    DecisionForm,
    DepartureForm,
    InboxFilterForm,
    InterviewForm,
    MilestoneForm,
    ObservationForm,
    ReferralForm,
    SelfServiceComplaintForm,
    SelfServiceSignInForm,
    ServeForm,
)
from ikaze.protection.models import Case, PersonalCode, StatusDecision

# --- cases -------------------------------------------------------------------------------------


@requires(Perm.CASE_VIEW)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    stage = request.GET.get("stage", "")
    if stage not in ("", "open", "closed", "monitoring", "briefing_overdue"):
        stage = ""
    qs = selectors.case_list_for(actor=actor, stage=stage, q=request.GET.get("q", "")[:200])
    page = paginate(qs.order_by("-arrived_at", "pk"), page=page_number(request), size=50)
    cases = list(page.items)
    q = request.GET.get("q", "")[:200]
    return render(
        request,
        "protection/case_list.html",
        {
            "page": page,
            "cases": cases,
            "names": selectors.case_names(cases),
            "stage": stage,
            "q": q,
            "querystring_base": (querystring({"stage": stage, "q": q}) + "&").lstrip("&"),
        },
    )


def _case_forms(actor: Actor, case: Case, bound: dict[str, Form]) -> dict[str, Form]:
    forms: dict[str, Form] = {}
    if case.closed_at is not None:
        return forms
    if actor.can(Perm.CASE_MANAGE):
        forms["brief"] = bound.get("brief") or BriefForm(
            prefix="brief", initial={"language": case.language}
        )
        if case.claim_lodged_at is None:
            forms["claim"] = bound.get("claim") or ClaimForm(prefix="claim")
        else:
            forms["interview"] = bound.get("interview") or InterviewForm(
                prefix="interview", initial={"interpreter_language": case.language}
            )
            forms["decide"] = bound.get("decide") or DecisionForm(
                prefix="decide", initial={"decided_on": clock.today_local()}
            )
            forms["appeal"] = bound.get("appeal") or ConfirmForm(prefix="appeal")
            forms["court"] = bound.get("court") or CourtForm(prefix="court")
        forms["refer"] = bound.get("refer") or ReferralForm(
            prefix="refer", initial={"referred_on": clock.today_local()}
        )
        forms["milestone"] = bound.get("milestone") or MilestoneForm(
            prefix="milestone", initial={"reached_on": clock.today_local()}
        )
        forms["code"] = bound.get("code") or ConfirmForm(prefix="code")
        forms["close"] = bound.get("close") or CloseForm(prefix="close")
    if actor.can(Perm.DEPARTURE_RECORD):
        forms["depart"] = bound.get("depart") or DepartureForm(prefix="depart")
    if actor.can(Perm.COMPLAINT_FILE):
        forms["complain"] = bound.get("complain") or ComplaintForm(
            prefix="complain", initial={"language": case.language}
        )
    return forms


def _case_detail(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[str, Form] | None = None,
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    actor = actor_of(request)
    view = selectors.case_view(case=case)
    decisions = list(case.decisions.all())
    serve_forms = {
        str(d.pk): (bound or {}).get(f"serve-{d.pk}")
        or ServeForm(prefix=f"serve-{d.pk}", initial={"language": case.language})
        for d in decisions
        if d.served_at is None and case.closed_at is None and actor.can(Perm.CASE_MANAGE)
    }
    return render(
        request,
        "protection/case_detail.html",
        {
            "v": view,
            "case": case,
            "decisions": [(d, serve_forms.get(str(d.pk))) for d in decisions],
            "interviews": list(case.interviews.all()),
            "referrals": list(case.referrals.all()),
            "milestones": list(case.milestones.all()),
            "departures": list(case.departures.all()),
            "lock_hits": list(case.lock_hits.all()),
            "forms": _case_forms(actor, case, bound or {}),
            # C2: the caseworker sees that complaints exist only as the receipt of their own.
            **(extra or {}),
        },
        status=status,
    )


@requires(Perm.CASE_VIEW)
@require_GET
def case_detail(request: HttpRequest, pk: str) -> HttpResponse:
    case = selectors.case_get_for(actor=actor_of(request), case_id=pk)
    return _case_detail(request, case)


def _today_dt(d: dt.date) -> dt.datetime:
    return dt.datetime.combine(d, dt.time(12), tzinfo=clock.now().tzinfo)


Call = Callable[[Actor, Case, dict[str, Any]], Any]

ACTIONS: dict[str, tuple[type[Form], Call, str]] = {
    "brief": (
        BriefForm,
        lambda a, c, d: services.case_rights_brief(actor=a, case=c, language=d["language"]),
        gettext_noop("Rights briefing recorded."),
    ),
    "claim": (
        ClaimForm,
        lambda a, c, d: services.case_claim_lodge(actor=a, case=c, details=d["details"]),
        gettext_noop("Claim recorded."),
    ),
    "interview": (
        InterviewForm,
        lambda a, c, d: services.interview_record(
            actor=a,
            case=c,
            kind=d["kind"],
            held_at=d["held_at"],
            interpreter_language=d["interpreter_language"],
            legal_representative=d["legal_representative"],
            waiver_reference=d["waiver_reference"],
            notes=d["notes"],
        ),
        gettext_noop("Interview recorded."),
    ),
    "decide": (
        DecisionForm,
        lambda a, c, d: services.decision_record(
            actor=a,
            case=c,
            level=d["level"],
            result=d["result"],
            reasons=d["reasons"],
            decided_on=d["decided_on"],
        ),
        gettext_noop("Decision recorded: serve it in the person's language."),
    ),
    "appeal": (
        ConfirmForm,
        lambda a, c, d: services.case_appeal_lodge(actor=a, case=c),
        gettext_noop("Appeal recorded."),
    ),
    "court": (
        CourtForm,
        lambda a, c, d: services.case_court_file(
            actor=a, case=c, court_reference=d["court_reference"]
        ),
        gettext_noop("Court case recorded."),
    ),
    "refer": (
        ReferralForm,
        lambda a, c, d: services.service_referral_add(
            actor=a, case=c, kind=d["kind"], provider=d["provider"], referred_on=d["referred_on"]
        ),
        gettext_noop("Referral recorded."),
    ),
    "milestone": (
        MilestoneForm,
        lambda a, c, d: services.milestone_add(
            actor=a, case=c, kind=d["kind"], reached_on=d["reached_on"]
        ),
        gettext_noop("Milestone recorded."),
    ),
    "depart": (
        DepartureForm,
        lambda a, c, d: services.departure_record(
            actor=a,
            case=c,
            destination=d["destination"],
            departs_on=d["departs_on"],
            voluntary_request_reference=d["voluntary_request_reference"],
            fear_screening_on=d["fear_screening_on"],
        ),
        gettext_noop("Departure recorded."),
    ),
    "close": (
        CloseForm,
        lambda a, c, d: services.case_close(
            actor=a, case=c, outcome=d["outcome"], reason=d["reason"]
        ),
        gettext_noop("Case closed."),
    ),
}


def _run(request: HttpRequest, pk: str, key: str) -> HttpResponse:
    actor = actor_of(request)
    case = selectors.case_get_for(actor=actor, case_id=pk)
    form_class, call, done = ACTIONS[key]
    form = form_class(request.POST, prefix=key)
    if form.is_valid():
        try:
            call(actor, case, form.cleaned_data)
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            case.refresh_from_db()
            return _case_detail(request, case, bound={key: form}, status=exc.status)
        messages.success(request, _(done))
        return redirect("protection:case_detail", pk=case.pk)
    return _case_detail(request, case, bound={key: form}, status=400)


def _action_view(key: str, perm: Perm) -> Callable[..., HttpResponseBase]:
    @requires(perm)
    @require_POST
    def view(request: HttpRequest, pk: str) -> HttpResponse:
        return _run(request, pk, key)

    view.__name__ = f"case_{key}"
    view.__qualname__ = f"case_{key}"
    return view


case_brief = _action_view("brief", Perm.CASE_MANAGE)
case_claim = _action_view("claim", Perm.CASE_MANAGE)
case_interview = _action_view("interview", Perm.CASE_MANAGE)
case_decide = _action_view("decide", Perm.CASE_MANAGE)
case_appeal = _action_view("appeal", Perm.CASE_MANAGE)
case_court = _action_view("court", Perm.CASE_MANAGE)
case_refer = _action_view("refer", Perm.CASE_MANAGE)
case_milestone = _action_view("milestone", Perm.CASE_MANAGE)
case_depart = _action_view("depart", Perm.DEPARTURE_RECORD)
case_close = _action_view("close", Perm.CASE_MANAGE)


@requires(Perm.CASE_MANAGE)
@require_POST
def case_code(request: HttpRequest, pk: str) -> HttpResponse:
    """Issue the personal code and PIN; shown once, on this answer."""
    actor = actor_of(request)
    case = selectors.case_get_for(actor=actor, case_id=pk)
    form = ConfirmForm(request.POST, prefix="code")
    if not form.is_valid():
        return _case_detail(request, case, bound={"code": form}, status=400)
    code, pin = services.personal_code_issue(actor=actor, case=case)
    return _case_detail(request, case, extra={"issued_code": code.code, "issued_pin": pin})


@requires(Perm.COMPLAINT_FILE)
@require_POST
def case_complain(request: HttpRequest, pk: str) -> HttpResponse:
    """File a complaint for the person; the filer sees its receipt, never its content again."""
    actor = actor_of(request)
    case = selectors.case_get_for(actor=actor, case_id=pk)
    form = ComplaintForm(request.POST, prefix="complain")
    if form.is_valid():
        try:
            complaint = services.complaint_file(
                actor=actor,
                case=case,
                content=form.cleaned_data["content"],
                language=form.cleaned_data["language"],
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            return _case_detail(request, case, bound={"complain": form}, status=exc.status)
        return _case_detail(request, case, extra={"receipt": complaint})
    return _case_detail(request, case, bound={"complain": form}, status=400)


@requires(Perm.CASE_MANAGE)
@require_POST
def decision_serve(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_of(request)
    decision = _decision_for(actor, pk)
    case = decision.case
    key = f"serve-{decision.pk}"
    form = ServeForm(request.POST, prefix=key)
    if form.is_valid():
        try:
            services.decision_serve(
                actor=actor,
                decision=decision,
                language=form.cleaned_data["language"],
                interpreter_language=form.cleaned_data["interpreter_language"],
            )
        except IkazeError as exc:
            if exc.status == 403:
                raise
            add_service_errors(form, exc)
            return _case_detail(request, case, bound={key: form}, status=exc.status)
        messages.success(request, _("Decision served."))
        return redirect("protection:case_detail", pk=case.pk)
    return _case_detail(request, case, bound={key: form}, status=400)


def _decision_for(actor: Actor, pk: str) -> StatusDecision:
    return selectors.decision_get_for(actor=actor, decision_id=pk)


@requires(Perm.CASE_VIEW)
@require_GET
def decision_pdf(request: HttpRequest, pk: str) -> HttpResponse:
    from ikaze.protection.documents import render_decision

    decision = _decision_for(actor_of(request), pk)
    language = decision.served_language or decision.case.language or "en"
    doc = render_decision(decision=decision, case=decision.case, language=language)
    response = HttpResponse(doc.pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="decision-{decision.case.reference}-{decision.level}.pdf"'
    )
    return response


# --- complaints: the monitor's (C2) ---------------------------------------------------------


@requires(Perm.COMPLAINT_VIEW)
@require_GET
def complaint_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    status = request.GET.get("status", "")
    qs = selectors.complaint_list_for(actor=actor, status=status)
    page = paginate(qs, page=page_number(request), size=50)
    return render(
        request,
        "protection/complaint_list.html",
        {
            "page": page,
            "complaints": list(page.items),
            "status": status,
            "now": clock.now(),
            "querystring_base": (querystring({"status": status}) + "&").lstrip("&"),
        },
    )


@requires(Perm.COMPLAINT_VIEW)
@require_GET
def complaint_detail(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_of(request)
    complaint = selectors.complaint_get_for(actor=actor, complaint_id=pk)
    return render(
        request,
        "protection/complaint_detail.html",
        {
            "c": complaint,
            "content": selectors.complaint_content_for(actor=actor, complaint=complaint),
            "name": selectors.case_names([complaint.case]).get(str(complaint.person_id), ""),
            "adverse": list(
                selectors.adverse_actions_for(actor=actor, person_id=complaint.person_id)
            ),
            "form": ConfirmForm(prefix="ack") if complaint.acknowledged_at is None else None,
            "now": clock.now(),
        },
    )


@requires(Perm.COMPLAINT_VIEW)
@require_POST
def complaint_acknowledge(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_of(request)
    complaint = selectors.complaint_get_for(actor=actor, complaint_id=pk)
    try:
        services.complaint_acknowledge(actor=actor, complaint=complaint)
    except IkazeError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Complaint acknowledged."))
    return redirect("protection:complaint_detail", pk=complaint.pk)


# --- self-service (C2; outside the second-factor gate by design, ADR 0026) -------------

SESSION_KEY = "protection_self_service"
SESSION_TTL = dt.timedelta(minutes=20)


def _self_language(request: HttpRequest) -> str:
    lang = request.GET.get("lang") or request.POST.get("lang") or ""
    if lang in ("en", "fr", "es", "rw"):
        request.session["self_service_lang"] = lang
    return str(request.session.get("self_service_lang") or translation.get_language() or "en")


def _signed_in_code(request: HttpRequest) -> PersonalCode | None:
    data = request.session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        until = dt.datetime.fromisoformat(str(data.get("until")))
    except ValueError:
        return None
    if until < clock.now():
        return None
    return PersonalCode.objects.filter(pk=str(data.get("code")), revoked_at__isnull=True).first()


@public
@require_http_methods(["GET", "POST"])
def self_service(request: HttpRequest) -> HttpResponse:
    """Sign in with a personal code and PIN (phone-first, no account)."""
    lang = _self_language(request)
    with translation.override(lang):
        form = SelfServiceSignInForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    code = services.self_service_sign_in(
                        code=form.cleaned_data["code"],
                        pin=form.cleaned_data["pin"],
                        client=client_address(request),
                    )
                except IkazeError as exc:
                    form.add_error(None, exc.message)
                    status = 403
                else:
                    request.session.cycle_key()
                    request.session[SESSION_KEY] = {
                        "code": str(code.pk),
                        "until": (clock.now() + SESSION_TTL).isoformat(),
                    }
                    request.session["self_service_lang"] = lang
                    return redirect("protection:self_service_complaint")
            else:
                status = 400
        return render(
            request, "protection/self_service.html", {"form": form, "lang": lang}, status=status
        )


@public
@require_http_methods(["GET", "POST"])
def self_service_complaint(request: HttpRequest) -> HttpResponse:
    """Write a complaint to the monitor, in one's language; the receipt names its deadline."""
    lang = _self_language(request)
    code = _signed_in_code(request)
    if code is None:
        return redirect(f"{reverse('protection:self_service')}?lang={lang}")
    with translation.override(lang):
        form = SelfServiceComplaintForm(request.POST or None)
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    complaint = services.self_service_complaint_file(
                        personal_code=code, content=form.cleaned_data["content"], language=lang
                    )
                except IkazeError as exc:
                    add_service_errors(form, exc)
                    status = exc.status
                else:
                    request.session.pop(SESSION_KEY, None)
                    return render(
                        request,
                        "protection/self_service_done.html",
                        {"complaint": complaint, "lang": lang},
                    )
            else:
                status = 400
        return render(
            request,
            "protection/self_service_complaint.html",
            {"form": form, "lang": lang},
            status=status,
        )


# --- the monitor's workspace (C1) ------------------------------------------------------------


@requires(Perm.MONITOR_INBOX_VIEW)
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    agreement_choices = [(str(a.pk), a.code) for a in agreements.agreement_list_for(actor=actor)]
    form = InboxFilterForm(
        request.GET or None, sources=monitor_inbox.source_names(), agreements=agreement_choices
    )
    source = state = agreement = ""
    if form.is_valid():
        source, state, agreement = (
            form.cleaned_data["source"],
            form.cleaned_data["state"],
            form.cleaned_data["agreement"],
        )
    is_open = {"open": True, "closed": False}.get(state)
    items = monitor_inbox.items(source=source, is_open=is_open, agreement_id=agreement)
    size = 50
    pages = max(1, -(-len(items) // size))
    number = max(1, min(page_number(request), pages))
    page = Page(
        items=items[(number - 1) * size : number * size], number=number, size=size, total=len(items)
    )
    base = querystring({"source": source, "state": state, "agreement": agreement})
    return render(
        request,
        "protection/inbox.html",
        {
            "form": form,
            "page": page,
            "items": page.items,
            "now": clock.now(),
            "querystring_base": f"{base}&" if base else "",
        },
        status=200 if form.is_valid() or not request.GET else 400,
    )


@requires(Perm.OBSERVATION_WRITE)
@require_http_methods(["GET", "POST"])
def observations(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = ObservationForm(request.POST or None, initial={"observed_on": clock.today_local()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.observation_write(actor=actor, **form.cleaned_data)
            except IkazeError as exc:
                if exc.status == 403:
                    raise
                add_service_errors(form, exc)
                status = exc.status
            else:
                messages.success(request, _("Observation recorded."))
                return redirect("protection:observations")
        else:
            status = 400
    return render(
        request,
        "protection/observations.html",
        {"form": form, "rows": list(selectors.observation_list_for(actor=actor)[:200])},
        status=status,
    )


@requires(Perm.MONITOR_INBOX_VIEW)
@require_GET
def upcoming(request: HttpRequest) -> HttpResponse:
    """A sample of the upcoming movements to observe: the next ones to leave, proposed or
    locked, with their manifests' size."""
    actor = actor_of(request)
    today = clock.today_local()
    rows = [
        (m, selectors_count)
        for m in movements.movement_list_for(actor=actor).filter(
            departure_date__gte=today, status__in=["proposed", "locked"]
        )[:20]
        for selectors_count in [m.entries.filter(removed_at__isnull=True).count()]
    ]
    return render(request, "protection/upcoming.html", {"rows": rows})


# --- monitor access (C1) -----------------------------------------------------------------------


def _monitor_choices() -> list[tuple[str, str]]:
    return [
        (str(m.user_id), f"{m.user.get_full_name() or m.user.username} ({m.organisation.name})")
        for m in accounts_selectors.monitor_memberships()
    ]


@requires(Perm.MONITOR_ACCESS_REQUEST)
@require_http_methods(["GET", "POST"])
def access_requests(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = AccessRequestForm(request.POST or None, choices=_monitor_choices())
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.monitor_access_request(
                    actor=actor,
                    user=form.cleaned_data["user"],
                    kind=form.cleaned_data["kind"],
                    reason=form.cleaned_data["reason"],
                )
            except IkazeError as exc:
                if exc.status == 403:
                    raise
                add_service_errors(form, exc)
                status = exc.status
            else:
                messages.success(
                    request,
                    _("Request sent to the monitoring body: nothing changes until it confirms."),
                )
                return redirect("protection:access_requests")
        else:
            status = 400
    return render(
        request,
        "protection/access_requests.html",
        {
            "form": form,
            "rows": list(selectors.access_request_scope(actor)[:200]),
            "deciding": False,
        },
        status=status,
    )


@requires(Perm.MONITOR_ACCESS_DECIDE)
@require_GET
def access_review(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    rows = [
        (r, DecideForm(prefix=f"r-{r.pk}") if r.status == "pending" else None)
        for r in selectors.access_request_scope(actor)[:200]
    ]
    return render(
        request, "protection/access_requests.html", {"rows_decide": rows, "deciding": True}
    )


@requires(Perm.MONITOR_ACCESS_DECIDE)
@require_POST
def access_decide(request: HttpRequest, pk: str) -> HttpResponse:
    actor = actor_of(request)
    req = selectors.access_request_get_for(actor=actor, request_id=pk)
    form = DecideForm(request.POST, prefix=f"r-{req.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose an answer and give a reason."))
        return redirect("protection:access_review")
    try:
        services.monitor_access_decide(
            actor=actor,
            request=req,
            confirm=form.cleaned_data["answer"] == "confirm",
            reason=form.cleaned_data["reason"],
        )
    except IkazeError as exc:
        if exc.status == 403:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Answer recorded."))
    return redirect("protection:access_review")
