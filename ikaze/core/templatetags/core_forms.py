"""The GOV.UK error-summary pattern, once for every form of the product.

`base.html` wraps the page's content in `{% error_summary %}…{% end_error_summary %}`: the
content renders first, and each form rendered through `core/_form.html` notes its errors
(`{% form_errors_noted form as anchor %}`); the summary then goes on top of the main content,
a link per error to the field it is about, followed by the content. A page-level refusal (a
service saying no through `messages.error`) shows in the same summary. `ikaze.js` moves the
focus to the summary when the page loads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.contrib import messages
from django.template.base import Node, NodeList, Parser, Token
from django.template.context import Context
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

register = template.Library()

_NOTED = "_ikaze_error_forms"


@dataclass(frozen=True)
class SummaryError:
    text: str
    href: str


def _field_anchor(bound: forms.BoundField) -> str:
    """The id of the control a person lands on: the first option of a radio group."""
    return bound.id_for_label or (f"{bound.auto_id}_0" if bound.auto_id else "")


def _anchor(form: forms.BaseForm) -> str:
    return f"{form.prefix or 'form'}-errors-{id(form):x}"


def _top_errors(form: forms.BaseForm) -> list[str]:
    """The errors shown on top of a form: its own, and those of its hidden fields."""
    hidden = [str(e) for f in form.hidden_fields() for e in f.errors]
    return [str(e) for e in form.non_field_errors()] + hidden


@register.simple_tag(takes_context=True)
def form_errors_noted(context: Context, form: forms.BaseForm) -> dict[str, Any]:
    """Note a form's errors for the page's summary; return those shown on top of the form."""
    noted: list[forms.BaseForm] | None = context.get(_NOTED)
    # An unbound form may carry errors too: a view refusing before any field was read.
    if noted is not None and form.errors and form not in noted:
        noted.append(form)
    return {"anchor": _anchor(form), "errors": _top_errors(form)}


def _errors_of(form: forms.BaseForm) -> list[SummaryError]:
    top = f"#{_anchor(form)}"
    out = [SummaryError(e, top) for e in _top_errors(form)]
    for bound in form.visible_fields():
        # The summary names the field: "Stay reference: This field is required."
        out.extend(
            SummaryError(f"{bound.label}: {e}", f"#{_field_anchor(bound)}") for e in bound.errors
        )
    return out


class ErrorSummaryNode(Node):
    child_nodelists = ("nodelist",)

    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context: Context) -> str:
        noted: list[forms.BaseForm] = []
        with context.push({_NOTED: noted}):
            body = self.nodelist.render(context)
        errors = [e for form in noted for e in _errors_of(form)]
        request = context.get("request")
        status: list[Any] = []
        if request is not None:
            for message in messages.get_messages(request):
                if message.level >= messages.ERROR:
                    errors.append(SummaryError(str(message), ""))
                else:
                    status.append(message)
        summary = render_to_string(
            "core/_error_summary.html", {"errors": errors, "status_messages": status}
        )
        return SafeString(summary + body)


@register.tag("error_summary")
def error_summary(parser: Parser, token: Token) -> ErrorSummaryNode:
    """`{% error_summary %}{% block content %}{% endblock %}{% end_error_summary %}`."""
    nodelist = parser.parse(("end_error_summary",))
    parser.delete_first_token()
    return ErrorSummaryNode(nodelist)


@register.simple_tag
def described_widget(bound: forms.BoundField) -> str:
    """The control, described by its help text and its errors (aria-describedby)."""
    ids = []
    if bound.help_text:
        ids.append(f"{bound.auto_id}_helptext")
    if bound.errors:
        ids.append(f"{bound.auto_id}_error")
    attrs: dict[str, Any] = {}
    if ids:
        attrs["aria-describedby"] = " ".join(ids)
    if bound.errors:
        attrs["aria-invalid"] = "true"
    return bound.as_widget(attrs=attrs)
