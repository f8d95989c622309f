"""The boundaries docs/architecture.md promises (issue 10 items 6 and 7), checked as tests."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    # The same contracts `lint-imports` checks in ./scripts/test (pyproject.toml).
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(ROOT / "pyproject.toml")) == 0


# The sealed column's field class is schema, as a Django field is; the keyring is the
# installation's keys, which the migration sealing existing values must read (ADR 0027).
_MIGRATIONS_MAY_IMPORT = ("ikaze.privacy.fields", "ikaze.privacy.keyring")


def test_migrations_import_no_application_code():
    offenders = []
    for path in sorted(ROOT.glob("ikaze/*/migrations/0*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [
                f"{path.relative_to(ROOT)}: {n}"
                for n in names
                if n.split(".")[0] in ("ikaze", "config")
                and not any(n == a or n.startswith(f"{a}.") for a in _MIGRATIONS_MAY_IMPORT)
            ]
    assert offenders == []


def test_the_actor_of_a_request_is_reached_one_way():
    # Pages, the API and the middleware use ikaze.accounts.actor's accessors; only
    # actor_attach sets the attribute.
    offenders = []
    for path in sorted([*ROOT.glob("ikaze/**/*.py"), *ROOT.glob("config/*.py")]):
        if "tests" in path.parts or path.name == "actor.py":
            continue
        text = path.read_text()
        if "request.actor" in text or 'getattr(request, "actor"' in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
