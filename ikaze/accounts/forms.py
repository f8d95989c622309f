from __future__ import annotations

from django import forms
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


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        help_text=_("At least 12 characters; the person should change it."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name")
    )
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in Role])
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        choices=[("en", "English"), ("fr", "Français"), ("es", "Español"), ("rw", "Ikinyarwanda")],
    )


class TokenIssueForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("Which system will use this token?")
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name")
    )
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in Role])
    expires_at = forms.DateTimeField(
        label=_("Expires at (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)
