from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ikaze.accounts.access import Role
from ikaze.accounts.models import Organisation


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class TokenCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class _OwnOrganisationForm(forms.Form):
    """A form whose organisation is one the administrator keeps (SAFEGUARDS F6)."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none()
    )

    def __init__(
        self, *args: Any, organisations: QuerySet[Organisation] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations if organisations is not None else Organisation.objects.none()


class UserCreateForm(_OwnOrganisationForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    field_order = ["username", "first_name", "last_name", "email", "organisation"]
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in Role])
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        choices=[("en", "English"), ("fr", "Français"), ("es", "Español"), ("rw", "Ikinyarwanda")],
    )


class TokenIssueForm(_OwnOrganisationForm):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Which system will use this token?")
    )
    field_order = ["name", "organisation"]
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in Role])
    expires_at = forms.DateTimeField(
        label=_("Expires at (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class EnrolForm(forms.Form):
    password = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters."),
    )
    password_again = forms.CharField(
        label=_("The password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    code = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data
