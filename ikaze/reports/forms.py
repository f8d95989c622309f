"""The dashboards' filters (agreement, period, nationality) and the monthly report's month."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pycountry
from django import forms
from django.utils.translation import gettext_lazy as _

from ikaze.core import clock
from ikaze.core.worklist import FilterForm, choice_error
from ikaze.reports.figures import Filters

# The first day any report covers; a date before it is a slip (e.g. 0226 for 2026).
EARLIEST = dt.date(2000, 1, 1)
_COUNTRY = re.compile(r"[A-Z]{2}")


def _date_field(label: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}),
        input_formats=["%Y-%m-%d"],  # one unambiguous form
        error_messages={"invalid": _("Enter the date as YYYY-MM-DD.")},
    )


class ReportFilterForm(FilterForm):
    agreement = forms.ChoiceField(
        label=_("Agreement"),
        error_messages=choice_error(_("Unknown agreement: choose one from the list.")),
    )
    start = _date_field(_("From"))
    end = _date_field(_("To"))
    nationality = forms.CharField(
        label=_("Nationality"),
        max_length=2,
        help_text=_(
            "Two-letter country code (ISO 3166-1), such as SY; the first nationality held."
        ),
        error_messages={"max_length": _("Give a two-letter country code, such as SY.")},
    )

    def __init__(
        self, data: Any = None, *, agreements: list[tuple[uuid.UUID, str, str]], **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self._ids = {code: pk for pk, code, _title in agreements}
        self._within = tuple(pk for pk, _code, _title in agreements)
        field = self.fields["agreement"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", _("All")),
            *((code, f"{code} — {title}") for _pk, code, title in agreements),
        ]

    def clean_nationality(self) -> str:
        value = (self.cleaned_data.get("nationality") or "").strip().upper()
        if value and (
            not _COUNTRY.fullmatch(value) or pycountry.countries.get(alpha_2=value) is None
        ):
            raise forms.ValidationError(_("Give a two-letter country code, such as SY."))
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        latest = clock.today_local() + dt.timedelta(days=366)
        if start and start < EARLIEST:
            self.add_error("start", _("Reports start on 1 January 2000: check the year."))
        if end and end > latest:
            self.add_error("end", _("The end date is more than a year ahead: check the year."))
        if start and end and end < start:
            self.add_error("end", _("The end date is before the start date."))
        return data

    def filters(self) -> Filters:
        """The figures' filters (call after `is_valid()`)."""
        v = self.cleaned_data
        return Filters(
            agreement_id=self._ids.get(v.get("agreement") or ""),
            start=v.get("start"),
            end=v.get("end"),
            nationality=v.get("nationality") or None,
            within=self._within,
        )


class MonthlyReportForm(forms.Form):
    month = forms.CharField(
        label=_("Month"),
        max_length=7,
        help_text=_("YYYY-MM, a month that has begun."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "2026-11"}),
    )

    def clean_month(self) -> dt.date:
        text = (self.cleaned_data.get("month") or "").strip()
        try:
            first = (
                dt.date.fromisoformat(f"{text}-01") if re.fullmatch(r"\d{4}-\d{2}", text) else None
            )
        except ValueError:
            first = None
        if first is None:
            raise forms.ValidationError(_("Enter the month as YYYY-MM."))
        if first < EARLIEST or first > clock.today_local():
            raise forms.ValidationError(_("Choose a month that has begun, from 2000 on."))
        return first
