"""Registry pages: people, the online "already known?" check, and the adjudication queue."""

from __future__ import annotations

import unicodedata

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_of
from ikaze.accounts.decorators import requires
from ikaze.accounts.guards import require
from ikaze.core.errors import IkazeError, PermissionDenied
from ikaze.core.names import country_name, country_names
from ikaze.core.pagination import paginate
from ikaze.core.worklist import CSV_ROWS_MAX, export_response
from ikaze.documents.models import TargetType
from ikaze.documents.selectors import document_panel_for
from ikaze.people import selectors, services
from ikaze.people.forms import DecideForm
from ikaze.people.models import MatchCandidate, Person


def _page_number(request: HttpRequest) -> int:
    try:
        return int(request.GET.get("page", "1"))
    except ValueError:
        return 1


@requires(Perm.PERSON_VIEW)
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    q = request.GET.get("q", "").strip()
    page = paginate(selectors.person_list_for(actor=actor, q=q), page=_page_number(request))
    selectors.person_list_audited(actor=actor, people=page.items)
    return render(
        request,
        "people/person_list.html",
        {"page": page, "q": q, "querystring_base": f"q={q}&" if q else ""},
    )


def _person_context(actor: object, person: Person) -> dict[str, object]:
    return {
        "person": person,
        "documents": selectors.person_documents(person=person),
        "cluster": selectors.person_cluster(actor=actor, person=person),  # type: ignore[arg-type]
        "households": selectors.household_members_for(actor=actor, person=person),  # type: ignore[arg-type]
        "referrals": selectors.person_referrals_for(actor=actor, person=person),  # type: ignore[arg-type]
    }


@requires(Perm.PERSON_VIEW)
@require_GET
def person_detail(request: HttpRequest, person_id: str) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.person_get_for(actor=actor, person_id=person_id)
    context = _person_context(actor, person)
    # Sensitive data only on request, so that each look is a deliberate, audited read.
    if request.GET.get("sensitive") == "1" and actor.can(Perm.SENSITIVE_VIEW):
        context["sensitive"] = selectors.sensitive_data_for(
            actor=actor, person=person, purpose="person page"
        )
        context["sensitive_shown"] = True
    context["can_see_sensitive"] = actor.can(Perm.SENSITIVE_VIEW)
    if actor.can(Perm.DOCUMENT_VIEW):
        # Issue 11 item 3: uploaded documents (birth certificates, assessments, ...).
        context["uploaded"] = document_panel_for(
            actor=actor,
            target_type=TargetType.PERSON,
            target_id=person.pk,
            next_url=reverse("people:person_detail", args=[person.pk]),
        )
    return render(request, "people/person_detail.html", context)


@requires(Perm.PERSON_VIEW)
@require_GET
def match_check(request: HttpRequest) -> HttpResponse:
    """The "already known?" partial of the referral form (htmx)."""
    actor = actor_of(request)
    record = {
        k: (request.GET.get(k, "").strip() or None)
        for k in (
            "given_names",
            "first_surname",
            "second_surname",
            "sex",
            "date_of_birth",
            "document_number",
        )
    }
    nationality = request.GET.get("nationality") or request.GET.get("nationalities", "")
    record["nationality"] = (
        nationality.replace(";", " ").split()[0].upper() if nationality.strip() else None
    )
    dob = record["date_of_birth"] or ""
    if len(dob) != 10:
        record["date_of_birth"] = None
    record["full_name"] = (
        " ".join(
            v
            for v in (record["given_names"], record["first_surname"], record["second_surname"])
            if v
        )
        or None
    )
    hits = selectors.person_match_for(actor=actor, record=record)
    return render(request, "people/_match_hits.html", {"hits": hits, "asked": any(record.values())})


