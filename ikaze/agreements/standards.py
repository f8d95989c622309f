"""The protective standard for each safeguard setting, and what counts as weaker.

The defaults are the protective standard (UNHCR, European case law), not the sending state's
floor (SAFEGUARDS.md, preamble). An agreement may set a different value; anything weaker than
the standard is reported as "below standard" wherever the agreement appears (SAFEGUARDS A9).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from ikaze.agreements.models import Agreement


class Weaker(StrEnum):
    """Which direction of change weakens the protection."""

    LOWER = "lower"  # a shorter period protects less (notice, review window, appeal window)
    HIGHER = "higher"  # a longer period protects less (stale assessment, slow briefing)


@dataclass(frozen=True)
class Standard:
    value: int
    weaker: Weaker
    source: str
    label: str | Promise


PROTECTIVE_DEFAULTS: dict[str, Standard] = {
    # SAFEGUARDS A3: an older assessment may no longer describe the person.
    "assessment_max_age_days": Standard(
        30, Weaker.HIGHER, "SAFEGUARDS A3", _("Pre-transfer assessment valid for (days)")
    ),
    # SAFEGUARDS A5: an acceptance kept alive longer is relied on with staler facts.
    "acceptance_valid_days": Standard(
        90, Weaker.HIGHER, "SAFEGUARDS A5", _("Acceptance valid for (days)")
    ),
    # SAFEGUARDS A9: D.V.D. order of 21 May 2025, at least 10 days' notice.
    "notice_period_days": Standard(
        10, Weaker.LOWER, "SAFEGUARDS A9", _("Notice before transfer (days)")
    ),
    # SAFEGUARDS A10: time to seek review after a negative fear screening.
    "review_window_days": Standard(
        15, Weaker.LOWER, "SAFEGUARDS A10", _("Review window after fear screening (days)")
    ),
    # SAFEGUARDS B2: rights briefing after arrival, the sooner the better.
    "rights_briefing_days": Standard(
        7, Weaker.HIGHER, "SAFEGUARDS B2", _("Rights briefing within (days)")
    ),
    # SAFEGUARDS C2: complaints acknowledged by the monitor.
    "complaint_ack_days": Standard(
        5, Weaker.HIGHER, "SAFEGUARDS C2", _("Complaint acknowledged within (days)")
    ),
    # SAFEGUARDS B5: Rwanda Law 042/2024 art. 16, no removal for 30 days after an appeal.
    "appeal_window_days": Standard(
        30, Weaker.LOWER, "SAFEGUARDS B5", _("No removal after a negative appeal (days)")
    ),
}

SAFEGUARD_SETTINGS: tuple[str, ...] = tuple(PROTECTIVE_DEFAULTS)


@dataclass(frozen=True)
class Deviation:
    setting: str
    value: int
    standard: int
    source: str

    @property
    def label(self) -> str | Promise:
        return PROTECTIVE_DEFAULTS[self.setting].label


def is_weaker(setting: str, value: int) -> bool:
    """Whether `value` protects less than the standard for `setting`."""
    std = PROTECTIVE_DEFAULTS[setting]
    return value < std.value if std.weaker is Weaker.LOWER else value > std.value


# (setting, standard value, whether lower is weaker, source), in the table's order: the list
# checks seven settings of every row it shows (issue 2).
_CHECKS: tuple[tuple[str, int, bool, str], ...] = tuple(
    (setting, std.value, std.weaker is Weaker.LOWER, std.source)
    for setting, std in PROTECTIVE_DEFAULTS.items()
)


def below_standard_of(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """`below_standard` of a row of setting values, as the API shows each deviation."""
    out = []
    for setting, standard, lower_is_weaker, source in _CHECKS:
        value = int(values[setting])
        if value < standard if lower_is_weaker else value > standard:
            out.append({"setting": setting, "value": value, "standard": standard, "source": source})
    return out


def below_standard(agreement: Agreement) -> list[Deviation]:
    """List the agreement's safeguard settings that are weaker than the protective standard."""
    out = []
    for setting, standard, lower_is_weaker, source in _CHECKS:
        value = int(getattr(agreement, setting))
        if value < standard if lower_is_weaker else value > standard:
            out.append(Deviation(setting, value, standard, source))
    return out
