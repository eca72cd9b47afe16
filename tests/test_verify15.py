"""Finds of the issue 15 verification (a social worker entering street raids and running
the rumah singgah): each test fails on the code as it was found."""

from __future__ import annotations

import json
from pathlib import Path

from test_raids import RAID_DATE, new_raid, write_csv
from test_raids import office as office  # noqa: F401  (the fixture)

from conftest import Cli

HEADER = ["Nama", "Jenis Kelamin", "Umur", "Kategori", "Tindak lanjut", "Kasus"]


def sheet(tmp_path: Path, rows: list[list[str]], name: str = "r.csv") -> str:
    return str(write_csv(tmp_path / name, rows, header=HEADER))


def added(cli: Cli, raid: str, path: str, *more: str) -> dict:
    done = cli("raid", "add", raid, "--from", path, "--json", *more)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


# --- how many times a person was caught ------------------------------------------------------


def test_a_client_taken_in_from_a_street_raid_was_caught_once_already(git_office, tmp_path):
    # MR's case was opened from a street raid (source street-raid, 16 February) before
    # `ppks raid` existed; caught again in July, the catch was numbered 1 ("terjaring ke-1
    # kali") and a third catch was never flagged: Medan's third-catch rule missed him.
    root, mr = git_office
    cli = Cli(root)
    numbers = []
    for date in ("2024-07-01", "2024-07-15"):
        raid = new_raid(cli, date, "Simpang Pos")
        result = added(cli, raid, sheet(tmp_path, [["MR", "L", "49", "pengemis", "dilepas", mr]]))
        numbers.append(result["people"][0]["catches"])
        shown = json.loads(cli("raid", "show", raid, "--json").stdout)
        assert shown["people"][0]["catches"] == numbers[-1]
    assert numbers == [2, 3]
    assert result["people"][0]["threshold_reached"] is True
    raids = json.loads(cli("show", mr, "--json").stdout)["raids"]
    assert (raids["count"], raids["reached"], raids["intake"]) == (3, True, "2024-02-16")
    assert "2024-02-16" in cli("show", mr).stdout
    report = json.loads(cli("report", "--month", "2024-07", "--json").stdout)
    figures = {r["key"]: r["total"] for t in report["tables"] if t["name"] == "raids"
               for r in t["rows"]}  # fmt: skip
    assert figures["raid_threshold_reached"] == 1


def test_a_case_a_raid_opened_counts_its_catch_once(office, tmp_path):
    root, cli, _ids = office
    raid = new_raid(cli, RAID_DATE, "Simpang Pos")
    first = added(cli, raid, sheet(tmp_path, [["Wagiman", "L", "40", "pengemis", "dilepas", ""]]))
    case = first["people"][0]["case"]
    assert first["people"][0]["catches"] == 1
    later = new_raid(cli, "2024-07-20", "Simpang Pos")
    again = added(cli, later, sheet(tmp_path, [["Wagiman", "L", "40", "pengemis", "dilepas",
                                                case]]))  # fmt: skip
    assert again["people"][0]["catches"] == 2
    assert json.loads(cli("show", case, "--json").stdout)["raids"]["count"] == 2
