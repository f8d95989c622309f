"""The monitor's inbox (SAFEGUARDS C1): one list of what the rest of the system tells the
independent monitor, gathered from sources that the apps register.

`core` imports no app, so the apps come to it: each registers, in its `AppConfig.ready()`,
a callable that returns its items (`register("movements", incident_items)`). The inbox page
(`ikaze.protection`) reads `items(...)`. A later app (support, say) plugs in the same way.
A source returns at most `SOURCE_LIMIT` items, the most recent first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

SOURCE_LIMIT = 500


@dataclass(frozen=True)
class MonitorItem:
    source: str  # the registering app ("vetting", "movements", ...)
    kind: str  # a stable code within the source ("override_approved", "lock_hit", ...)
    title: str  # one line, in the reader's language
    occurred_at: dt.datetime
    agreement_id: str  # "" when the item belongs to no agreement
    url: str  # where the monitor reads it ("" when there is no page)
    is_open: bool
    due_at: dt.datetime | None = None


Source = Callable[[], Iterable[MonitorItem]]
_SOURCES: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    """Register (or replace) the source `name`."""
    _SOURCES[name] = source


def source_names() -> list[str]:
    return sorted(_SOURCES)


def items(
    *, source: str = "", is_open: bool | None = None, agreement_id: str = ""
) -> list[MonitorItem]:
    """Every registered source's items, filtered, the most recent first."""
    out: list[MonitorItem] = []
    for name in sorted(_SOURCES):
        if source and name != source:
            continue
        for item in _SOURCES[name]():
            if is_open is not None and item.is_open != is_open:
                continue
            if agreement_id and item.agreement_id != agreement_id:
                continue
            out.append(item)
    out.sort(key=lambda i: (i.occurred_at, i.title), reverse=True)
    return out
