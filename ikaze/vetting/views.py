"""Referral and vetting pages. Thin: parse, call one service or selector, render.

Referrals: list and detail for both sides, the referral form, status actions. Vetting (issue
4): the queue, the vetting file of a referral (findings, facts, decision, overrides, notices),
the override list for senior officers, and the decision as the sending liaison sees it.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ikaze.accounts.access import Perm, Role
from ikaze.accounts.actor import actor_of
from ikaze.accounts.decorators import requires
from ikaze.agreements.forms import agreement_choices
from ikaze.agreements.selectors import (
    agreement_get_for,
    agreement_in_force_list_for,
    agreement_list_for,
)
from ikaze.audit.permissions import levels_for
from ikaze.core import clock
from ikaze.core.errors import IkazeError, PermissionDenied, ValidationError
from ikaze.core.forms import MessagePlace, add_service_errors
from ikaze.core.pagination import paginate
from ikaze.core.worklist import (
    CSV_ROWS_MAX,
    Column,
    export_allowed,
    export_response,
    page_number,
    sorted_for_export,
    work_list,
)
from ikaze.documents.models import DocumentKind, TargetType
from ikaze.documents.selectors import (
    document_get_for,
    document_list_for,
    document_panel_for,
    documents_of,
)
from ikaze.documents.services import document_prepare
from ikaze.people.selectors import person_documents
from ikaze.vetting import labels, selectors, services
from ikaze.vetting.file_summary import approved_overrides, file_summary
from ikaze.vetting.forms import (
    ERROR_FIELDS,
    FORM_FACT_KINDS,
    AlertResolveForm,
    AnswerForm,
    AskDeclineForm,
    DecideForm,
    FactForm,
    FactKindForm,
    FactRemovalForm,
    JustificationForm,
    NoticeForm,
    OverrideRequestForm,
    QueueFilterForm,
    ReasonForm,
    ReferralFilterForm,
    ReferralForm,
    RemovalAnswerForm,
    ServiceForm,
)
from ikaze.vetting.lateness import recorded_days_late
from ikaze.vetting.legal_events import SERVICE_ONLY_KINDS, EventKind, is_protective, parse_payload
from ikaze.vetting.models import (
    Decision,
    FactRemoval,
    LegalEventRecord,
    Override,
    OverrideAsk,
    Referral,
)
from ikaze.vetting.rules import RULES, RULESET_VERSION
from ikaze.vetting.rules.findings import Finding as RuleFinding

REFERRAL_COLUMNS = (
    Column("person", _lazy("Person"), ("person__first_surname", "person__given_names")),
    Column("born", _lazy("Born"), ("person__date_of_birth",)),
    Column("nationality", _lazy("Nationality")),
    Column("reference", _lazy("Reference"), ("external_reference",)),
    Column("agreement", _lazy("Agreement"), ("agreement__code",)),
    Column("referred_by", _lazy("Referred by"), ("referring_organisation__name",)),
    Column("status", _lazy("Status"), ("status",)),
    Column("since", _lazy("Since"), ("status_changed_at",)),
)


def _referral_filters(request: HttpRequest) -> tuple[ReferralFilterForm, Any]:
    actor = actor_of(request)
    form = ReferralFilterForm(
        request.GET, agreements=[a.code for a in agreement_list_for(actor=actor)]
    )
    if not form.is_valid():
        return form, None
    return form, selectors.referral_list_for(actor=actor, **form.values())


@requires(Perm.REFERRAL_VIEW)
@require_GET
def referral_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form, qs = _referral_filters(request)
    listing = work_list(
        request,
        qs=qs if qs is not None else Referral.objects.none(),
        columns=REFERRAL_COLUMNS,
        default_sort="-since",
        filters=form.params(),
    )
    selectors.referral_list_audited(actor=actor, referrals=listing.page.items)
    return render(
        request,
        "vetting/referral_list.html",
        {
            "form": form,
            "list": listing,
            "page": listing.page,
            "querystring_base": listing.querystring_base,
            "can_create": actor.can(Perm.REFERRAL_CREATE),
        },
        status=200 if qs is not None else 400,
    )


@requires(Perm.REFERRAL_VIEW)
@require_GET
def referral_list_csv(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The referral list as filtered and sorted on the page, as CSV or XLSX."""
    actor = actor_of(request)
    form, qs = _referral_filters(request)
    if qs is None:
        return _refused_filters(request, form)
    if refused := export_allowed(request, what="referrals"):
        return refused
    rows = list(sorted_for_export(request, qs=qs, columns=REFERRAL_COLUMNS, default_sort="-since"))
    selectors.referral_list_audited(actor=actor, referrals=rows)
    return export_response(
        request,
        fmt=fmt,
        filename="referrals",
        header=[
            _("Person"),
            _("Born"),
            _("Nationality"),
            _("Reference"),
            _("Agreement"),
            _("Referred by"),
            _("Status"),
            _("Since"),
        ],
        rows=(
            [
                r.person.full_name,
                r.person.date_of_birth_display,
                " ".join(r.person.nationalities or []),
                r.external_reference,
                r.agreement.code,
                r.referring_organisation.name,
                r.get_status_display(),
                f"{r.status_changed_at:%Y-%m-%d}" if r.status_changed_at else "",
            ]
            for r in rows
        ),
    )


def _refused_filters(request: HttpRequest, form: Any) -> HttpResponse:
    """An export asked with filters the list refuses: the reasons, as plain text."""
    reasons = [str(e) for errors in form.errors.values() for e in errors]
    return HttpResponse(
        "\n".join(reasons) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )


def _thread(actor: Any, referral: Referral) -> list[dict[str, Any]]:
    """The information thread with each message's documents (issue 11 item 4)."""
    thread = selectors.referral_thread_for(actor=actor, referral=referral)
    docs = documents_of(target_type=TargetType.REFERRAL_MESSAGE, target_ids=[m.pk for m in thread])
    return [
        {
            "message": m,
            "documents": docs.get(m.pk, []),
            "corrected": [str(AnswerForm.base_fields[k].label) for k in m.corrected_fields],
        }
        for m in thread
    ]


