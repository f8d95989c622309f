"""ICAO 9303 machine-readable zones: check digits (the specimen of Doc 9303 part 4)."""

from __future__ import annotations

import pytest

from ikaze.movements.errors import MrzCheckDigit
from ikaze.movements.mrz import check_digit, mrz_parse

SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<L898902C36UTO7408122F1204159ZE184226B<<<<<10"
)


def test_check_digits_of_the_icao_specimen() -> None:
    assert check_digit("L898902C3") == "6"
    assert check_digit("740812") == "2"
    assert check_digit("120415") == "9"


def test_specimen_parses() -> None:
    m = mrz_parse(SPECIMEN[:44] + "\n" + SPECIMEN[44:])
    assert (m.surname, m.given_names, m.document_number, m.nationality, m.sex) == (
        "ERIKSSON",
        "ANNA MARIA",
        "L898902C3",
        "UTO",
        "F",
    )


def test_a_wrong_check_digit_is_refused_naming_the_field() -> None:
    bad = SPECIMEN[:44] + "L898902C37" + SPECIMEN[54:]
    with pytest.raises(MrzCheckDigit) as exc:
        mrz_parse(bad)
    assert exc.value.details == {"mrz": ["document_number", "composite"]}
    assert exc.value.code == "mrz_check_digit"
