"""add_service_errors: where each part of a service's refusal lands on a form, in order."""

from typing import Any

from django import forms

from ikaze.core.errors import Conflict, IkazeError, NotFound, RuleBlocked, ValidationError
from ikaze.core.forms import add_service_errors


class _Form(forms.Form):
    name = forms.CharField()
    amount = forms.IntegerField()
    p_date = forms.CharField()


def _form() -> _Form:
    form = _Form({"name": "x", "amount": "1", "p_date": "2024"})
    assert form.is_valid()
    return form


def _errors(form: forms.Form) -> dict[str, list[str]]:
    return {field: list(errors) for field, errors in form.errors.items()}


def _show(exc: IkazeError, **options: Any) -> dict[str, list[str]]:
    form = _form()
    add_service_errors(form, exc, **options)
    return _errors(form)


def test_a_validation_error_shows_its_reasons_by_field_and_not_its_summary() -> None:
    exc = ValidationError(
        "The agreement is not valid.",
        details={"name": ["Too short.", "Not unique."], "amount_minor": ["Negative."]},
    )
    assert _show(exc, aliases={"amount_minor": "amount"}) == {
        "name": ["Too short.", "Not unique."],
        "amount": ["Negative."],
    }


def test_a_reason_for_a_key_the_form_lacks_goes_on_top_bare_or_labelled() -> None:
    exc = ValidationError("Bad.", details={"status": ["Not allowed."], "name": ["Too short."]})
    assert _show(exc) == {"__all__": ["Not allowed."], "name": ["Too short."]}
    assert _show(exc, label_unknown=True) == {
        "__all__": ["status: Not allowed."],
        "name": ["Too short."],
    }


def test_an_alias_the_form_lacks_falls_back_to_the_top() -> None:
    exc = ValidationError("Bad.", details={"amount_minor": ["Negative."]})
    assert _show(exc, aliases={"amount_minor": "price"}) == {"__all__": ["Negative."]}


def test_an_error_without_reasons_shows_its_message_on_top_or_under_the_named_field() -> None:
    assert _show(NotFound("No such agreement.")) == {"__all__": ["No such agreement."]}
    assert _show(NotFound("No such agreement."), message_field="name") == {
        "name": ["No such agreement."]
    }
    assert _show(NotFound("No such agreement."), message_field="file") == {
        "__all__": ["No such agreement."]
    }


def test_other_errors_show_their_message_after_the_reasons() -> None:
    exc = Conflict("Changed meanwhile.", details={"version": ["Stale."], "name": ["Taken."]})
    assert _show(exc) == {"__all__": ["Stale.", "Changed meanwhile."], "name": ["Taken."]}


def test_first_puts_the_message_before_every_reason() -> None:
    exc = RuleBlocked(
        "A safeguard blocks this acceptance.",
        details={"A7": ["Under age."], "payload.date": ["In the future."]},
    )
    assert _show(exc, message="first", prefix_aliases={"payload.": "p_"}, label_unknown=True) == {
        "__all__": ["A safeguard blocks this acceptance.", "A7: Under age."],
        "p_date": ["In the future."],
    }


def test_first_shows_a_validation_errors_message_too() -> None:
    exc = ValidationError.for_field("name", "Too short.")
    assert _show(exc, message="first") == {"__all__": ["name: Too short."], "name": ["Too short."]}


def test_fallback_shows_the_message_only_when_there_is_no_reason() -> None:
    exc = Conflict("Changed meanwhile.", details={"name": ["Taken."]})
    assert _show(exc, message="fallback") == {"name": ["Taken."]}
    assert _show(NotFound("No such agreement."), message="fallback", message_field="name") == {
        "name": ["No such agreement."]
    }


def test_an_exact_alias_wins_over_a_prefix_and_a_single_reason_is_shown_as_text() -> None:
    exc = ValidationError("Bad.", details={"payload.x": 3, "payload.date": "Wrong."})
    shown = _show(exc, aliases={"payload.x": "name"}, prefix_aliases={"payload.": "p_"})
    assert shown == {"name": ["3"], "p_date": ["Wrong."]}


def test_empty_reasons_leave_the_message_to_say_why() -> None:
    exc = ValidationError("The file cannot be accepted.", details={"name": []})
    assert _show(exc) == {"__all__": ["The file cannot be accepted."]}
