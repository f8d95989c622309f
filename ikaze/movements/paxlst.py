"""The manifest as a UN/EDIFACT PAXLST message (Advance Passenger Information), with pydifact.

Written from a movement's manifest; read back from a carrier's message after boarding. Country
codes are ISO 3166 alpha-3 in the message (as on travel documents), alpha-2 in Ikaze.
"""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import pycountry
from django.utils.translation import gettext
from pydifact.segmentcollection import Interchange, Message
from pydifact.segments import Segment

from ikaze.movements.errors import PaxlstInvalid

_DOC_CODES = {"passport": "P", "travel_document": "L", "national_id": "I"}
_DOC_KINDS = {v: k for k, v in _DOC_CODES.items()}


@dataclass(frozen=True)
class Passenger:
    surname: str
    given_names: str
    sex: str
    date_of_birth: dt.date | None
    nationality: str  # alpha-2
    document_kind: str
    document_number: str
    document_expiry: dt.date | None
    issuing_state: str  # alpha-2


@dataclass(frozen=True)
class Flight:
    flight_number: str
    origin: str
    destination: str
    departure: dt.date | None
    passengers: tuple[Passenger, ...]


def _alpha3(code: str) -> str:
    c = pycountry.countries.get(alpha_2=code.upper()) if code else None
    return c.alpha_3 if c else ""


def _alpha2(code: str) -> str:
    c = pycountry.countries.get(alpha_3=code.upper()) if code else None
    return c.alpha_2 if c else ""


def _yymmdd(d: dt.date | None) -> str:
    return d.strftime("%y%m%d") if d else ""


def _date(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text[:6], "%y%m%d").date()  # noqa: DTZ007  (a date, no time)
    except ValueError:
        return None


def paxlst_write(
    *, flight: Flight, sender: str, recipient: str, reference: str, now: dt.datetime
) -> str:
    """The PAXLST interchange for a flight's passengers (UNOA, D:05B)."""
    interchange = Interchange(
        sender=sender,
        recipient=recipient,
        control_reference=reference,
        syntax_identifier=("UNOA", 4),
        timestamp=now,
    )
    message = Message(reference, ["PAXLST", "D", "05B", "UN", "IATA"])
    message.add_segment(Segment("BGM", "745"))
    message.add_segment(Segment("TDT", "20", flight.flight_number))
    message.add_segment(Segment("LOC", "125", flight.origin))
    message.add_segment(Segment("DTM", ["189", _yymmdd(flight.departure), "201"]))
    message.add_segment(Segment("LOC", "87", flight.destination))
    for p in flight.passengers:
        message.add_segment(Segment("NAD", "FL", "", "", [p.surname, p.given_names]))
        message.add_segment(Segment("ATT", "2", "", p.sex or "U"))
        message.add_segment(Segment("DTM", ["329", _yymmdd(p.date_of_birth)]))
        message.add_segment(Segment("NAT", "2", _alpha3(p.nationality)))
        message.add_segment(
            Segment("DOC", [_DOC_CODES.get(p.document_kind, "P"), "110", "111"], p.document_number)
        )
        if p.document_expiry:
            message.add_segment(Segment("DTM", ["36", _yymmdd(p.document_expiry)]))
        message.add_segment(Segment("LOC", "91", _alpha3(p.issuing_state)))
    message.add_segment(Segment("CNT", ["42", str(len(flight.passengers))]))
    interchange.add_message(message)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return str(interchange.serialize())


def _value(seg: Segment, i: int, j: int | None = None) -> str:
    try:
        v = seg.elements[i]
    except IndexError:
        return ""
    if j is None:
        return v if isinstance(v, str) else (v[0] if v else "")
    if isinstance(v, str):
        return v if j == 0 else ""
    return v[j] if j < len(v) else ""


def paxlst_read(text: str) -> Flight:
    """Parse a PAXLST interchange (PaxlstInvalid if it is not one, or its count is wrong)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pydifact ships no syntax v4 directory
            interchange = Interchange.from_str(text)
        segments: Sequence[Segment] = list(interchange.segments)
    except Exception as exc:  # pydifact raises several kinds on malformed input
        raise PaxlstInvalid(
            gettext("The file is not a readable EDIFACT message."),
            details={"paxlst": [str(exc)[:200]]},
        ) from exc
    if not any(s.tag == "UNH" and "PAXLST" in str(s.elements) for s in segments):
        raise PaxlstInvalid(gettext("The message is not a PAXLST."), details={"paxlst": ["UNH"]})
    flight_number = origin = destination = ""
    departure = None
    passengers: list[Passenger] = []
    current: dict[str, object] | None = None

    def close() -> None:
        if current is not None:
            passengers.append(Passenger(**current))  # type: ignore[arg-type]

    for seg in segments:
        tag = seg.tag
        if tag == "TDT":
            flight_number = _value(seg, 1)
        elif tag == "LOC" and current is None:
            if _value(seg, 0) == "125":
                origin = _value(seg, 1)
            elif _value(seg, 0) == "87":
                destination = _value(seg, 1)
        elif tag == "DTM" and current is None and _value(seg, 0, 0) == "189":
            departure = _date(_value(seg, 0, 1))
        elif tag == "NAD" and _value(seg, 0) == "FL":
            close()
            current = {
                "surname": _value(seg, 3, 0),
                "given_names": _value(seg, 3, 1),
                "sex": "",
                "date_of_birth": None,
                "nationality": "",
                "document_kind": "",
                "document_number": "",
                "document_expiry": None,
                "issuing_state": "",
            }
        elif current is not None:
            if tag == "ATT":
                current["sex"] = _value(seg, 2)
            elif tag == "DTM" and _value(seg, 0, 0) == "329":
                current["date_of_birth"] = _date(_value(seg, 0, 1))
            elif tag == "DTM" and _value(seg, 0, 0) == "36":
                current["document_expiry"] = _date(_value(seg, 0, 1))
            elif tag == "NAT":
                current["nationality"] = _alpha2(_value(seg, 1))
            elif tag == "DOC":
                current["document_kind"] = _DOC_KINDS.get(_value(seg, 0, 0), "other")
                current["document_number"] = _value(seg, 1)
            elif tag == "LOC" and _value(seg, 0) == "91":
                current["issuing_state"] = _alpha2(_value(seg, 1))
        if tag == "CNT":
            close()
            current = None
            if _value(seg, 0, 1) != str(len(passengers)):
                raise PaxlstInvalid(
                    gettext("The message counts %(n)s passengers and lists %(m)d.")
                    % {"n": _value(seg, 0, 1), "m": len(passengers)},
                    details={"paxlst": ["CNT"]},
                )
    close()
    return Flight(flight_number, origin, destination, departure, tuple(passengers))
