"""Sign-in (with lock-out and TOTP), users and API tokens."""

from __future__ import annotations

import base64
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from ikaze.accounts import selectors, services
from ikaze.accounts.access import Perm
from ikaze.accounts.actor import actor_for_user
from ikaze.accounts.decorators import SIGNED_IN, public, requires
from ikaze.accounts.forms import (
    LoginForm,
    RevokeForm,
    TokenCodeForm,
    TokenIssueForm,
    UserCreateForm,
)
from ikaze.audit.services import audit_security
from ikaze.core.errors import ValidationError
from ikaze.core.forms import add_service_errors


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
        user = authenticate(
            request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            return locked_out(request)
        if user is None:
            audit_security(
                actor=None,
                action="login.failed",
                target_type="user",
                reason=f"username={form.cleaned_data['username'][:150]}",
            )
            form.add_error(
                None,
                _(
                    "Wrong username or password. After 5 failed attempts the account is locked for 30 minutes."
                ),
            )
        else:
            login(request, user)
            actor = actor_for_user(user)
            if actor.needs_two_factor:
                return redirect(f"/accounts/two-factor/?next={_safe_next(request)}")
            return redirect(_safe_next(request))
    return render(
        request,
        "accounts/login.html",
        {"form": form, "next": _safe_next(request)},
        status=200 if not form.errors else 400,
    )


def locked_out(
    request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any
) -> HttpResponse:
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    audit_security(
        actor=None,
        action="login.locked_out",
        target_type="user",
        reason=f"username={str(username)[:150]}",
    )
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
    """Verify a TOTP code; enrol a device first if the person has none."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    user = request.user
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(
            user=user, confirmed=False
        ).first() or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = TokenCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"].strip()
        matched = (
            device
            if enrolling and device.verify_token(code)
            else (None if enrolling else match_token(user, code))
        )
        if matched is not None:
            if enrolling:
                matched.confirmed = True
                matched.save(update_fields=["confirmed"])
            otp_login(request, matched)
            return redirect(_safe_next(request))
        audit_security(
            actor=getattr(request, "actor", None),
            action="two_factor.failed",
            target_type="user",
            target_id=user.pk,
        )
        form.add_error(
            "code", _("That code is not valid. Codes change every 30 seconds; try the current one.")
        )
    context: dict[str, Any] = {"form": form, "enrolling": enrolling, "next": _safe_next(request)}
    if enrolling:
        context["secret"] = base64.b32encode(bytes.fromhex(device.key)).decode().rstrip("=")
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=4, dark="#1b2330"
        )
    return render(
        request, "accounts/two_factor.html", context, status=200 if not form.errors else 400
    )


@requires(Perm.USER_MANAGE)
@require_http_methods(["GET", "POST"])
def user_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = UserCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                from django.db import transaction

                with transaction.atomic():
                    user = services.user_create(
                        actor=actor,
                        username=data["username"],
                        password=data["password"],
                        email=data["email"],
                        first_name=data["first_name"],
                        last_name=data["last_name"],
                        preferred_language=data["preferred_language"],
                    )
                    services.membership_grant(
                        actor=actor, user=user, organisation=data["organisation"], role=data["role"]
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("User %(name)s created.") % {"name": user.username})
                return redirect("accounts:user_list")
        status = 400
    users = selectors.user_list_for(actor=actor)
    return render(request, "accounts/user_list.html", {"users": users, "form": form}, status=status)


@requires(Perm.TOKEN_MANAGE)
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = TokenIssueForm(request.POST or None)
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
    return render(
        request,
        "accounts/token_list.html",
        {"tokens": tokens, "form": form, "clear": clear},
        status=status,
    )


@requires(Perm.TOKEN_MANAGE)
@require_POST
def token_revoke(request: HttpRequest, token_id: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    token = selectors.api_token_get_for(actor=actor, token_id=token_id)
    form = RevokeForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    services.api_token_revoke(actor=actor, token=token, reason=reason)
    messages.success(request, _("Token %(prefix)s revoked.") % {"prefix": token.prefix})
    return redirect("accounts:token_list")


__all__ = ["SIGNED_IN", "locked_out"]
