"""Every schema the API publishes has its own name.

django-ninja names an OpenAPI component after its class, so two apps each declaring a
`DocumentOut` silently share one component: the API then describes one app's responses with the
other's fields (schemathesis caught `GET /api/v1/people` answering "id is a required property").
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict

from ninja import Schema

import ikaze


def _schema_classes() -> dict[str, set[str]]:
    import config.api  # noqa: F401  (the API root imports every app's api module in order)

    names: dict[str, set[str]] = defaultdict(set)
    for info in pkgutil.walk_packages(ikaze.__path__, "ikaze."):
        if ".tests" in info.name or ".migrations" in info.name or "management" in info.name:
            continue
        if not info.name.endswith((".schemas", ".api")):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Schema)
                and value is not Schema
                and value.__module__ == module.__name__
            ):
                names[value.__name__].add(f"{value.__module__}.{value.__qualname__}")
    return names


def test_no_two_api_schemas_share_a_name() -> None:
    from config.api import api

    published = set(api.get_openapi_schema()["components"]["schemas"])
    # Query parameter schemas (`…Query`) are flattened into each operation's parameters, so a
    # shared name there describes nothing wrongly.
    shared = {
        name: where
        for name, where in _schema_classes().items()
        if len(where) > 1 and name in published and not name.endswith("Query")
    }
    assert shared == {}
