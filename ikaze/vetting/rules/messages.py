"""Short keys for the rules' message templates, so a stored finding need not repeat the text.

Every message a rule returns is a literal marked `N_(...)` (gettext_noop) in a rule module;
they are collected once from those modules' source (the same literals `makemessages` reads).
A finding is stored with `encode(message)`: `#` + 10 hex digits of the template's SHA-256, or
the text itself when it is not a known literal; `decode` turns either back into the template.
A template that changes gets a new key (and the rule set a new version); an old key that no
longer resolves decodes to itself, so nothing stored is ever lost silently.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import inspect
from collections.abc import Callable

from ikaze.vetting.rules import _helpers, people, procedure, protection

_MODULES = (people, procedure, protection, _helpers)


def _key(text: str) -> str:
    return "#" + hashlib.sha256(text.encode()).hexdigest()[:10]


@functools.cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    by_text: dict[str, str] = {}
    for module in _MODULES:
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("N_", "gettext_noop")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                by_text[node.args[0].value] = _key(node.args[0].value)
    by_key = {k: t for t, k in by_text.items()}
    return by_text, by_key


def encode(message: str) -> str:
    return _tables()[0].get(message, message)


def message_keys() -> Callable[[str, str], str]:
    """`get(message, message)` of the encoding table: `encode` without a call per finding."""
    return _tables()[0].get


def decode(stored: str) -> str:
    if stored.startswith("#"):
        return _tables()[1].get(stored, stored)
    return stored
