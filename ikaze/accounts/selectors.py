"""Reads of accounts data, scoped to the actor."""

from __future__ import annotations

from django.db.models import QuerySet

from ikaze.accounts.access import Perm
from ikaze.accounts.actor import Actor
from ikaze.accounts.guards import require
from ikaze.accounts.models import ApiToken, Organisation, User
from ikaze.core.errors import NotFound


def user_list_for(*, actor: Actor) -> QuerySet[User]:
    """List users with their memberships (administrators only)."""
    require(actor, Perm.USER_MANAGE)
    return User.objects.prefetch_related("memberships__organisation").order_by("username")


def organisation_list_for(*, actor: Actor) -> QuerySet[Organisation]:
    """List organisations; everyone signed in may know who the parties are."""
    return Organisation.objects.order_by("kind", "name")


def api_token_list_for(*, actor: Actor) -> QuerySet[ApiToken]:
    """List API tokens (administrators only)."""
    require(actor, Perm.TOKEN_MANAGE)
    return ApiToken.objects.select_related("organisation", "created_by").order_by("-created_at")


def api_token_get_for(*, actor: Actor, token_id: str) -> ApiToken:
    """Fetch one token or NotFound."""
    try:
        return api_token_list_for(actor=actor).get(pk=token_id)
    except (ApiToken.DoesNotExist, ValueError) as exc:
        raise NotFound("No such token.") from exc
