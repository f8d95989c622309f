"""Row locks of accounts: every `select_for_update` of its rows is here.

Order, when a change locks several: organisation → user → membership → enrolment link →
API token. Each
helper takes a primary key and returns the row read afresh under the lock.
"""

from __future__ import annotations

from typing import Any

from ikaze.accounts.models import ApiToken, EnrolmentLink, Membership, Organisation, User


def organisations_lock(pks: list[Any]) -> list[Organisation]:
    """Organisations, locked in key order: one change to their administrators at a time (the
    last-administrator rule counts them)."""
    return list(Organisation.objects.select_for_update().filter(pk__in=pks).order_by("pk"))


def user_lock(pk: Any) -> User | None:
    """The user's row, locked (one issuer of enrolment links at a time)."""
    return User.objects.select_for_update().filter(pk=pk).first()


def membership_lock(pk: Any) -> Membership:
    """One membership, locked, with its organisation and user (locked too: one statement)."""
    return Membership.objects.select_for_update().select_related("organisation", "user").get(pk=pk)


def enrolment_link_lock(pk: Any) -> EnrolmentLink | None:
    """One enrolment link, locked (two tabs, one use)."""
    return EnrolmentLink.objects.select_for_update().filter(pk=pk).first()


def api_token_lock(pk: Any) -> ApiToken:
    """One API token, locked, with its organisation (locked too: one statement)."""
    return ApiToken.objects.select_for_update().select_related("organisation").get(pk=pk)
