"""Findings and rule descriptors: what a rule says, and what every rule must declare."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from django.utils.translation import gettext

if TYPE_CHECKING:
    from ikaze.vetting.rules.context import RuleContext


def N_(message: str) -> str:
    """Mark a message for translation (`makemessages` extracts `N_`, see accounts' command)
    and return it as it is: gettext_noop without its two calls per use (rules build ~450,000
    findings in a screening)."""
    return message


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105  (an outcome, not a password)
    BLOCK = "block"
    WARN = "warn"


class RuleKind(StrEnum):
    ABSOLUTE = "absolute"  # never overridable, by anyone, through any path
    BLOCK = "block"  # overridable by two different senior officers with justification
    WARN = "warn"  # shown and recorded, never blocks


class Finding(NamedTuple):
    # A NamedTuple: immutable like a frozen dataclass, and several times cheaper to build
    # (a screening builds ~450,000 of them).
    rule_id: str
    outcome: Outcome
    kind: RuleKind
    # An English template marked with gettext_noop; `%(name)s` placeholders are filled from
    # facts_used when shown, in the reader's language (render_message).
    message: str
    facts_used: Mapping[str, Any]
    overridable: bool

    def render_message(self) -> str:
        """The message translated into the active language, with its facts filled in."""
        text = gettext(self.message)
        try:
            return text % self.facts_used
        except (KeyError, TypeError, ValueError):
            return text


class Rule:
    """A safeguard rule: its identity, its source, the settings it reads, and its check."""

    __slots__ = ("fn", "id", "kind", "settings", "source", "text", "title")

    def __init__(
        self,
        *,
        id: str,
        title: str,
        kind: RuleKind,
        text: str,
        source: str,
        settings: tuple[str, ...] = (),
    ) -> None:
        self.id = id
        self.title = title
        self.kind = kind
        self.text = text
        self.source = source
        self.settings = settings
        self.fn: Callable[[RuleContext], list[Finding]] | None = None

    def __repr__(self) -> str:
        return f"Rule({self.id}, {self.kind})"

    def check(
        self, fn: Callable[[RuleContext], list[Finding]]
    ) -> Callable[[RuleContext], list[Finding]]:
        """Decorator: attach the pure check function to this rule."""
        self.fn = fn
        return fn

    def __call__(self, ctx: RuleContext) -> list[Finding]:
        assert self.fn is not None, f"rule {self.id} has no check"
        return self.fn(ctx)

    # Finding builders (straight through tuple.__new__: a screening builds ~450,000).
    # Only a block of a non-absolute rule can ever be overridden.
    def passed(self, message: str, facts: Mapping[str, Any]) -> Finding:
        return _new_finding(Finding, (self.id, _PASS, self.kind, message, facts, False))

    def blocked(self, message: str, facts: Mapping[str, Any]) -> Finding:
        return _new_finding(
            Finding, (self.id, _BLOCK, self.kind, message, facts, self.kind is RuleKind.BLOCK)
        )

    def warned(self, message: str, facts: Mapping[str, Any]) -> Finding:
        return _new_finding(Finding, (self.id, _WARN, self.kind, message, facts, False))


_new_finding = tuple.__new__
_PASS, _BLOCK, _WARN = Outcome.PASS, Outcome.BLOCK, Outcome.WARN
