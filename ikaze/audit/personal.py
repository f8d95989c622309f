"""Which values of an audit event are personal: the one declaration (issue 9 item 12, D1).

Every event goes through `seal` on its way into the chain (`services._build` and the batch
path), so no call site decides for itself. A value declared here is replaced in the chained
payload by `{"$sealed": commitment}` (chain.commitment: SHA-256 over a random salt and the
value); the value and its salt are kept beside the chain and shown only to a reader whose
permissions match its level. The chain stays verifiable without them.

Rule ids (A8, A10...) stay readable: which safeguard blocked is what an audit checks. The
kinds and dates of a person's protection facts, and who the person is, are sealed.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from ikaze.audit.chain import SEALED, commitment


class Level(StrEnum):
    PERSON = "person"  # who someone is: read with people.person.view
    SENSITIVE = "sensitive"  # protection claims, health: read with people.sensitive.view


# Keys that hold a person's identity wherever they appear in an event's before/after.
PERSON_KEYS: dict[str, Level] = dict.fromkeys(
    (
        "given_names",
        "first_surname",
        "second_surname",
        "full_name",
        "name_as_in_documents",
        "aliases",
        "sex",
        "date_of_birth",
        "claimed_date_of_birth",
        "place_of_birth",
        "nationality",
        "nationalities",
        "languages",
        "phone",
        "document_number",
    ),
    Level.PERSON,
) | dict.fromkeys(("health", "vulnerabilities", "criminal_record"), Level.SENSITIVE)

# Keys personal only in some actions (by action prefix): a legal fact's kind is a protection
# claim (fear, asylum, appeal, age dispute, court stay); an organisation's "kind" is not.
ACTION_KEYS: dict[str, dict[str, Level]] = {
    "legal_fact.": {
        "kind": Level.SENSITIVE,
        "effective_at": Level.SENSITIVE,
        "payload": Level.SENSITIVE,
    },
    # A monitor's read names its query, which may be a name searched for.
    "route.read": {"query": Level.PERSON},
}


@functools.lru_cache(maxsize=512)
def sealed_keys(action: str) -> dict[str, Level]:
    """The keys sealed in this action's before/after."""
    keys = dict(PERSON_KEYS)
    for prefix, extra in ACTION_KEYS.items():
        if action.startswith(prefix):
            keys |= extra
    return keys


def _salts() -> Iterator[str]:
    # One read of the system's random source per 64 salts (the batch path seals thousands).
    while True:
        raw = os.urandom(16 * 64).hex()
        for i in range(0, len(raw), 32):
            yield raw[i : i + 32]


SALTS = _salts()
Openings = dict[str, dict[str, Any]]


def _seal(value: Any, path: str, keys: dict[str, Level], openings: Openings) -> Any:
    if isinstance(value, list):
        return [_seal(item, f"{path}.{i}", keys, openings) for i, item in enumerate(value)]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        where = f"{path}.{key}"
        level = keys.get(key)
        if level is not None and item is not None:
            salt = next(SALTS)
            openings[where] = {"level": str(level), "salt": salt, "value": item}
            out[key] = {SEALED: commitment(salt, item)}
        else:
            out[key] = _seal(item, where, keys, openings)
    return out


def seal(action: str, before: Any, after: Any) -> tuple[Any, Any, Openings]:
    """Before/after as chained (personal values replaced by commitments), and the openings
    ({"after.given_names": {"level", "salt", "value"}}). Values must be JSON-normalised."""
    keys = sealed_keys(action)
    openings: Openings = {}
    return (
        _seal(before, "before", keys, openings),
        _seal(after, "after", keys, openings),
        openings,
    )


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and SEALED in value


def reveal(payload: Any, path: str, openings: Openings, levels: frozenset[str]) -> Any:
    """The payload with the sealed values this reader may see put back (others stay sealed)."""
    if is_sealed(payload):
        opening = openings.get(path)
        if opening is not None and opening["level"] in levels:
            return opening["value"]
        return payload
    if isinstance(payload, dict):
        return {k: reveal(v, f"{path}.{k}", openings, levels) for k, v in payload.items()}
    if isinstance(payload, list):
        return [reveal(v, f"{path}.{i}", openings, levels) for i, v in enumerate(payload)]
    return payload


def at_path(payload: Any, keys: list[str]) -> Any:
    """The value at a sealed value's path below before/after (list items by index)."""
    for key in keys:
        if isinstance(payload, dict):
            payload = payload.get(key)
        elif isinstance(payload, list) and key.isdigit() and int(key) < len(payload):
            payload = payload[int(key)]
        else:
            return None
    return payload
