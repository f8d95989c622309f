"""The audit log's filters (issue 11 item 10): by day, by action from a list, by the name of
an actor or of a person or referral, never by a code or an id typed in."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.audit.labels import ACTIONS
from ikaze.audit.models import AuditEvent
from ikaze.core.worklist import FilterForm, choice_error


class AuditFilterForm(FilterForm):
    since = forms.DateField(
        label=_("From"),
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],  # one unambiguous form: 05/12 is not read as May or December
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    until = forms.DateField(
        label=_("To"),
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],  # one unambiguous form: 05/12 is not read as May or December
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )
    action = forms.ChoiceField(
        label=_("Action"),
        error_messages=choice_error(_("Unknown action: choose one from the list.")),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All")), *AuditEvent.Kind.choices],
        error_messages=choice_error(_("Unknown kind: choose one from the list.")),
    )
    actor = forms.CharField(label=_("Who acted (name)"), max_length=150)
    q = forms.CharField(
        label=_("Person or referral (name or reference)"),
        max_length=200,
        help_text=_("Events about the people and referrals whose name or reference matches."),
    )

    def __init__(self, data: Any = None, *, can_search_people: bool, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        labelled = sorted(
            ((code, str(label)) for code, label in ACTIONS.items()), key=lambda c: c[1]
        )
        action.choices = [("", _("All")), *labelled]
        if not can_search_people:
            # Names of people are not the reader's to search (an auditor reads the chain).
            del self.fields["q"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return data