def _detail_context(
    request: HttpRequest, referral: Referral, answer_form: AnswerForm | None = None
) -> dict[str, Any]:
    actor = actor_of(request)
    own = referral.referring_organisation_id == actor.organisation_id
    status = referral.status
    S = Referral.Status
    can_answer = own and actor.can(Perm.REFERRAL_CREATE) and status == S.INFORMATION_REQUESTED
    here = reverse("vetting:referral_detail", args=[referral.pk])
    return {
        "referral": referral,
        "person": referral.person,
        "documents": person_documents(person=referral.person),
        "history": [
            {**h, "to": _status_label(h["action"], h["after"])}
            for h in selectors.referral_history(referral=referral, levels=levels_for(actor))
        ],
        "missing": [
            (labels.code_label("missing", field), [_(r) for r in reasons])
            for field, reasons in services.referral_missing_data(person=referral.person).items()
        ],
        # A referral whose information was requested is answered on its thread (and
        # submitted again from there), not by a bare Submit.
        "can_submit": own and actor.can(Perm.REFERRAL_CREATE) and status == S.DRAFT,
        "can_withdraw": own
        and actor.can(Perm.REFERRAL_CREATE)
        and status in (S.DRAFT, S.SUBMITTED, S.UNDER_REVIEW, S.INFORMATION_REQUESTED),
        "can_review": actor.can(Perm.REFERRAL_DECIDE) and status == S.SUBMITTED,
        "can_request_information": actor.can(Perm.REFERRAL_DECIDE) and status == S.UNDER_REVIEW,
        "reason_form": ReasonForm(),
        "thread": _thread(actor, referral),
        "answer_form": (answer_form or AnswerForm(person=referral.person)) if can_answer else None,
        "referral_documents": document_panel_for(
            actor=actor,
            target_type=TargetType.REFERRAL,
            target_id=referral.pk,
            next_url=here,
        )
        if actor.can(Perm.DOCUMENT_VIEW)
        else None,
        # The sending liaison follows the decision; the receiving side opens the file.
        "has_decision": Decision.objects.filter(referral=referral).exists(),
        "can_vet": actor.org_kind in selectors.WORKING_FILE,
    }


@requires(Perm.REFERRAL_VIEW)
@require_GET
def referral_detail(request: HttpRequest, referral_id: str) -> HttpResponse:
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    return render(request, "vetting/referral_detail.html", _detail_context(request, referral))


@requires(Perm.REFERRAL_CREATE)
@require_POST
def referral_answer(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    """The liaison's answer to a request for information: text, documents, corrections."""
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    form = AnswerForm(request.POST, request.FILES, person=referral.person)
    if form.is_valid():
        try:
            kind = form.cleaned_data["attachments_kind"] or DocumentKind.CORRESPONDENCE
            # Every file checked before anything is written (a bad file refuses the answer).
            prepared = []
            for upload in form.cleaned_data["attachments"]:
                try:
                    prepared.append(
                        document_prepare(file=upload, name=upload.name or "", kind=kind)
                    )
                except IkazeError as exc:
                    raise type(exc)(
                        f"{upload.name}: {exc.message}",
                        details={"attachments": [f"{upload.name}: {exc.message}"]},
                    ) from exc
            services.referral_information_answer(
                actor=actor,
                referral=referral,
                answer=form.cleaned_data["answer"],
                corrections=form.corrections(),
                attachments=prepared,
                resubmit=form.cleaned_data["resubmit"],
            )
        except PermissionDenied:
            raise
        except IkazeError as exc:
            add_service_errors(form, exc, message="first", label_unknown=True)
        else:
            messages.success(
                request,
                _("Your answer is sent and the referral is submitted again.")
                if form.cleaned_data["resubmit"]
                else _("Your answer is sent."),
            )
            return redirect("vetting:referral_detail", referral_id=referral.pk)
    return render(
        request,
        "vetting/referral_detail.html",
        _detail_context(request, referral, answer_form=form),
        status=400,
    )


def _status_label(action: str, after: Any) -> str:
    """The status a history entry moved to, in the reader's language ("" when none)."""
    status = after.get("status") if isinstance(after, dict) else None
    if not isinstance(status, str):
        return ""
    choices = Override.Status if action.startswith("override.") else Referral.Status
    return str(dict(choices.choices).get(status, status))


@requires(Perm.REFERRAL_CREATE)
@require_http_methods(["GET", "POST"])
def referral_create(request: HttpRequest) -> HttpResponseBase:
    actor = actor_of(request)
    agreements = list(agreement_in_force_list_for(actor=actor))
    form = ReferralForm(request.POST or None, agreements=agreement_choices(agreements))
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
        {"form": form, "has_agreements": bool(agreements)},
        status=status,
    )


def _act(request: HttpRequest, referral_id: str, action: str) -> HttpResponseBase:
    actor = actor_of(request)
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
        # Shown in the page's error summary: the service's sentence, then each reason (never
        # an internal key such as "reason: …").
        if not (isinstance(exc, ValidationError) and exc.details):
            messages.error(request, exc.message)  # a ValidationError's only sums up its reasons
        for reasons in exc.details.values():
            for reason in _as_list(reasons):
                messages.error(request, str(reason))
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


# --- the vetting file (issue 4) ------------------------------------------------------------

FIELD_ALIASES = {"payload.": "p_"}


def _attach(form: forms.Form, exc: IkazeError) -> None:
    """Show a refused service call on the form: field reasons by field, the rest on top."""
    if isinstance(exc, PermissionDenied) and not isinstance(exc, services.SeniorOfficerRequired):
        raise exc
    # The service's sentence first ("A safeguard blocks this acceptance."), then each reason.
    # A reason no field shows goes on top named by its rule ("A8 — Court stay: …") or as it is,
    # never by an internal key ("seconded_by: …", issue 11 item 8).
    shown = copy.copy(exc)
    shown.details = {
        key: [f"{key} — {_(RULES[key].title)}: {r}" for r in _as_list(reasons)]
        if key in RULES
        else reasons
        for key, reasons in exc.details.items()
    }
    # A ValidationError's sentence only sums up its reasons ("field: reason"): reasons only.
    place: MessagePlace = "auto" if isinstance(exc, ValidationError) else "first"
    add_service_errors(form, shown, prefix_aliases=FIELD_ALIASES, message=place)


