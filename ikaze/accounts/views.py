"""Sign-in (with lock-out and TOTP), users and API tokens."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts import selectors, services
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_for_user, actor_of, actor_or_none
from ikaze.accounts.decorators import SIGNED_IN, public, requires
from ikaze.accounts.errors import EnrolmentLinkInvalid
from ikaze.accounts.forms import (
    EnrolForm,
    LoginForm,
    PasswordChangeForm,
    RevokeForm,
    RoleChangeForm,
    TokenCodeForm,
    TokenIssueForm,
    UserCreateForm,
    UserEditForm,
)
from ikaze.accounts.lockout import client_address, lockout_reason
from ikaze.accounts.navigation import nav_for
from ikaze.audit.services import audit_security
from ikaze.core.errors import Conflict, ValidationError
from ikaze.core.forms import add_service_errors


def home(request: HttpRequest) -> HttpResponse:
    """The landing page: the same entries as the navigation, each with what waits there for
    this person (counted by the app that serves it, registered in its apps.py)."""
    actor = actor_or_none(request)
    if actor is None:
        return redirect("accounts:login")
    return render(request, "accounts/home.html", {"landing_items": nav_for(actor, waiting=True)})


home.ikaze_perm = SIGNED_IN  # type: ignore[attr-defined]


def _safe_next(request: HttpRequest, default: str = "/") -> str:
    nxt = request.POST.get("next") or request.GET.get("next") or default
    return (
        nxt if url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}) else default
    )


@public
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        user = authenticate(request, username=username, password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            named = selectors.user_id_for_username(username)
            audit_security(
                actor=None,
                action="login.failed",
                target_type="user",
                target_id=named or "",
                reason=lockout_reason(username, client_address(request)),
            )
            form.add_error(
                None,
                _(
                    "Wrong username or password. Repeated failures from this device slow down "
                    "further attempts."
                ),
            )
        else:
            previous_sign_in = user.last_login
            login(request, user)
            _tell_failed_attempts(request, user, since=previous_sign_in)
            actor = actor_for_user(user)
            if actor.needs_two_factor:
                response = redirect(f"/accounts/two-factor/?next={_safe_next(request)}")
            else:
                response = redirect(_safe_next(request))
            return _open_in_preferred_language(response, user)
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _safe_next(request)},
        status=200 if not form.errors else 400,
    )


def _open_in_preferred_language(response: HttpResponse, user: Any) -> HttpResponse:
    """Issue 11 item 11: a person's account opens in their preferred language. It is set at
    sign-in only, as the language switcher sets it (the language cookie), so a language the
    person picks afterwards wins until their next sign-in."""
    language = user.preferred_language
    if language in {code for code, _name in settings.LANGUAGES}:
        translation.activate(language)
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _tell_failed_attempts(request: HttpRequest, user: Any, *, since: Any) -> None:
    """SAFEGUARDS F6 / issue 9 item 9: the account holder learns of the failed attempts on
    their account since their last sign-in: how many, from where, when."""
    failures = selectors.sign_in_failures_since(user_id=user.pk, since=since)
    if not failures:
        return
    last = failures[0]
    messages.warning(
        request,
        ngettext(
            "%(n)s failed sign-in attempt on your account since your last sign-in; the last "
            "one from %(client)s at %(at)s. If it was not you, tell your administrator.",
            "%(n)s failed sign-in attempts on your account since your last sign-in; the last "
            "one from %(client)s at %(at)s. If it was not you, tell your administrator.",
            len(failures),
        )
        % {
            "n": len(failures),
            "client": last.client or _("an unknown address"),
            "at": date_format(localtime(last.at), "DATETIME_FORMAT"),
        },
    )


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    username = str((credentials or {}).get("username") or request.POST.get("username", ""))
    # The view and axes' middleware both answer a locked request: one record per attempt.
    if not getattr(request, "_ikaze_lockout_recorded", False):
        audit_security(
            actor=None,
            action="login.locked_out",
            target_type="user",
            target_id=selectors.user_id_for_username(username) or "",
            reason=lockout_reason(username, client_address(request)),
        )
        request._ikaze_lockout_recorded = True  # type: ignore[attr-defined]
    return render(request, "accounts/locked_out.html", status=403)


@public
@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")


@public
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Verify a TOTP code. Authenticators are enrolled only through a one-time enrolment link
    (SAFEGUARDS F6), never here: a password alone must not be enough to add one."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user
    has_device = TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()
    form = TokenCodeForm(request.POST or None)
    if request.method == "POST" and has_device and form.is_valid():
        matched = match_token(user, form.cleaned_data["code"].strip())
        if matched is not None:
            otp_login(request, matched)
            return redirect(_safe_next(request))
        audit_security(
            actor=actor_or_none(request),
            action="two_factor.failed",
            target_type="user",
            target_id=user.pk,
        )
        form.add_error(
            "code", _("That code is not valid. Codes change every 30 seconds; try the current one.")
        )
    context: dict[str, Any] = {
        "form": form,
        "has_device": has_device,
        "second_factor_reset": not has_device
        and selectors.second_factor_reset_pending(user_id=user.pk),
        "next": _safe_next(request),
    }
    status = 200 if not form.errors else 400
    if not has_device:
        status = 403 if request.method == "POST" else 200
    return render(request, "accounts/two_factor.html", context, status=status)


@public
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest, key: str) -> HttpResponse:
    """The one-time enrolment link: set a password and, for a privileged role, enrol an
    authenticator."""
    try:
        link = services.enrolment_link_get(clear=key)
    except EnrolmentLinkInvalid as exc:
        return render(
            request,
            "accounts/enrol_invalid.html",
            {"message": exc.message, "hide_nav": True},
            status=404,
        )
    needs_two_factor = services.enrolment_offers_two_factor(link)
    form = EnrolForm(request.POST or None, purpose=link.purpose, two_factor=needs_two_factor)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_enrol(
                clear=key,
                password=form.cleaned_data["password"],
                code=form.cleaned_data.get("code", ""),
            )
        except EnrolmentLinkInvalid as exc:
            return render(
                request,
                "accounts/enrol_invalid.html",
                {"message": exc.message, "hide_nav": True},
                status=404,
            )
        except ValidationError as exc:
            if exc.code == "wrong_password":
                audit_security(
                    actor=None,
                    action="enrol.wrong_password",
                    target_type="user",
                    target_id=link.user_id,
                )
            add_service_errors(form, exc)
        else:
            logout(request)
            messages.success(request, _("Your account is ready. Sign in with your password."))
            return redirect("accounts:login")
    context: dict[str, Any] = {
        "form": form,
        "username": link.user.username,
        "needs_two_factor": needs_two_factor,
        "purpose": link.purpose,
        "hide_nav": True,
    }
    if needs_two_factor:
        key_hex = services.enrolment_totp_key(key)
        context["secret"] = base64.b32encode(bytes.fromhex(key_hex)).decode().rstrip("=")
        device = TOTPDevice(user=link.user, name="authenticator", key=key_hex)
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=4, dark="#1b2330"
        )
    response = render(
        request, "accounts/enrol.html", context, status=200 if not form.errors else 400
    )
    response["Cache-Control"] = "no-store"
    return response


def _enrolment_url(request: HttpRequest, clear: str) -> str:
    return request.build_absolute_uri(reverse("accounts:enrol", kwargs={"key": clear}))


@requires(Perm.USER_MANAGE)
@require_http_methods(["GET", "POST"])
def user_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organisations = selectors.organisations_administered_by(actor=actor)
    form = UserCreateForm(request.POST or None, organisations=organisations)
    status = 200
    link = None
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                user, clear = services.account_create(
                    actor=actor,
                    username=data["username"],
                    organisation=data["organisation"],
                    role=data["role"],
                    email=data["email"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    preferred_language=data["preferred_language"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                messages.success(request, _("User %(name)s created.") % {"name": user.username})
                link = _enrolment_url(request, clear)
                form = UserCreateForm(organisations=organisations)
        else:
            status = 400
    users = selectors.user_list_for(actor=actor)
    response = render(
        request,
        "accounts/user_list.html",
        {"users": users, "form": form, "enrolment_link": link},
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def _user_page(
    request: HttpRequest,
    user: Any,
    *,
    status: int = 200,
    link: str = "",
    link_purpose: str = "",
    edit_form: UserEditForm | None = None,
    role_form: RoleChangeForm | None = None,
    deactivate_form: RevokeForm | None = None,
) -> HttpResponse:
    """A person's account: what an administrator sees and can do (issue 11 item 11)."""
    actor = actor_of(request)
    account = selectors.account_state_for(actor=actor, user=user)
    response = render(
        request,
        "accounts/user_detail.html",
        {
            "person": user,
            "account": account,
            "edit_form": edit_form
            or UserEditForm(
                initial={
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "email": user.email,
                    "preferred_language": user.preferred_language,
                },
                prefix="edit",
            ),
            "role_form": role_form or _role_form(actor, user),
            "deactivate_form": deactivate_form or RevokeForm(prefix="deactivate"),
            "link": link,
            "link_purpose": link_purpose,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"  # a one-time link, shown once
    return response


def _role_form(actor: Any, user: Any, data: Any = None) -> RoleChangeForm:
    account = selectors.account_state_for(actor=actor, user=user)
    return RoleChangeForm(
        data,
        prefix="role",
        memberships=[
            (
                str(m.pk),
                f"{m.get_role_display()} · {m.organisation.short_name or m.organisation.name}",
            )
            for m in account.memberships
        ],
        roles=account.roles_available,
    )


@requires(Perm.USER_MANAGE)
@require_http_methods(["GET", "POST"])
def user_detail(request: HttpRequest, user_id: str) -> HttpResponse:
    """A person's account; POST changes their name, email and preferred language."""
    actor = actor_of(request)
    user = selectors.user_get_for(actor=actor, user_id=user_id)
    if request.method != "POST":
        return _user_page(request, user)
    form = UserEditForm(request.POST, prefix="edit")
    if form.is_valid():
        try:
            services.user_update(actor=actor, user=user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The account of %(name)s is saved.") % {"name": user})
            return redirect("accounts:user_detail", user_id=user.pk)
    return _user_page(request, user, status=400, edit_form=form)


@requires(Perm.USER_MANAGE)
@require_POST
def user_deactivate(request: HttpRequest, user_id: str) -> HttpResponse:
    actor = actor_of(request)
    user = selectors.user_get_for(actor=actor, user_id=user_id)
    form = RevokeForm(request.POST, prefix="deactivate")
    if form.is_valid():
        try:
            services.user_deactivate(actor=actor, user=user, reason=form.cleaned_data["reason"])
        except (ValidationError, Conflict) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The account of %(name)s is deactivated.") % {"name": user})
            return redirect("accounts:user_detail", user_id=user.pk)
    status = 409 if form.errors and not form.has_error("reason") else 400
    return _user_page(request, user, status=status, deactivate_form=form)


@requires(Perm.USER_MANAGE)
@require_POST
def user_reactivate(request: HttpRequest, user_id: str) -> HttpResponse:
    actor = actor_of(request)
    user = selectors.user_get_for(actor=actor, user_id=user_id)
    services.user_reactivate(actor=actor, user=user)
    messages.success(request, _("The account of %(name)s is active again.") % {"name": user})
    return redirect("accounts:user_detail", user_id=user.pk)


@requires(Perm.USER_MANAGE)
@require_POST
def user_unlock(request: HttpRequest, user_id: str) -> HttpResponse:
    actor = actor_of(request)
    user = selectors.user_get_for(actor=actor, user_id=user_id)
    services.user_unlock(actor=actor, user=user)
    messages.success(request, _("Sign-in to the account of %(name)s is unlocked.") % {"name": user})
    return redirect("accounts:user_detail", user_id=user.pk)


@requires(Perm.USER_MANAGE)
@require_POST
def user_role_change(request: HttpRequest, user_id: str) -> HttpResponse:
    actor = actor_of(request)
    user = selectors.user_get_for(actor=actor, user_id=user_id)
    form = _role_form(actor, user, request.POST)
    if form.is_valid():
        membership = selectors.membership_get_for(
            actor=actor, membership_id=form.cleaned_data["membership"]
        )
        try:
            services.membership_role_change(
                actor=actor,
                membership=membership,
                role=form.cleaned_data["role"],
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, Conflict) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The role of %(name)s is changed.") % {"name": user})
            return redirect("accounts:user_detail", user_id=user.pk)
    return _user_page(request, user, status=400, role_form=form)


@requires(Perm.USER_MANAGE)
@require_POST
def user_enrolment_link(request: HttpRequest, user_id: str) -> HttpResponse:
    """A new one-time enrolment link for a person (a lost authenticator, a new privileged role)."""
    actor = actor_of(request)
    user = selectors.user_get_for(actor=actor, user_id=user_id)
    _link, clear = services.enrolment_link_issue(actor=actor, user=user)
    return _user_page(
        request, user, link=_enrolment_url(request, clear), link_purpose=_link.purpose
    )


@requires(Perm.USER_MANAGE)
@require_POST
def user_password_reset(request: HttpRequest, user_id: str) -> HttpResponse:
    """Reset a person's password: the old one stops working; a one-time link, shown once."""
    actor = actor_of(request)
    user = selectors.user_get_for(actor=actor, user_id=user_id)
    link, clear = services.password_reset_link_issue(actor=actor, user=user)
    return _user_page(request, user, link=_enrolment_url(request, clear), link_purpose=link.purpose)


@requires(Perm.USER_MANAGE)
@require_POST
def user_second_factor_reset(request: HttpRequest, user_id: str) -> HttpResponse:
    """Remove a person's authenticator; a one-time link, shown once, to enrol a new one."""
    actor = actor_of(request)
    user = selectors.user_get_for(actor=actor, user_id=user_id)
    link, clear = services.second_factor_reset(actor=actor, user=user)
    return _user_page(request, user, link=_enrolment_url(request, clear), link_purpose=link.purpose)


@requires(SIGNED_IN)
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    """Change my own password (every signed-in person)."""
    actor = actor_of(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(
                actor=actor,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationError as exc:
            if exc.code == "wrong_password":
                audit_security(
                    actor=actor,
                    action="password_change.wrong_password",
                    target_type="user",
                    target_id=actor.audit_actor_id or "",
                )
            add_service_errors(form, exc)
        else:
            update_session_auth_hash(request, user)  # this session stays signed in
            messages.success(request, _("Your password is changed."))
            return redirect("home")
    response = render(
        request,
        "accounts/password_change.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@requires(Perm.CREDENTIAL_NOTICE_VIEW)
@require_http_methods(["GET"])
def credential_notice_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    notices = selectors.credential_notice_list_for(actor=actor)[:200]
    return render(request, "accounts/credential_notice_list.html", {"notices": notices})


@requires(Perm.TOKEN_MANAGE)
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    form = TokenIssueForm(
        request.POST or None, organisations=selectors.organisations_administered_by(actor=actor)
    )
    clear = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                _token, clear = services.api_token_issue(
                    actor=actor,
                    name=data["name"],
                    organisation=data["organisation"],
                    role=data["role"],
                    expires_at=data["expires_at"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
            else:
                form = TokenIssueForm()
        else:
            status = 400
    tokens = selectors.api_token_list_for(actor=actor)
    response = render(
        request,
        "accounts/token_list.html",
        {"tokens": tokens, "form": form, "clear": clear},
        status=status,
    )
    response["Cache-Control"] = "no-store"  # the clear token, shown once
    return response


@requires(Perm.TOKEN_MANAGE)
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    actor = actor_of(request)
    token = selectors.api_token_get_for(actor=actor, token_id=token_id)
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.api_token_revoke(actor=actor, token=token, reason=reason)
    messages.success(request, _("Token %(prefix)s revoked.") % {"prefix": token.prefix})
    return redirect("accounts:token_list")


__all__ = ["SIGNED_IN", "locked_out"]
