"""`ikaze match FILE`: JSON pairs for a CSV against a registry file."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.management import CommandError, call_command

REGISTRY_CSV = (
    "unique_id,given_names,first_surname,second_surname,full_name,sex,date_of_birth,nationality,document_number\n"
    "r1,María José,García,Pérez,,F,1990-03-04,SV,\n"
    "r2,María Fernanda,García,Pérez,,F,1990-03-04,SV,\n"
    "r3,Juan Carlos,Hernández,Vallejo,,M,1985-11-20,HN,X9\n"
)


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("match", *args, stdout=out)
    return json.loads(out.getvalue())


def test_match_prints_pairs_as_json(tmp_path):
    registry = tmp_path / "registry.csv"
    registry.write_text(REGISTRY_CSV, encoding="utf-8")
    incoming = tmp_path / "in.csv"
    # BOM, no unique_id column, only the full name for the second row.
    incoming.write_text(
        "\ufeffgiven_names,first_surname,full_name,date_of_birth,sex,nationality\n"
        "MARIA JOSE,GARCIA,,1990-04-03,F,SV\n"
        ",,Juan Carlos Ernandez Bayejo,1985-11-20,,\n",
        encoding="utf-8",
    )
    result = run(str(incoming), "--registry", str(registry), "--model-dir", str(tmp_path / "m"))
    assert result["rows"] == 2
    assert result["registry"] == 3
    found = {(p["left_id"], p["right_id"]) for p in result["pairs"]}
    assert found == {("row-1", "r1"), ("row-2", "r3")}
    assert result["candidates"] == 2
    assert all(p["within_batch"] is False for p in result["pairs"])


def test_match_refuses_a_file_without_names(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("colour,size\nred,2\n", encoding="utf-8")
    with pytest.raises(CommandError, match="needs at least one of the columns"):
        run(str(bad), "--registry", str(bad))


# ----- bad input: read by a stated rule, or refused naming the row and column (issue 12) ----

from ikaze.people.management.commands.match import read_people  # noqa: E402


def write(tmp_path, text: str, name: str = "in.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_three_letter_nationality_codes_and_names_become_alpha_2(tmp_path):
    path = write(
        tmp_path,
        "given_names,first_surname,nationality\nAna,Paz,VEN\nLuis,Ríos,col\nEva,Sol,Venezuela\n"
        "Rosa,Gil,sv\nJuan,Luna,\n",
    )
    assert read_people(path)["nationality"].to_list() == ["VE", "CO", "VE", "SV", None]


def test_an_unknown_nationality_is_refused_naming_row_and_column(tmp_path):
    path = write(tmp_path, "given_names,first_surname,nationality\nAna,Paz,VE\nLuis,Ríos,XYZ\n")
    with pytest.raises(CommandError, match=r"row 2, column nationality: 'XYZ'"):
        read_people(path)


def test_dates_with_the_year_last_are_read_day_first(tmp_path):
    path = write(
        tmp_path,
        "given_names,first_surname,date_of_birth\nAna,Paz,04/08/1981\nLuis,Ríos,25-12-1990\n"
        "Eva,Sol,1.2.2003\nRosa,Gil,1979-06-30\nJuan,Luna,1979/6/3\nPia,Mar,\n",
    )
    assert read_people(path)["date_of_birth"].to_list() == [
        "1981-08-04",
        "1990-12-25",
        "2003-02-01",
        "1979-06-30",
        "1979-06-03",
        None,
    ]


@pytest.mark.parametrize("value", ["31/02/1981", "08/13/1981x", "13/25/1981", "81-08-04", "ayer"])
def test_a_date_that_is_not_one_is_refused_naming_row_and_column(tmp_path, value):
    path = write(
        tmp_path, f"given_names,first_surname,date_of_birth\nAna,Paz,\nLuis,Ríos,{value}\n"
    )
    with pytest.raises(CommandError, match=rf"row 2, column date_of_birth: '{re.escape(value)}'"):
        read_people(path)


def test_sex_words_are_read_and_others_refused(tmp_path):
    path = write(tmp_path, "given_names,sex\nA,mujer\nB,Hombre\nC,female\nD,F\nE,masculino\nF,\n")
    assert read_people(path)["sex"].to_list() == ["F", "M", "F", "F", "M", None]
    bad = write(tmp_path, "given_names,sex\nA,F\nB,X\n", "bad.csv")
    with pytest.raises(CommandError, match=r"row 2, column sex: 'X'"):
        read_people(bad)


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_other_separators_are_detected(tmp_path, sep):
    rows = [
        ["given_names", "first_surname", "date_of_birth", "nationality"],
        ["María José", "García", "04/03/1990", "SLV"],
    ]
    path = write(tmp_path, "\n".join(sep.join(r) for r in rows) + "\n")
    frame = read_people(path)
    assert frame.row(0, named=True) | {"unique_id": None} == {
        "unique_id": None,
        "given_names": "María José",
        "first_surname": "García",
        "second_surname": None,
        "full_name": None,
        "sex": None,
        "date_of_birth": "1990-03-04",
        "nationality": "SV",
        "document_number": None,
    }


def test_a_file_whose_separator_is_unknown_is_refused_showing_its_header(tmp_path):
    path = write(tmp_path, "given_names:first_surname\nAna:Paz\n")
    with pytest.raises(
        CommandError, match=r"'given_names:first_surname' split on any separator \(comma, semicolon"
    ):
        read_people(path)


def test_a_semicolon_file_with_alpha_3_and_day_first_dates_links_like_a_clean_one(tmp_path):
    registry = write(tmp_path, REGISTRY_CSV, "registry.csv")
    incoming = write(
        tmp_path,
        "given_names;first_surname;second_surname;date_of_birth;sex;nationality\n"
        "Juan Carlos;Hernández;Vallejo;20/11/1985;hombre;HND\n",
    )
    result = run(str(incoming), "--registry", str(registry), "--model-dir", str(tmp_path / "m"))
    assert [(p["left_id"], p["right_id"]) for p in result["pairs"]] == [("row-1", "r3")]
