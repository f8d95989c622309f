"""Decision and transfer notices as PDF (WeasyPrint), in the person's language.

`render_notice(kind, language, context)` renders the template for `language`; where there is
none, it falls back to the closest template the person understands (or a related language, or
English) and says so: `needs_translation=True`. SAFEGUARDS A9: such a notice counts as served
only once a translation or interpreter is recorded (`notice_language_served`, the same pure
function the rule uses).

Rendering uses only local files: the HTML carries its own style sheet, fonts come from the
system (DejaVu / Noto), and the URL fetcher refuses everything but `data:` URLs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from babel import Locale
from babel.dates import format_date
from django.db.models import TextChoices
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ikaze.vetting.notices.texts import COUNTRY_NAMES, REASON_LABELS
from ikaze.vetting.rules.procedure import notice_language_served
from ikaze.vetting.rules.reasons import RefusalReason

__all__ = [
    "TEMPLATE_LANGUAGES",
    "NoticeContext",
    "NoticeDocument",
    "NoticeKind",
    "choose_template_language",
    "country_name",
    "notice_date",
    "notice_language_served",
    "render_html",
    "render_notice",
]


class NoticeKind(TextChoices):
    """The one definition (issue 10 item 4): `Notice.kind` takes its choices from it."""

    DECISION = "decision", _("Decision notice")
    TRANSFER = "transfer", _("Transfer notice")


TEMPLATE_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "rw")

# Languages close enough that the template is the best available starting point for the
# translator or interpreter (it still needs one: needs_translation stays True).
RELATED_LANGUAGES: dict[str, str] = {
    "rn": "rw",  # Kirundi and Kinyarwanda are largely mutually intelligible
    "pt": "es",
    "gl": "es",
    "ca": "es",
    "it": "es",
    "ln": "fr",
    "wo": "fr",
    "ht": "fr",
}


@dataclass(frozen=True, slots=True)
class NoticeContext:
    notice_ref: str
    person_name: str
    person_reference: str
    issued_on: dt.date
    destination: str  # ISO 3166-1 alpha-2 of the receiving state
    sending_state: str
    agreement_title: str
    officer_name: str
    monitor_name: str
    monitor_contact: str
    legal_advice_provider: str
    legal_advice_contact: str
    appeal_body: str
    appeal_contact: str
    understood_languages: tuple[str, ...] = ()
    notice_period_days: int = 10
    appeal_days: int = 30
    planned_departure: dt.date | None = None
    # Decision notice only.
    accepted: bool | None = None
    decided_by: str = ""  # the deciding officer's name (officer_name is who issues the notice)
    reasons: tuple[RefusalReason, ...] = ()
    reason_text: str = ""
    # Issue 11 item 14: what the agreement's notice settings name in the notice's language
    # (agreements.notice_settings), and the signature block.
    agreement_name: str = ""
    sending_authority: str = ""
    receiving_authority: str = ""
    issuing_office: str = ""
    office_address: str = ""
    place: str = ""
    officer_role: str = ""
    # An interpreter recorded at issue (name, and the language's name in the notice's
    # language); `reason_interpreted`: the officer's free-text reason is printed as written.
    interpreter_name: str = ""
    interpreter_language: str = ""
    reason_interpreted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class NoticeDocument:
    pdf: bytes
    language: str  # the language asked for (the person's)
    template_language: str  # the language the text is written in
    needs_translation: bool
    html: str


def choose_template_language(language: str, understood: tuple[str, ...] = ()) -> tuple[str, bool]:
    """The template language to use for a person, and whether a translation is still needed."""
    if language in TEMPLATE_LANGUAGES:
        return language, False
    for lang in understood:
        if lang in TEMPLATE_LANGUAGES:
            return lang, False
    related = RELATED_LANGUAGES.get(language)
    if related:
        return related, True
    return "en", True


def country_name(code: str, language: str) -> str:
    names = COUNTRY_NAMES.get(language, {})
    if code in names:
        return names[code]
    try:
        return str(Locale(language).territories[code])
    except (KeyError, ValueError):
        return str(Locale("en").territories.get(code, code))


def notice_date(day: dt.date | None, language: str) -> str:
    """A date as the notice's language writes it (babel's long form: "2 de diciembre de 2026",
    "2 décembre 2026", "December 2, 2026")."""
    if day is None:
        return ""
    # CLDR's Kinyarwanda long date is "2026 Ukuboza 2"; notices write "2 Ukuboza 2026".
    return str(format_date(day, _DATE_PATTERNS.get(language, "long"), locale=language))


_DATE_PATTERNS: dict[str, str] = {"rw": "d MMMM y"}


def render_html(
    kind: NoticeKind | str, language: str, context: NoticeContext
) -> tuple[str, str, bool]:
    """Render the notice's HTML; return (html, template_language, needs_translation)."""
    kind = NoticeKind(kind)
    template_language, needs_translation = choose_template_language(
        language, context.understood_languages
    )
    t = template_language
    earliest = context.issued_on + dt.timedelta(days=context.notice_period_days)
    labels = REASON_LABELS[t]
    # The shared parts (letterhead, signature block) are gettext strings: in the notice's
    # language, whatever the reader's page is in.
    with translation.override(t):
        html = _render(kind, t, context, labels, earliest, language, needs_translation)
    return html, template_language, needs_translation


def _render(
    kind: NoticeKind,
    t: str,
    context: NoticeContext,
    labels: dict[str, str],
    earliest: dt.date,
    language: str,
    needs_translation: bool,
) -> str:
    _date = notice_date
    return render_to_string(
        f"vetting/notices/{t}/{kind.value}.html",
        {
            "n": context,
            "lang": t,
            "destination": country_name(context.destination, t),
            "sending_state": country_name(context.sending_state, t),
            "issued_on": _date(context.issued_on, t),
            "planned_departure": _date(context.planned_departure, t),
            "earliest_departure": _date(earliest, t),
            "reasons": [labels.get(r.value, labels["other"]) for r in context.reasons],
            "needs_translation": needs_translation,
            "requested_language": language,
        },
    )


def render_notice(kind: NoticeKind | str, language: str, context: NoticeContext) -> NoticeDocument:
    """Render a decision or transfer notice as PDF in (or as close as possible to) `language`."""
    from weasyprint import HTML

    html, template_language, needs_translation = render_html(kind, language, context)
    pdf = HTML(string=html, url_fetcher=LocalOnlyFetcher()).write_pdf()
    assert pdf is not None
    return NoticeDocument(
        pdf=pdf,
        language=language,
        template_language=template_language,
        needs_translation=needs_translation,
        html=html,
    )


def _fetcher_base() -> type:
    from weasyprint.urls import URLFetcher

    return URLFetcher


class LocalOnlyFetcher(_fetcher_base()):  # type: ignore[misc]
    """Refuse every URL but inline `data:` ones: a notice never reaches the network."""

    def fetch(self, url: str, headers: Any = None) -> Any:
        from weasyprint.urls import FatalURLFetchingError

        if url.startswith("data:"):
            return super().fetch(url, headers)
        raise FatalURLFetchingError(f"notices may not fetch {url!r}")
