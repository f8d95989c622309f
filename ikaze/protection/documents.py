"""Decisions on status as PDF (WeasyPrint), written in the person's language (SAFEGUARDS B4).

The same way as the vetting notices (`ikaze.vetting.notices`): a hand-written template per
language (en, es, fr, rw), the closest one the person understands chosen by
`choose_template_language`, dates in the language's long form through babel, fonts from the
system and no URL fetched.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.template.loader import render_to_string

from ikaze.core import clock
from ikaze.people import selectors as people
from ikaze.privacy.vault import open_field
from ikaze.protection.models import Case, StatusDecision
from ikaze.vetting.notices import (
    LocalOnlyFetcher,
    choose_template_language,
    country_name,
    notice_date,
)


@dataclass(frozen=True)
class DecisionDocument:
    pdf: bytes
    html: str
    template_language: str
    needs_translation: bool


def render_decision_html(
    *, decision: StatusDecision, case: Case, language: str
) -> tuple[str, str, bool]:
    """The decision's HTML in (or as close as possible to) `language`."""
    template_language, needs_translation = choose_template_language(language)
    t = template_language
    name = people.person_names(ids=[case.person_id]).get(str(case.person_id), "")
    html = render_to_string(
        f"protection/decisions/{t}.html",
        {
            "lang": t,
            "d": decision,
            "reasons": open_field(decision, "reasons"),
            "case": case,
            "name": name,
            "granted": decision.result == StatusDecision.Result.GRANTED,
            "decided_on": notice_date(decision.decided_on, t),
            "issued_on": notice_date(clock.today_local(), t),
            "state": country_name(case.agreement.receiving_state, t),
            "appeal_days": case.agreement.appeal_window_days,
            "level": decision.level,
        },
    )
    return html, template_language, needs_translation


def render_decision(*, decision: StatusDecision, case: Case, language: str) -> DecisionDocument:
    """Render the decision as PDF."""
    from weasyprint import HTML

    html, template_language, needs_translation = render_decision_html(
        decision=decision, case=case, language=language
    )
    pdf = HTML(string=html, url_fetcher=LocalOnlyFetcher()).write_pdf()
    assert pdf is not None
    return DecisionDocument(pdf, html, template_language, needs_translation)