@requires(Perm.MATCH_VIEW)
@require_GET
def match_queue(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    status = request.GET.get("status", "open")
    if status not in MatchCandidate.Status.values:
        status = "open"
    qs = selectors.match_candidate_list_for(actor=actor, status=status)
    page = paginate(qs, page=_page_number(request))
    found_by = selectors.match_sources_named(candidates=page.items)
    for c in page.items:
        c.found_by = found_by[str(c.pk)]
    return render(
        request,
        "people/match_queue.html",
        {
            "page": page,
            "status": status,
            "statuses": MatchCandidate.Status.choices,
            "querystring_base": f"status={status}&",
            "can_decide": actor.can(Perm.MATCH_ADJUDICATE),
        },
    )


@requires(Perm.MATCH_VIEW)
@require_http_methods(["GET", "POST"])
def match_detail(request: HttpRequest, matchcandidate_id: str) -> HttpResponseBase:
    actor = actor_of(request)
    if request.method == "POST":
        # The monitor reads the pair; deciding it is the officers' (no form is shown to others).
        require(actor, Perm.MATCH_ADJUDICATE, target_type="match_candidate")
    candidate = selectors.match_candidate_get_for(actor=actor, candidate_id=matchcandidate_id)
    form = DecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.match_candidate_decide(
                actor=actor,
                candidate=candidate,
                outcome=form.cleaned_data["outcome"],
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied:
            raise
        except IkazeError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("people:match_queue")
    a, b = candidate.person_a, candidate.person_b
    rows = _side_by_side(a, b)
    explanation = selectors.match_candidate_explanation_for(actor=actor, candidate=candidate)
    return render(
        request,
        "people/match_detail.html",
        {
            "candidate": candidate,
            "found_by": selectors.match_sources_named(candidates=[candidate])[str(candidate.pk)],
            "a": a,
            "b": b,
            "rows": rows,
            "explanation": explanation,
            "form": form,
            "can_decide": actor.can(Perm.MATCH_ADJUDICATE),
            "decisions": candidate.decisions.select_related("decided_by"),
        },
        status=400 if request.method == "POST" else 200,
    )


def _side_by_side(a: Person, b: Person) -> list[dict[str, object]]:
    def docs(p: Person) -> str:
        return "; ".join(
            f"{d.get_kind_display()} {country_name(d.issuing_state)} {d.number}"
            for d in p.documents.all()
        )

    fields = [
        (_("Given names"), a.given_names, b.given_names),
        (_("First surname"), a.first_surname, b.first_surname),
        (_("Second surname"), a.second_surname, b.second_surname),
        (_("Name as in documents"), a.name_as_in_documents, b.name_as_in_documents),
        (_("Sex"), a.sex, b.sex),
        (_("Date of birth"), a.date_of_birth_display, b.date_of_birth_display),
        (_("Place of birth"), a.place_of_birth, b.place_of_birth),
        (
            _("Nationalities"),
            ", ".join(country_names(a.nationalities)),
            ", ".join(country_names(b.nationalities)),
        ),
        (_("Documents"), docs(a), docs(b)),
        (_("Sending state's reference"), a.external_reference, b.external_reference),
        (_("Registered"), f"{a.created_at:%Y-%m-%d}", f"{b.created_at:%Y-%m-%d}"),
    ]
    return [
        {"label": label, "a": va, "b": vb, "difference": _difference(str(va), str(vb))}
        for label, va, vb in fields
    ]


def _without_accents(text: str) -> str:
    return "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    )


def _difference(a: str, b: str) -> str:
    """How two values differ: "" (equal), "case" (only in capitals), "accents" (only in
    accents, capitals aside) or "differs": a reviewer reads "GARCIA" and "García" as the same
    name written two ways, not as a difference (issue 11 item 13)."""
    if a == b:
        return ""
    if a.casefold() == b.casefold():
        return "case"
    if _without_accents(a).casefold() == _without_accents(b).casefold():
        return "accents"
    return "differs"


@requires(Perm.PERSON_VIEW)
@require_GET
def person_list_export(request: HttpRequest, fmt: str = "csv") -> HttpResponseBase:
    """The people the search keeps (bounded), as CSV or XLSX; each one's read recorded."""
    actor = actor_of(request)
    q = request.GET.get("q", "").strip()
    people = list(selectors.person_list_for(actor=actor, q=q)[:CSV_ROWS_MAX])
    selectors.person_list_audited(actor=actor, people=people)
    return export_response(
        request,
        fmt=fmt,
        filename="people",
        header=[_("Name"), _("Sex"), _("Born"), _("Nationality"), _("Reference")],
        rows=(
            [
                p.full_name,
                p.get_sex_display(),
                p.date_of_birth_display,
                " ".join(p.nationalities or []),
                p.external_reference,
            ]
            for p in people
        ),
    )
