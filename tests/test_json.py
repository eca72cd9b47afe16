"""Every command's ``--json`` parses and carries exactly the keys the README documents
("JSON output"), and every command that has ``--json`` is in that table."""

from __future__ import annotations

import json
import re

import pytest
import typer.main

from ppks_cli.commands.app import build_app

from conftest import NEW_MR_ARGS, PROJECT, Cli, git

CASEWORK = ("assess", "plan", "intervene", "refer", "evaluate", "terminate", "follow-up",
            "reopen", "note", "approve")  # fmt: skip


def documented() -> dict[str, tuple[bool, set[str]]]:
    """README table: command → (is a list, keys)."""
    text = (PROJECT / "README.md").read_text()
    block = text.split("<!-- json-keys:begin -->")[1].split("<!-- json-keys:end -->")[0]
    table: dict[str, tuple[bool, set[str]]] = {}
    for line in block.splitlines():
        if not line.startswith("| `ppks"):
            continue
        names_cell, keys_cell = line.strip("|").split("|")[:2]
        keys_cell = re.sub(r"\(.*?\)", "", keys_cell)  # "(with --as-of, also as_of)"
        keys = set(re.findall(r"`([a-z0-9_]+)`", keys_cell))
        is_list = keys_cell.strip().startswith("list of")
        first, *more = re.findall(r"`([^`]+)`", names_cell)
        for name in [first, *(f"ppks {m}" for m in more)]:
            table[name.removeprefix("ppks ")] = (is_list, keys)
    return table


def json_commands() -> set[str]:
    found = set()

    def walk(group, prefix=""):
        for name, sub in group.commands.items():
            full = f"{prefix} {name}".strip()
            if hasattr(sub, "commands"):
                walk(sub, full)
            elif any("--json" in p.opts for p in sub.params):
                found.add(full)

    walk(typer.main.get_command(build_app()))
    return found


def test_every_json_command_is_documented():
    assert json_commands() <= set(documented()), json_commands() - set(documented())


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """A repository in git with a remote, a case through every step, and a bundle."""
    base = tmp_path_factory.mktemp("json")
    remote = base / "remote.git"
    git("init", "-q", "--bare", "-b", "main", str(remote), cwd=base)
    cli = Cli(None)
    root = base / "kasus"
    assert cli("init", str(root), "--worker", "Saskia").exit_code == 0
    config = root / "ppks.toml"
    sample = (PROJECT / "cases" / "ppks.toml").read_text()
    config.write_text(sample.replace("auto_commit = false", "auto_commit = true"))
    git("add", "-A", cwd=root)
    git("commit", "-qm", "settings", cwd=root)
    git("remote", "add", "origin", str(remote), cwd=root)
    return root


def keys_of(value, is_list):
    if is_list:
        assert isinstance(value, list) and value, value
        return set().union(*(set(item) for item in value))
    assert isinstance(value, dict)
    return set(value)


