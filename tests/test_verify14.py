"""Finds of the issue 14 verification (the office head's reports and exports): each test
fails on the code as it was found."""

from __future__ import annotations

import shutil

from ppks_cli import exports
from ppks_cli.errors import ExitCode
from ppks_cli.store import Repository

from conftest import SAMPLE, run_ppks

# --- output files ---------------------------------------------------------------------------


def test_export_to_dash_writes_no_file_named_dash(tmp_path):
    # `ppks export cases -o -` wrote every client's name, NIK and phone to a file named
    # "-" in the working folder (the repository itself, where `git add .` takes it), and
    # said "written to -"; `ppks report -o -` and `ppks letters -o -` refuse it.
    root = tmp_path / "kasus"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".ppks-cache"))
    for args in (["export", "cases", "--format", "csv"],
                 ["export", "records", "--format", "jsonl", "--anonymise"]):  # fmt: skip
        done = run_ppks("--root", str(root), *args, "-o", "-", cwd=root)
        assert done.returncode == ExitCode.INVALID_INPUT, done.stdout + done.stderr
        assert "'-'" in done.stderr
        assert not (root / "-").exists()


# --- periods --------------------------------------------------------------------------------


def test_from_after_to_names_the_options_given(repo):
    # `ppks report --from 2024-03-01 --to 2024-02-01` said "--since 2024-03-01 falls after
    # --until 2024-02-01": options report does not have.
    done = run_ppks("--root", str(repo.root), "--lang", "en", "report",
                    "--from", "2024-03-01", "--to", "2024-02-01")  # fmt: skip
    assert done.returncode == ExitCode.INVALID_INPUT
    assert "--from 2024-03-01" in done.stderr and "--to 2024-02-01" in done.stderr
    assert "--since" not in done.stderr and "--until" not in done.stderr


# --- several repositories -------------------------------------------------------------------


def test_the_same_repository_twice_is_refused_not_counted_twice(repo, tmp_path):
    # `ppks report --root A --root A` (or A and A/, or A and a clone of A) gave each count
    # twice, its total the double of the office's: a province adding a city twice.
    copy = tmp_path / "copy"
    shutil.copytree(repo.root, copy)
    for second in (repo.root, str(repo.root) + "/", copy):
        done = run_ppks("report", "--month", "2024-06", "--root", str(repo.root),
                        "--root", str(second), "--json")  # fmt: skip
        assert done.returncode == ExitCode.INVALID_INPUT, done.stdout
        assert str(repo.root) in done.stderr and done.stdout == ""


def test_several_roots_before_the_command_are_not_silently_one(repo, tmp_path):
    # `ppks --root A --root B report …` (the global option given twice) reported B alone,
    # without a word: the office head read one office's figures as both.
    other = Repository.create(tmp_path / "shelter", "UPT Shelter")
    done = run_ppks("--root", str(repo.root), "--root", str(other.root), "report",
                    "--month", "2024-06", "--json")  # fmt: skip
    assert done.returncode == ExitCode.INVALID_INPUT, done.stdout
    assert "ppks report --root" in done.stderr and done.stdout == ""
    one = run_ppks("--root", str(repo.root), "report", "--month", "2024-06", "--json")
    assert one.returncode == 0, one.stderr


# --- anonymised exports ---------------------------------------------------------------------


def test_keep_text_replaces_an_address_part_written_without_its_prefix():
    # "Desa Bandar Klippa, Kec. Percut Sei Tuan, Kabupaten Deli Serdang" was replaced whole
    # and part by part, but a note saying "Ibu tinggal di Bandar Klippa" kept the village.
    found = exports.Identity()
    found.add("places", "Desa Bandar Klippa, Kec. Percut Sei Tuan, Kabupaten Deli Serdang")
    found.add("places", "Kel. Sei Sikambing B, Kecamatan Medan Sunggal")
    found.add("places", "Dusun III Sukamaju, Kab. Langkat")
    scrub = exports.Scrubber(found)
    text = scrub("Ibu tinggal di Bandar Klippa, nenek di Sei Sikambing B dekat Percut Sei "
                 "Tuan; paman di Sukamaju, Langkat; kakak di Deli Serdang")  # fmt: skip
    for value in ("Klippa", "Sikambing", "Percut", "Sukamaju", "Langkat", "Serdang"):
        assert value not in text, text
    # the city and its kecamatan stay: public geography, every client's
    assert scrub("di Medan Sunggal, Medan") == "di Medan Sunggal, Medan"


def test_keep_text_export_of_the_sample_hides_a_village_named_in_a_note(tmp_path):
    root = tmp_path / "kasus"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".ppks-cache"))
    done = run_ppks("--root", str(root), "--no-commit", "note", "2024-20VEM",
                    "Ibu tinggal di Bandar Klippa, dekat Percut Sei Tuan")  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = tmp_path / "r.jsonl"
    done = run_ppks("--root", str(root), "export", "records", "--anonymise", "--keep-text",
                    "-o", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "Klippa" not in text and "Percut" not in text