def _as_list(reasons: Any) -> list[Any]:
    return reasons if isinstance(reasons, list) else [reasons]


def _shown_finding(
    finding: RuleFinding, people: dict[str, str], persons: dict[str, str], agreement: Any
) -> dict[str, Any]:
    rule = RULES[finding.rule_id]
    shown = labels.shown_finding(finding, people=people, persons=persons)
    return {
        "f": finding,
        "title": _(rule.title),
        "text": labels.rule_text(rule.text, settings=rule.settings, agreement=agreement),
        "source": rule.source,
        "message": shown.render_message(),
        "facts": labels.shown_pairs(shown.facts_used),
    }


# --- the queue ----------------------------------------------------------------------------


QUEUE_COLUMNS = (
    Column("person", _lazy("Person"), ("person__first_surname", "person__given_names")),
    Column("reference", _lazy("Reference"), ("external_reference",)),
    Column("nationality", _lazy("Nationality")),
    Column("agreement", _lazy("Agreement"), ("agreement__code",)),
    Column("status", _lazy("Status"), ("status",)),
    Column("blocks", _lazy("Blocking rules"), ("latest_blocked",)),
    Column("submitted", _lazy("Submitted"), ("submitted_at",)),
    Column("waiting", _lazy("Days waiting"), ("-submitted_at",)),
    Column("due", _lazy("Due"), ("due_at",)),
)


def _queue_filters(request: HttpRequest) -> tuple[QueueFilterForm, Any]:
    actor = actor_of(request)
    form = QueueFilterForm(
        request.GET, agreements=[a.code for a in agreement_list_for(actor=actor)]
    )
    if not form.is_valid():
        return form, None
    values = form.values()
    values["deadline"] = values["deadline"] or None
    return form, selectors.referral_queue_for(actor=actor, **values)


def _queue_rows(referrals: list[Referral]) -> list[dict[str, Any]]:
    """Each referral of a page with its blocks, days waiting and due date."""
    blocks = selectors.blocking_rules_for(referrals=referrals)
    today = clock.today_local()
    return [
        {
            "r": r,
            "blocks": [
                {"rule_id": f.rule_id, "title": _(RULES[f.rule_id].title)}
                for f in blocks.get(r.pk, [])
            ],
            "waiting": (today - clock.local_date(r.submitted_at)).days if r.submitted_at else None,
            "due": clock.local_date(r.due_at) if r.due_at else None,  # type: ignore[attr-defined]
        }
        for r in referrals
    ]


@requires(Perm.QUEUE_VIEW)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form, qs = _queue_filters(request)
    listing = work_list(
        request,
        qs=qs if qs is not None else Referral.objects.none(),
        columns=QUEUE_COLUMNS,
        default_sort="submitted",
        filters=form.params(),
    )
    return render(
        request,
        "vetting/vetting/queue.html",
        {
            "form": form,
            "list": listing,
            "page": listing.page,
            "rows": _queue_rows(listing.page.items),
            "querystring_base": listing.querystring_base,
            "rescreen_pending": selectors.rescreen_pending_count(actor=actor),
            "ruleset_version": RULESET_VERSION,
        },
        status=200 if qs is not None else 400,
    )


