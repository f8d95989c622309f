"""The public statistics' API shapes."""

from __future__ import annotations

from typing import Any

from ninja import Schema

from ikaze.reports.public import PublicStatistics


class PublicAgreementOut(Schema):
    code: str
    title: str
    status: str


class PublicFigureOut(Schema):
    measure: str
    nationality: str
    month: str
    people: int | None
    amount: str | None
    currency: str
    suppressed: bool


class PublicStatisticsOut(Schema):
    code: str
    title: str
    sending_state: str
    receiving_state: str
    threshold: int
    computed_at: str
    refused_share: float | None
    hxl: list[str]
    figures: list[PublicFigureOut]


def public_statistics_out(
    stats: PublicStatistics, *, rows: list[list[str]], tags: list[str]
) -> dict[str, Any]:
    figures = [
        {
            "measure": r[1],
            "nationality": r[2],
            "month": r[3],
            "people": int(r[4]) if r[4] else None,
            "amount": r[5] or None,
            "currency": r[6],
            "suppressed": r[7] == "suppressed",
        }
        for r in rows
    ]
    return {
        "code": stats.code,
        "title": stats.title,
        "sending_state": stats.sending_state,
        "receiving_state": stats.receiving_state,
        "threshold": stats.threshold,
        "computed_at": stats.computed_at.isoformat(),
        "refused_share": stats.refused_share,
        "hxl": tags,
        "figures": figures,
    }
