"""`ikaze match FILE`: JSON pairs for a CSV against a registry file."""

from __future__ import annotations

import io
import json

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
