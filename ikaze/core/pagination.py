"""Keyset-free, bounded pagination shared by pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def paginate(qs: QuerySet[Any], *, page: int = 1, size: int = 50) -> Page:
    """Return one page of a queryset; out-of-range numbers are clamped, never an error."""
    size = max(1, min(int(size), MAX_PAGE_SIZE))
    total = qs.count()
    pages = max(1, -(-total // size))
    number = max(1, min(int(page), pages))
    start = (number - 1) * size
    return Page(items=list(qs[start : start + size]), number=number, size=size, total=total)