def test_every_command_prints_the_documented_keys(office, tmp_path):
    cli = Cli(office)
    table = documented()
    seen: set[str] = set()

    def check(name: str, *args: str, optional: set[str] = frozenset()):
        result = cli(*args, "--json")
        assert result.exit_code == 0, (args, result.output)
        is_list, keys = table[name]
        found = keys_of(json.loads(result.stdout), is_list)
        assert keys - optional <= found <= keys | optional, (name, found ^ keys)
        seen.add(name)
        return json.loads(result.stdout)

    case_id = check("new-case", *NEW_MR_ARGS, "--worker", "Saskia")["id"]
    steps = {
        "assess": ["--problem", "Konflik dengan keluarga", "--date", "2024-02-20"],
        "approve": ["assessment", "--by", "Kepala Seksi", "--date", "2024-02-21"],
        "plan": ["--goal", "Pulang", "--date", "2024-02-23"],
        "intervene": ["--kind", "home-visit", "--note", "Kunjungan", "--date", "2024-03-01"],
        "refer": ["--to", "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai",
                  "--reason", "x", "--consent", "yes", "--date", "2024-06-20"],
        "note": ["Catatan", "--date", "2024-06-21"],
        "transfer": ["--to", "Dewi Lubis", "--reason", "Magang selesai", "--date", "2024-06-21"],
        "evaluate": ["--progress", "Baik", "--decision", "terminate", "--date", "2024-06-25"],
        "terminate": ["--reason", "referred", "--outcome", "Di UPT", "--date", "2024-06-30"],
        "follow-up": ["--findings", "Sehat", "--date", "2024-07-30"],
        "reopen": ["--reason", "Kembali ke jalan", "--date", "2024-09-01"],
    }  # fmt: skip
    for step, args in steps.items():
        worker = [] if step == "approve" else ["--worker", "Saskia"]
        check(step, step, case_id, *args, *worker)
    check("edit", "edit", case_id, "--name", "Rahmat Siregar", "--reason", "data KTP",
          "--worker", "Saskia")  # fmt: skip
    sibling, twin = (json.loads(cli(*NEW_MR_ARGS, "--yes", "--json").stdout)["id"]
                     for _ in range(2))  # fmt: skip
    check("link", "link", sibling, case_id, "--as", "saudara", "--worker", "Saskia")
    check("merge", "merge", case_id, twin, "--reason", "Orang yang sama", "--worker", "Saskia")
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 scan")
    attached = check("attach", "attach", case_id, str(scan), "--kind", "ktp", "--worker",
                     "Saskia")["record"]["id"]  # fmt: skip
    check("attachment export", "attachment", "export", case_id, attached,
          str(tmp_path / "kembali.pdf"))  # fmt: skip
    check("list", "list")
    check("export", "export", "records", "-o", str(tmp_path / "catatan.xlsx"))
    text_keys = {"record", "record_kind", "field", "snippet"}
    check("search", "search", "MR", optional=text_keys)
    check("search", "search", "Konflik", "--text")
    check("due", "due", "--all")
    check("show", "show", case_id)
    check("letter", "letter", case_id, "referral", "--worker", "Saskia", optional={"text"})
    check("letter", "letter", case_id, "referral", "--format", "pdf", "-o",
          str(tmp_path / "r.pdf"), "--worker", "Saskia", optional={"text"})  # fmt: skip
    check("letter --list", "letter", "--list")
    check("letter", "letter", case_id, "referral", "--issue", "--worker", "Saskia",
          optional={"text"})  # fmt: skip
    check("letters", "letters")
    check("letters", "letters", "--kind", "referral")
    check("letters -o FILE", "letters", "--format", "csv", "-o", str(tmp_path / "agenda.csv"))
    check("templates export", "templates", "export")
    assert git("status", "--porcelain", cwd=office) == ""  # export committed what it wrote
    check("history", "history", case_id)
    check("status", "status")
    check("sync", "sync")
    check("bundle export", "bundle", "export", str(tmp_path / "kasus.bundle"))
    check("bundle import", "bundle", "import", str(tmp_path / "kasus.bundle"))
    check("check", "check")
    check("clone", "clone", str(tmp_path / "kasus.bundle"), str(tmp_path / "klon"))
    check("migrate", "migrate", "--dry-run")
    check("categories", "categories")
    check("report", "report", "--year", "2024")
    check("shelter admit", "shelter", "admit", case_id, "--date", "2024-09-02", "--bed", "1",
          "--worker", "Saskia")  # fmt: skip
    check("shelter list", "shelter", "list", "--on", "2024-09-05")
    check("shelter occupancy", "shelter", "occupancy", "--month", "2024-09")
    check("shelter discharge", "shelter", "discharge", case_id, "--to", "home", "--date",
          "2024-09-06", "--worker", "Saskia")  # fmt: skip
    raid = check("raid new", "raid", "new", "--date", "2024-06-12", "--place", "Simpang Pos",
                 "--team", "Saskia", "--agency", "Satpol PP", "--worker", "Saskia")["id"]
    sheet = tmp_path / "razia.csv"
    sheet.write_text("nama;jenis kelamin;umur;kategori;tindak lanjut;tujuan;kasus\n"
                     "Butet Simanjuntak;P;30;pengemis;rsud;RSUD Dr. Pirngadi;\n"
                     f"MR;L;49;pengemis;singgah;;{case_id}\n", encoding="utf-8")
    check("raid add", "raid", "add", raid, "--from", str(sheet), "--worker", "Saskia")
    check("raid list", "raid", "list")
    check("raid show", "raid", "show", raid)
    check("raid print", "raid", "print", raid, optional={"text"})
    check("raid new", "raid", "edit", raid, "--note", "Razia pagi", "--reason", "lupa",
          "--worker", "Saskia")
    check("raid edit", "raid", "edit", raid, "--note", "Razia siang", "--reason", "salah",
          "--worker", "Saskia")
    check("init", "init", str(tmp_path / "baru"))
    shown = json.loads(cli("show", case_id, "--as-of", "HEAD", "--json").stdout)
    assert set(shown) == table["show"][1] | {"as_of"}
    assert set(table) - seen == set(), set(table) - seen
