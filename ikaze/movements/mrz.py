"""Machine-readable zones of travel documents (ICAO Doc 9303): parse and verify check digits.

TD3 (passports: two lines of 44 characters) and TD1 (identity cards and some travel documents:
three lines of 30). A document reader that emulates a keyboard types the lines one after the
other, so line breaks may be missing: the length decides the format.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext

from ikaze.core import clock
from ikaze.core.errors import ValidationError
from ikaze.movements.errors import MrzCheckDigit

_WEIGHTS = (7, 3, 1)


def check_digit(field: str) -> str:
    """The ICAO 9303 check digit of a field: digits as themselves, A-Z as 10-35, < as 0,
    weighted 7, 3, 1 in turn, modulo 10."""
    total = 0
    for i, ch in enumerate(field):
        if ch.isdigit():
            value = int(ch)
        elif "A" <= ch <= "Z":
            value = ord(ch) - 55
        elif ch == "<":
            value = 0
        else:
            raise ValidationError.for_field(
                "mrz", gettext("Not a machine-readable zone character.")
            )
        total += value * _WEIGHTS[i % 3]
    return str(total % 10)


@dataclass(frozen=True)
class Mrz:
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    date_of_birth: str  # YYMMDD as printed
    sex: str
    expiry: str  # YYMMDD


def _name(field: str) -> tuple[str, str]:
    surname, _sep, given = field.partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


def mrz_parse(text: str) -> Mrz:
    """Parse a TD3 or TD1 machine-readable zone and verify every check digit (MrzCheckDigit
    naming the field whose digit is wrong)."""
    raw = "".join(text.split()).upper()
    checks: list[tuple[str, str, str]] = []
    if len(raw) == 88:
        l1, l2 = raw[:44], raw[44:]
        surname, given = _name(l1[5:44])
        mrz = Mrz(
            l1[0:2].replace("<", ""),
            l1[2:5].replace("<", ""),
            surname,
            given,
            l2[0:9].replace("<", ""),
            l2[10:13].replace("<", ""),
            l2[13:19],
            l2[20],
            l2[21:27],
        )
        checks = [
            ("document_number", l2[0:9], l2[9]),
            ("date_of_birth", l2[13:19], l2[19]),
            ("expiry", l2[21:27], l2[27]),
            ("composite", l2[0:10] + l2[13:20] + l2[21:43], l2[43]),
        ]
        if l2[28:42].strip("<"):
            checks.append(("personal_number", l2[28:42], l2[42]))
    elif len(raw) == 90:
        l1, l2, l3 = raw[:30], raw[30:60], raw[60:]
        surname, given = _name(l3)
        mrz = Mrz(
            l1[0:2].replace("<", ""),
            l1[2:5].replace("<", ""),
            surname,
            given,
            l1[5:14].replace("<", ""),
            l2[15:18].replace("<", ""),
            l2[0:6],
            l2[7],
            l2[8:14],
        )
        checks = [
            ("document_number", l1[5:14], l1[14]),
            ("date_of_birth", l2[0:6], l2[6]),
            ("expiry", l2[8:14], l2[14]),
            ("composite", l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29], l2[29]),
        ]
    else:
        raise ValidationError.for_field(
            "mrz", gettext("A machine-readable zone has 2 lines of 44 or 3 lines of 30 characters.")
        )
    wrong = [name for name, field, digit in checks if check_digit(field) != digit]
    if wrong:
        raise MrzCheckDigit(
            gettext("A check digit of the machine-readable zone is wrong: %(fields)s.")
            % {"fields": ", ".join(wrong)},
            details={"mrz": wrong},
        )
    return mrz


def mrz_date(yymmdd: str, *, future: bool = False) -> dt.date:
    """A YYMMDD date of a zone; birth dates are in the past, expiry dates may be ahead."""
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])
    this = clock.today_local().year % 100
    century = 2000 if (yy <= this + (20 if future else 0)) else 1900
    return dt.date(century + yy, mm, dd)
