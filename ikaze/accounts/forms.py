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


LANGUAGE_CHOICES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("rw", "Ikinyarwanda"),
]


class UserCreateForm(_OwnOrganisationForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    field_order = ["username", "first_name", "last_name", "email", "organisation"]
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in Role])
    preferred_language = forms.ChoiceField(label=_("Language"), choices=LANGUAGE_CHOICES)


class UserEditForm(forms.Form):
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    preferred_language = forms.ChoiceField(
        label=_("Language"),
        choices=LANGUAGE_CHOICES,
        help_text=_("Ikaze opens in this language when the person signs in."),
    )


class RoleChangeForm(forms.Form):
    """Replace one of a person's roles by another in the same organisation."""

    membership = forms.ChoiceField(label=_("Role to change"))
    role = forms.ChoiceField(label=_("New role"))
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(
        self,
        *args: Any,
        memberships: list[tuple[str, str]] | None = None,
        roles: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        membership = self.fields["membership"]
        role = self.fields["role"]
        assert isinstance(membership, forms.ChoiceField) and isinstance(role, forms.ChoiceField)
        membership.choices = memberships or []
        role.choices = [("", _("Choose a role")), *(roles or [])]


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters."),
    )
    new_password_again = forms.CharField(
        label=_("The new password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two passwords differ."))
        return data


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

    def __init__(
        self, *args: Any, purpose: str = "enrol", two_factor: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if purpose == "second_factor_reset":
            # The password stays: the person proves it, then enrols a new authenticator.
            password = self.fields["password"]
            password.label = _("Your current password")
            password.help_text = ""
            password.widget.attrs["autocomplete"] = "current-password"
            del self.fields["password_again"]
            self.fields["code"].required = True
        if not two_factor:
            del self.fields["code"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            "password_again" in self.fields
            and data.get("password")
            and data.get("password") != data.get("password_again")
        ):
            self.add_error("password_again", _("The two passwords differ."))
        return data
