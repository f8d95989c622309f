"""Row locks of agreements: every `select_for_update` of its rows is here.

The agreement row serialises the changes of one agreement (its terms, its cap periods, the
overlap checks of a new period). A place under the cap moves the agreement's counter and then
the period's, by `F()` updates, always in that order (`agreement_take_place`,
`agreement_release_place`); vetting locks the referral and its decision before either
(`ikaze.vetting.locks`).
"""

from __future__ import annotations

from typing import Any

from ikaze.agreements.models import Agreement


def agreement_lock(pk: Any) -> Agreement:
    """The agreement's row, locked."""
    return Agreement.objects.select_for_update().get(pk=pk)
