"""Names and links for what audit events point at (issue 11 item 10).

The chain keeps a target as a type and an id (`referral`, a UUID). The app that owns a kind of
target registers, when it starts, how to name a set of them for a reader and how to find them
by a name: both read through that app's scoped selectors, so a reader sees the name and the
link only of what it may open, and every other target stays a type and an id. Audit imports
no app; apps register here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

# (reader, ids as text) -> id -> (name, url or "")
Namer = Callable[[Any, list[str]], dict[str, tuple[str, str]]]
# (reader, a name typed) -> the ids (as text) of the targets of that kind it names
Finder = Callable[[Any, str], list[str]]


@dataclass(frozen=True)
class TargetKind:
    names: Namer
    find: Finder | None = None


_KINDS: dict[str, TargetKind] = {}


def register_target_kind(target_type: str, kind: TargetKind) -> None:
    _KINDS[target_type] = kind


def target_names(*, reader: Any, targets: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """(type, id) → {"name", "url"} for the targets the reader may open; one read per type."""
    by_type: dict[str, list[str]] = {}
    for target_type, target_id in targets:
        if target_type in _KINDS and target_id:
            by_type.setdefault(target_type, []).append(target_id)
    out: dict[tuple[str, str], Any] = {}
    for target_type, ids in by_type.items():
        for target_id, (name, url) in _KINDS[target_type].names(reader, sorted(set(ids))).items():
            out[(target_type, target_id)] = {"name": name, "url": url}
    return out


def targets_named(*, reader: Any, name: str) -> list[str]:
    """The ids (as text) of every target the reader may open whose name matches `name`."""
    ids: list[str] = []
    for kind in _KINDS.values():
        if kind.find is not None:
            ids.extend(kind.find(reader, name))
    return ids


def valid_uuids(ids: Iterable[str]) -> list[str]:
    """The ids among these that are UUIDs (targets by primary key; anything else names no row)."""
    import uuid

    out = []
    for value in ids:
        try:
            out.append(str(uuid.UUID(str(value))))
        except ValueError:
            continue
    return out