@requires(Perm.QUEUE_VIEW)
@require_GET
def queue_csv(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The queue as filtered and sorted on the page, as CSV or XLSX."""
    form, qs = _queue_filters(request)
    if qs is None:
        return _refused_filters(request, form)
    if refused := export_allowed(request, what="vetting-queue"):
        return refused
    rows = _queue_rows(
        list(sorted_for_export(request, qs=qs, columns=QUEUE_COLUMNS, default_sort="submitted"))
    )
    return export_response(
        request,
        fmt=fmt,
        filename="vetting-queue",
        header=[
            _("Person"),
            _("Reference"),
            _("Nationality"),
            _("Agreement"),
            _("Status"),
            _("Blocking rules"),
            _("Submitted"),
            _("Days waiting"),
            _("Due"),
        ],
        rows=(
            [
                row["r"].person.full_name,
                row["r"].external_reference,
                " ".join(row["r"].person.nationalities or []),
                row["r"].agreement.code,
                row["r"].get_status_display(),
                " ".join(b["rule_id"] for b in row["blocks"]),
                f"{row['r'].submitted_at:%Y-%m-%d}" if row["r"].submitted_at else "",
                "" if row["waiting"] is None else row["waiting"],
                row["due"].isoformat() if row["due"] else "",
            ]
            for row in rows
        ),
    )


@requires(Perm.REFERRAL_DECIDE)
@require_POST
def rescreen(request: HttpRequest) -> HttpResponseBase:
    """Evaluate again what an older rule set evaluated last (the queue's button)."""
    try:
        summary = services.referrals_rescreen(actor=actor_of(request))
    except IkazeError as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, exc.message)
    else:
        n, alerts = summary["evaluated"], summary["alerts_raised"]
        text = ngettext(
            "%(n)s referral evaluated again with rule set %(version)s.",
            "%(n)s referrals evaluated again with rule set %(version)s.",
            n,
        ) % {"n": n, "version": summary["ruleset_version"]}
        if alerts:
            text += " " + ngettext(
                "A block now stands against %(n)s accepted person: see the alert.",
                "A block now stands against %(n)s accepted people: see the alerts.",
                alerts,
            ) % {"n": alerts}
        messages.success(request, text)
    return redirect("vetting:queue")


# --- the vetting file -----------------------------------------------------------------------


def _file_context(request: HttpRequest, referral: Referral, **forms_: Any) -> dict[str, Any]:
    actor = actor_of(request)
    ev = selectors.latest_evaluation_for(actor=actor, referral=referral)
    ordered = list(ev.ordered_findings) if ev is not None else []  # type: ignore[attr-defined]
    legal_facts = list(selectors.legal_facts_for(actor=actor, referral=referral))
    people = selectors.officer_names(usernames=[x.facts_used.get("officer") for x in ordered])
    persons = selectors.person_names(
        ids=labels.person_refs(*(x.facts_used for x in ordered), *(e.payload for e in legal_facts))
    )
    overrides = selectors.overrides_for(actor=actor, referral=referral)
    approved = approved_overrides(overrides)
    findings = [
        {
            **_shown_finding(f, people, persons, referral.agreement),
            # An approved override of a block: the rule reads "Overridden", with its approvals.
            "override": approved.get(f.rule_id) if f.outcome == "block" else None,
        }
        for f in ordered
    ]
    kind = _fact_kind(forms_.get("fact_kind") or request.GET.get("kind", ""))
    decisions = list(selectors.decisions_for(actor=actor, referral=referral))
    notices = _with_service_forms(
        selectors.notices_for(actor=actor, referral=referral), forms_.get("service_form")
    )
    alerts = _with_alert_forms(
        selectors.alert_list_for(actor=actor, open_only=False).filter(referral=referral),
        forms_.get("alert_form"),
    )
    removals = selectors.fact_removals_for(actor=actor, referral=referral)
    # Issue 11 item 6: a vetting officer asks a senior officer for an override; a senior officer
    # takes an open ask up from here (`?ask=<id>` fills in the request form's rule).
    asks = selectors.override_asks_for(actor=actor, referral=referral)
    can_ask = (
        actor.can(Perm.OVERRIDE_REQUEST)
        and not actor.has_role(Role.SENIOR_OFFICER)
        and referral.status in services.DECIDABLE
    )
    prefill = next(
        (
            a
            for a in asks
            if str(a.pk) == request.GET.get("ask", "") and a.status == OverrideAsk.Status.OPEN
        ),
        None,
    )
    pending_targets = {r.target_id for r in removals if r.status == FactRemoval.Status.REQUESTED}
    superseded = {e.supersedes_id for e in legal_facts if e.supersedes_id}
    here = reverse("vetting:vetting_file", args=[referral.pk])
    fact_docs = documents_of(
        target_type=TargetType.LEGAL_EVENT, target_ids=[e.pk for e in legal_facts]
    )
    ctx: dict[str, Any] = {
        "referral": referral,
        "person": referral.person,
        "evaluation": ev,
        "findings": findings,
        "facts": [
            {
                "event": e,
                "kind": labels.fact_kind_label(e.kind),
                "corrects": labels.fact_kind_label(e.supersedes.kind) if e.supersedes else "",
                "payload": labels.shown_pairs(e.payload, persons=persons),
                # SAFEGUARDS F2: recorded long after it took effect (the monitor was told).
                "late_days": recorded_days_late(
                    effective_at=e.effective_at, recorded_at=e.recorded_at
                ),
                "removed": e.pk in superseded,
                "removal_pending": e.pk in pending_targets,
                "documents": document_panel_for(
                    actor=actor,
                    target_type=TargetType.LEGAL_EVENT,
                    target_id=e.pk,
                    next_url=here,
                    documents=fact_docs.get(e.pk, []),
                ),
            }
            for e in legal_facts
        ],
        "removals": [
            {
                "removal": r,
                "summary": services.removal_summary(r)
                if r.status == FactRemoval.Status.APPROVED
                else "",
                "fact": labels.fact_kind_label(r.target.kind),
                "answer_form": (
                    forms_["answer_form"]
                    if forms_.get("answer_form") is not None
                    and forms_["answer_form"].removal_id == r.pk
                    else RemovalAnswerForm(removal_id=r.pk)
                ),
            }
            for r in removals
        ],
        "removal_form": forms_.get("removal_form")
        or FactRemovalForm(facts=_removable(legal_facts, superseded | pending_targets)),
        "can_second_removal": actor.can(Perm.OVERRIDE_APPROVE),
        "decisions": decisions,
        "overrides": overrides,
        "notices": _with_documents(notices, actor=actor, next_url=here),
        "issued_notice": next(
            (n for n in notices if str(n.pk) == request.GET.get("issued", "")), None
        ),
        "alerts": alerts,
        "can_resolve": actor.can(Perm.REFERRAL_DECIDE),
        "kind_form": FactKindForm(initial={"kind": kind}),
        "fact_form": forms_.get("fact_form")
        or FactForm(kind=kind, source_files=_source_files(actor, referral)),
        "file_documents": document_panel_for(
            actor=actor,
            target_type=TargetType.REFERRAL,
            target_id=referral.pk,
            next_url=here,
        ),
        "person_documents": document_list_for(
            actor=actor, target_type=TargetType.PERSON, target_id=referral.person_id
        ),
        "thread": _thread(actor, referral),
        "decide_form": forms_.get("decide_form") or DecideForm(),
        "override_form": forms_.get("override_form")
        or OverrideRequestForm(
            rules=selectors.override_candidates_for(actor=actor, referral=referral)
            if actor.can(Perm.OVERRIDE_APPROVE) and referral.status in services.DECIDABLE
            else [],
            initial={"rule_id": prefill.rule_id} if prefill is not None else None,
        ),
        "asks": asks,
        "prefill_ask": prefill,
        "can_ask": can_ask,
        "ask_form": forms_.get("ask_form")
        or OverrideRequestForm(
            rules=_askable(actor, referral, asks) if can_ask else [], auto_id="id_ask_%s"
        ),
        "notice_form": forms_.get("notice_form") or NoticeForm(),
        "can_record": actor.can(Perm.FACT_RECORD),
        "can_decide": actor.can(Perm.REFERRAL_DECIDE) and referral.status in services.DECIDABLE,
        "can_override": actor.can(Perm.OVERRIDE_APPROVE) and referral.status in services.DECIDABLE,
        "can_notice": actor.can(Perm.NOTICE_ISSUE),
    }
    decidable = referral.status in services.DECIDABLE
    ctx["summary"] = file_summary(
        referral=referral,
        findings=findings,
        overrides=overrides,
        decisions=decisions,
        notices=notices,
        alerts=alerts,
        missing=[
            (labels.code_label("missing", name), [_(r) for r in reasons])
            for name, reasons in services.referral_missing_data(person=referral.person).items()
        ]
        if decidable
        else [],
        decidable=decidable,
        can={
            "resolve": ctx["can_resolve"],
            "record": ctx["can_record"],
            "decide": ctx["can_decide"],
            "override": ctx["can_override"],
            "notice": ctx["can_notice"],
        },
        user_id=actor.user.pk if actor.user else None,
    )
    # The panel a refused form belongs to opens, so its errors are in sight.
    ctx["open_panel"] = next((key for key in _PANELS if forms_.get(key) is not None), "") or (
        "override_form" if prefill is not None else ""
    )
    return ctx


def _askable(actor: Any, referral: Referral, asks: list[OverrideAsk]) -> list[str]:
    """The rules a vetting officer may ask an override of: those blocking now, overridable,
    with no live override request and no open ask."""
    open_asks = {a.rule_id for a in asks if a.status == OverrideAsk.Status.OPEN}
    return [
        r
        for r in selectors.override_candidates_for(actor=actor, referral=referral)
        if r not in open_asks
    ]


def _source_files(actor: Any, referral: Referral) -> list[tuple[str, str]]:
    """The documents of the person and of the referral, as choices for a fact's source."""
    docs = [
        *document_list_for(
            actor=actor, target_type=TargetType.PERSON, target_id=referral.person_id
        ),
        *document_list_for(actor=actor, target_type=TargetType.REFERRAL, target_id=referral.pk),
    ]
    return [(str(d.pk), f"{d.original_name} ({d.get_kind_display()})") for d in docs]


def _with_documents(notices: list[Any], *, actor: Any, next_url: str) -> list[Any]:
    """Each notice with its documents (signed receipts, proof of service) and upload form."""
    docs = documents_of(target_type=TargetType.NOTICE, target_ids=[n.pk for n in notices])
    for n in notices:
        n.documents_panel = document_panel_for(
            actor=actor,
            target_type=TargetType.NOTICE,
            target_id=n.pk,
            next_url=next_url,
            documents=docs.get(n.pk, []),
        )
    return notices


_PANELS = (
    "fact_form",
    "decide_form",
    "override_form",
    "ask_form",
    "notice_form",
    "service_form",
    "alert_form",
    "removal_form",
    "answer_form",
)


def _fact_kind(kind: str) -> str:
    return kind if kind in FORM_FACT_KINDS else EventKind.LEGAL_ADVICE_GIVEN.value


def _removable(facts: list[LegalEventRecord], taken: set[Any]) -> list[tuple[str, str]]:
    """The protective facts still standing, as choices for a removal request (SAFEGUARDS F1)."""
    return [
        (
            str(e.pk),
            f"{labels.fact_kind_label(e.kind)} — {e.effective_at:%Y-%m-%d} ({e.source_document})",
        )
        for e in facts
        if e.pk not in taken and is_protective(e.kind, parse_payload(e.kind, e.payload))
    ]


@requires(Perm.REFERRAL_VIEW)
@require_GET
def vetting_file(request: HttpRequest, referral_id: str) -> HttpResponse:
    actor = actor_of(request)
    referral = selectors.referral_vetting_get_for(actor=actor, referral_id=referral_id)
    if request.headers.get("HX-Request") and "fact_fields" in request.GET:
        # The fact form's picker changed: only the fields of the chosen kind (htmx swaps them).
        kind = _fact_kind(request.GET.get("kind", ""))
        return render(
            request, "vetting/vetting/_fact_fields.html", {"fact_form": FactForm(kind=kind)}
        )
    return render(request, "vetting/vetting/file.html", _file_context(request, referral))


def _with_service_forms(notices: list[Any], refused: ServiceForm | None) -> list[Any]:
    """Each notice not yet served carries its proof-of-service form; a refused one stays with
    the notice it was for, with its errors."""
    for n in notices:
        if not n.served_on_person_at:
            n.service_form = (
                refused
                if refused is not None and refused.notice_id == n.pk
                else ServiceForm(notice_id=n.pk)
            )
    return notices


def _file_with_errors(request: HttpRequest, referral: Referral, **forms_: Any) -> HttpResponse:
    return render(
        request, "vetting/vetting/file.html", _file_context(request, referral, **forms_), status=400
    )


@requires(Perm.FACT_RECORD)
@require_POST
def fact_record(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    referral = selectors.referral_vetting_get_for(actor=actor, referral_id=referral_id)
    kind = request.POST.get("kind", "")
    if kind not in FORM_FACT_KINDS:
        return _file_with_errors(
            request,
            referral,
            fact_form=_refused_fact_form(
                EventKind.LEGAL_ADVICE_GIVEN.value,
                request.POST,
                _("A served notice is recorded only as proof of service of an issued notice.")
                if kind in SERVICE_ONLY_KINDS
                else _("Choose a kind of fact."),
            ),
        )
    form = FactForm(request.POST, kind=kind, source_files=_source_files(actor, referral))
    if form.is_valid():
        try:
            chosen = form.cleaned_data.get("source_file")
            services.legal_fact_record(
                actor=actor,
                referral=referral,
                kind=kind,
                payload=form.payload(),
                effective_at=form.cleaned_data["effective_at"],
                source_document=form.cleaned_data["source_document"],
                source_file=document_get_for(actor=actor, document_id=chosen) if chosen else None,
            )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The fact is recorded and the rules ran again."))
            return redirect("vetting:vetting_file", referral.pk)
    elif "fields_kind" in form.errors:
        # The picker changed without the fields following (no JS): show the chosen kind's
        # fields, keeping what is common, and record nothing.
        form = _refused_fact_form(kind, request.POST, str(form.errors["fields_kind"][0]))
    return _file_with_errors(request, referral, fact_form=form, fact_kind=kind)


def _refused_fact_form(kind: str, data: Any, error: str) -> FactForm:
    """A fresh fact form of `kind` (common fields kept from `data`) that says why."""
    form = FactForm(
        kind=kind,
        initial={k: data.get(k, "") for k in ("effective_at", "source_document")},
    )
    form.cleaned_data = {}  # an unbound form: add_error needs it
    form.add_error(None, error)
    return form


@requires(Perm.REFERRAL_DECIDE)
@require_POST
def decide(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    referral = selectors.referral_vetting_get_for(actor=actor, referral_id=referral_id)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["outcome"] == "accept":
                services.referral_accept(
                    actor=actor, referral=referral, reason=form.cleaned_data["reason"]
                )
            else:
                services.referral_refuse(
                    actor=actor,
                    referral=referral,
                    reason_codes=form.cleaned_data["reason_codes"],
                    reason=form.cleaned_data["reason"],
                )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The decision is recorded."))
            return redirect("vetting:vetting_file", referral.pk)
    return _file_with_errors(request, referral, decide_form=form)


@requires(Perm.OVERRIDE_REQUEST)
@require_POST
def override_request(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    referral = selectors.referral_vetting_get_for(actor=actor, referral_id=referral_id)
    form = OverrideRequestForm(
        request.POST, rules=selectors.override_candidates_for(actor=actor, referral=referral)
    )
    if form.is_valid():
        try:
            services.override_request(
                actor=actor,
                referral=referral,
                rule_id=form.cleaned_data["rule_id"],
                justification=form.cleaned_data["justification"],
            )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request, _("The override is requested; a second senior officer must agree.")
            )
            return redirect("vetting:vetting_file", referral.pk)
    return _file_with_errors(request, referral, override_form=form)


@requires(Perm.OVERRIDE_REQUEST)
@require_POST
def override_ask(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    """A vetting officer asks a senior officer for an override (issue 11 item 6)."""
    actor = actor_of(request)
    referral = selectors.referral_vetting_get_for(actor=actor, referral_id=referral_id)
    asks = selectors.override_asks_for(actor=actor, referral=referral)
    form = OverrideRequestForm(
        request.POST, rules=_askable(actor, referral, asks), auto_id="id_ask_%s"
    )
    if form.is_valid():
        try:
            services.override_ask(
                actor=actor,
                referral=referral,
                rule_id=form.cleaned_data["rule_id"],
                justification=form.cleaned_data["justification"],
            )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("A senior officer is asked for the override."))
            return redirect("vetting:vetting_file", referral.pk)
    return _file_with_errors(request, referral, ask_form=form)


@requires(Perm.NOTICE_ISSUE)
@require_POST
def notice_issue(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    referral = selectors.referral_vetting_get_for(actor=actor, referral_id=referral_id)
    form = NoticeForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            notice = services.notice_issue(
                actor=actor,
                referral=referral,
                kind=d["kind"],
                reason_translation=d["reason_translation"],
                interpreter_name=d["interpreter_name"],
                interpreter_language=d["interpreter_language"],
            )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            # The file opens on a success panel with the PDF at the top (issue 11 item 14).
            url = reverse("vetting:vetting_file", args=[referral.pk])
            return redirect(f"{url}?issued={notice.pk}")
    return _file_with_errors(request, referral, notice_form=form)


@requires(Perm.REFERRAL_VIEW)
@require_GET
def notice_pdf(request: HttpRequest, notice_id: str) -> HttpResponse:
    actor = actor_of(request)
    notice = selectors.notice_get_for(actor=actor, notice_id=notice_id)
    response = HttpResponse(bytes(notice.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{notice.notice_ref}.pdf"'
    return response


@requires(Perm.NOTICE_ISSUE)
@require_POST
def notice_service(request: HttpRequest, notice_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    notice = selectors.notice_get_for(actor=actor, notice_id=notice_id)
    form = ServiceForm(request.POST, notice_id=notice.pk)
    if form.is_valid():
        try:
            services.notice_record_service(
                actor=actor,
                notice=notice,
                served_on_person_at=form.cleaned_data["served_on_person_at"],
                proof_reference=form.cleaned_data["proof_reference"],
                served_on_counsel_at=form.cleaned_data["served_on_counsel_at"],
                counsel_name=form.cleaned_data["counsel_name"],
                translation_recorded=form.cleaned_data["translation_recorded"],
                interpreter_language=form.cleaned_data["interpreter_language"],
            )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The proof of service is recorded."))
            return redirect("vetting:vetting_file", notice.referral_id)
    return _file_with_errors(request, notice.referral, service_form=form)


@requires(Perm.NOTICE_ISSUE)
@require_POST
def notice_confirm_service(request: HttpRequest, notice_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    notice = selectors.notice_get_for(actor=actor, notice_id=notice_id)
    try:
        services.notice_confirm_service(
            actor=actor, notice=notice, justification=request.POST.get("justification", "")
        )
    except IkazeError as exc:
        if isinstance(exc, PermissionDenied) and not isinstance(
            exc, services.SeniorOfficerRequired
        ):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The late service is confirmed: it counts for the notice."))
    return redirect("vetting:vetting_file", notice.referral_id)


# --- removing a protective fact (SAFEGUARDS F1) ---------------------------------------------


@requires(Perm.FACT_RECORD)
@require_POST
def fact_removal_request(request: HttpRequest, referral_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    referral = selectors.referral_vetting_get_for(actor=actor, referral_id=referral_id)
    facts = selectors.legal_facts_for(actor=actor, referral=referral)
    form = FactRemovalForm(request.POST, facts=_removable(facts, set()))
    if form.is_valid():
        try:
            services.fact_removal_request(
                actor=actor,
                referral=referral,
                target=selectors.fact_get_for(actor=actor, fact_id=form.cleaned_data["fact"]),
                justification=form.cleaned_data["justification"],
                source_document=form.cleaned_data["source_document"],
            )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request,
                _("The removal is requested: the fact stands until a senior officer seconds it."),
            )
            return redirect("vetting:vetting_file", referral.pk)
    return _file_with_errors(request, referral, removal_form=form)


@requires(Perm.OVERRIDE_APPROVE)
@require_POST
def fact_removal_answer(request: HttpRequest, fact_removal_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    removal = selectors.fact_removal_get_for(actor=actor, fact_removal_id=fact_removal_id)
    form = RemovalAnswerForm(request.POST, removal_id=removal.pk)
    decline = request.POST.get("action") == "decline"
    if form.is_valid():
        try:
            if decline:
                services.fact_removal_decline(
                    actor=actor,
                    fact_removal=removal,
                    justification=form.cleaned_data["justification"],
                )
            else:
                services.fact_removal_second(
                    actor=actor,
                    fact_removal=removal,
                    justification=form.cleaned_data["justification"],
                    source_document=form.cleaned_data["source_document"],
                )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Your answer is recorded."))
            return redirect("vetting:vetting_file", removal.referral_id)
    return _file_with_errors(request, removal.referral, answer_form=form)


def _with_alert_forms(alerts: Any, refused: AlertResolveForm | None) -> list[Any]:
    """Each open alert carries its form to close it; a refused one keeps its errors (which
    name the rules still blocking, SAFEGUARDS F5)."""
    out = list(alerts)
    for a in out:
        if a.resolved_at is None:
            a.resolve_form = (
                refused
                if refused is not None and refused.alert_id == a.pk
                else AlertResolveForm(alert_id=a.pk)
            )
    return out


ALERT_FILTERS = (
    ("open", gettext_lazy("Open")),
    ("resolved", gettext_lazy("Resolved")),
    ("all", gettext_lazy("All")),
)


def _alert_list_context(
    request: HttpRequest, refused: AlertResolveForm | None = None
) -> dict[str, Any]:
    actor = actor_of(request)
    source = request.POST if request.method == "POST" else request.GET
    state = source.get("state", "open")
    if state not in dict(ALERT_FILTERS):
        state = "open"
    agreement = source.get("agreement", "").strip()
    qs = selectors.alert_list_for(
        actor=actor,
        open_only=state == "open",
        resolved_only=state == "resolved",
        agreement=agreement,
    )
    page = paginate(qs, page=page_number(request), size=50)
    alerts = _with_alert_forms(page.items, refused)
    for a in alerts:
        a.rules = [f"{r} — {_(RULES[r].title)}" if r in RULES else r for r in a.rule_ids]
    query = f"state={state}" + (f"&agreement={agreement}" if agreement else "")
    more = f"&agreement={agreement}" if agreement else ""
    return {
        "page": page,
        "alerts": alerts,
        "state": state,
        "agreement": agreement,
        "filters": [(key, label, f"?state={key}{more}") for key, label in ALERT_FILTERS],
        "agreements": agreement_list_for(actor=actor),
        "querystring_base": query + "&",
        "can_resolve": actor.can(Perm.REFERRAL_DECIDE),
    }


@requires(Perm.REFERRAL_DECIDE)
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    """Alerts on accepted people (SAFEGUARDS F5), to read and close (issue 11 item 5)."""
    return render(request, "vetting/vetting/alert_list.html", _alert_list_context(request))


@requires(Perm.REFERRAL_DECIDE)
@require_GET
def alert_list_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The alerts the page's filters keep (bounded), as CSV or XLSX."""
    actor = actor_of(request)
    state = request.GET.get("state", "open")
    if state not in dict(ALERT_FILTERS):
        state = "open"
    qs = selectors.alert_list_for(
        actor=actor,
        open_only=state == "open",
        resolved_only=state == "resolved",
        agreement=request.GET.get("agreement", "").strip(),
    )
    return export_response(
        request,
        fmt=fmt,
        filename="alerts",
        header=[
            _("Person"),
            _("Agreement"),
            _("Raised"),
            _("Rules"),
            _("Reason"),
            _("Closed"),
            _("Resolution"),
        ],
        rows=(
            [
                a.referral.person.full_name,
                a.referral.agreement.code,
                f"{a.raised_at:%Y-%m-%d %H:%M}",
                " ".join(a.rule_ids),
                a.reason,
                f"{a.resolved_at:%Y-%m-%d}" if a.resolved_at else "",
                a.resolution,
            ]
            for a in qs[:CSV_ROWS_MAX]
        ),
    )


@requires(Perm.REFERRAL_DECIDE)
@require_POST
def alert_resolve(request: HttpRequest, alert_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    alert = selectors.alert_get_for(actor=actor, alert_id=alert_id)
    referral = selectors.referral_vetting_get_for(actor=actor, referral_id=alert.referral_id)
    form = AlertResolveForm(request.POST, alert_id=alert.pk)
    from_list = request.POST.get("return_to") == "list"
    if form.is_valid():
        try:
            services.alert_resolve(
                actor=actor, alert=alert, resolution=form.cleaned_data["resolution"]
            )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The alert is closed."))
            if from_list:
                return redirect("vetting:alert_list")
            return redirect("vetting:vetting_file", referral.pk)
    if from_list:
        return render(
            request,
            "vetting/vetting/alert_list.html",
            _alert_list_context(request, refused=form),
            status=400,
        )
    return _file_with_errors(request, referral, alert_form=form)


# --- overrides (senior officers) ------------------------------------------------------------


OVERRIDE_FILTERS = (
    ("requested", gettext_lazy("Waiting")),
    ("approved", gettext_lazy("Approved")),
    ("declined", gettext_lazy("Declined")),
    ("closed", gettext_lazy("Closed unanswered")),
)


def _override_list_page(
    request: HttpRequest,
    status: str,
    refused: JustificationForm | AskDeclineForm | None = None,
    failed: Any = None,
) -> dict[str, Any]:
    actor = actor_of(request)
    can_answer = actor.can(Perm.OVERRIDE_APPROVE)
    # Issue 11 item 6: what the vetting officers asked for, each with its decline form.
    asks: list[Any] = list(selectors.override_ask_list_for(actor=actor)) if can_answer else []
    for a in asks:
        a.rule_title = _(RULES[a.rule_id].title) if a.rule_id in RULES else ""
        a.decline_form = (
            refused
            if isinstance(refused, AskDeclineForm) and failed == a.pk
            else AskDeclineForm(auto_id=f"id_a_{str(a.pk)[:8]}_%s")
        )
    if status not in dict(OVERRIDE_FILTERS):
        status = "requested"
    page = paginate(
        selectors.override_list_for(actor=actor, status=status), page=page_number(request)
    )
    me = actor.user.pk if actor.user else None
    for o in page.items:
        o.rule_title = _(RULES[o.rule_id].title) if o.rule_id in RULES else ""
        # Four eyes: one's own request waits for another senior officer, with no buttons.
        o.own = o.requested_by_id == me
        o.answer_form = (
            refused
            if isinstance(refused, JustificationForm) and failed == o.pk
            else JustificationForm(auto_id=f"id_o_{str(o.pk)[:8]}_%s")
        )
    return {
        "page": page,
        "status": status,
        "filters": OVERRIDE_FILTERS,
        "querystring_base": f"status={status}&",
        # The monitor reads the list (SAFEGUARDS C1) but answers nothing.
        "can_answer": can_answer,
        "asks": asks,
    }


@requires(Perm.OVERRIDE_VIEW)
@require_http_methods(["GET"])
def override_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "requested")
    return render(
        request, "vetting/vetting/override_list.html", _override_list_page(request, status)
    )


@requires(Perm.MONITOR_NOTICE_VIEW)
@require_GET
def monitor_notice_list(request: HttpRequest) -> HttpResponse:
    """What the monitor was told: overrides approved, alerts raised, facts removed or late."""
    actor = actor_of(request)
    page = paginate(selectors.monitor_notice_list_for(actor=actor), page=page_number(request))
    return render(
        request,
        "vetting/vetting/monitor_notice_list.html",
        {"page": page, "querystring_base": ""},
    )


@requires(Perm.OVERRIDE_VIEW)
@require_GET
def override_list_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The overrides of the status the page shows, as CSV or XLSX."""
    actor = actor_of(request)
    status = request.GET.get("status", "requested")
    if status not in dict(OVERRIDE_FILTERS):
        status = "requested"
    overrides = selectors.override_list_for(actor=actor, status=status)[:CSV_ROWS_MAX]
    return export_response(
        request,
        fmt=fmt,
        filename="overrides",
        header=[
            _("Person"),
            _("Rule"),
            _("Requested by"),
            _("Requested"),
            _("Justification"),
            _("Status"),
            _("Second officer"),
            _("Answer"),
        ],
        rows=(
            [
                o.referral.person.full_name,
                o.rule_id,
                o.requested_by_name,
                f"{o.requested_at:%Y-%m-%d}",
                o.request_justification,
                o.get_status_display(),
                o.seconded_by_name,
                o.second_justification,
            ]
            for o in overrides
        ),
    )


@requires(Perm.MONITOR_NOTICE_VIEW)
@require_GET
def monitor_notice_list_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """What the monitor was told, as CSV or XLSX."""
    actor = actor_of(request)
    notices = selectors.monitor_notice_list_for(actor=actor)[:CSV_ROWS_MAX]
    return export_response(
        request,
        fmt=fmt,
        filename="monitor-notices",
        header=[_("When"), _("What"), _("Rule"), _("Person"), _("Details")],
        rows=(
            [
                f"{n.created_at:%Y-%m-%d %H:%M}",
                n.get_kind_display(),
                n.override.rule_id if n.override is not None else "",
                n.referral.person.full_name,
                n.message,
            ]
            for n in notices
        ),
    )


@requires(Perm.OVERRIDE_APPROVE)
@require_POST
def override_second(request: HttpRequest, override_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    override = selectors.override_get_for(actor=actor, override_id=override_id)
    form = JustificationForm(request.POST, auto_id=f"id_o_{str(override.pk)[:8]}_%s")
    decline = request.POST.get("action") == "decline"
    if form.is_valid():
        try:
            if decline:
                services.override_decline(
                    actor=actor, override=override, justification=form.cleaned_data["justification"]
                )
            else:
                services.override_second(
                    actor=actor, override=override, justification=form.cleaned_data["justification"]
                )
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Your answer is recorded."))
            return redirect("vetting:override_list")
    ctx = _override_list_page(request, "requested", refused=form, failed=override.pk)
    if not any(o.pk == override.pk and not o.own for o in ctx["page"].items):
        # Its form is not on the page (one's own request, or answered meanwhile): the refusal
        # shows in the page's error summary all the same.
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    return render(request, "vetting/vetting/override_list.html", ctx, status=400)


@requires(Perm.OVERRIDE_APPROVE)
@require_POST
def override_ask_decline(request: HttpRequest, override_ask_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    ask = selectors.override_ask_get_for(actor=actor, ask_id=override_ask_id)
    form = AskDeclineForm(request.POST, auto_id=f"id_a_{str(ask.pk)[:8]}_%s")
    if form.is_valid():
        try:
            services.override_ask_decline(actor=actor, ask=ask, note=form.cleaned_data["note"])
        except IkazeError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("The ask is declined; the vetting officer can read why."))
            return redirect("vetting:override_list")
    ctx = _override_list_page(request, "requested", refused=form, failed=ask.pk)
    if not any(a.pk == ask.pk for a in ctx["asks"]):
        # Answered meanwhile: its form is not on the page; the refusal reads on top.
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    return render(request, "vetting/vetting/override_list.html", ctx, status=400)


# --- the sending liaison's view of the decision ---------------------------------------------


@requires(Perm.REFERRAL_VIEW)
@require_GET
def referral_decision(request: HttpRequest, referral_id: str) -> HttpResponse:
    actor = actor_of(request)
    referral = selectors.referral_get_for(actor=actor, referral_id=referral_id)
    return render(
        request,
        "vetting/vetting/decision.html",
        {
            "referral": referral,
            "decisions": selectors.decisions_for(actor=actor, referral=referral),
        },
    )
