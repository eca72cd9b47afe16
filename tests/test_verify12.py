"""Finds of the issue 12 verification (an Indonesian intern and an English-speaking
volunteer at a real terminal): each test fails on the code as it was found."""

import json

import pytest

from ppks_cli import choices
from ppks_cli.commands import _common
from ppks_cli.errors import InvalidInput

from conftest import NEW_MR_ARGS


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)


def opened(cli, *args) -> str:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout[result.stdout.index("{") :])["id"]


# --- answers in the words shown -------------------------------------------------------


@pytest.mark.parametrize("word", ["janda", "Janda", "duda"])
def test_janda_or_duda_alone_is_not_silently_widowed(word):
    # "janda"/"duda" is a woman/man once married: divorced (janda cerai) or widowed (janda
    # mati). It was taken as the beginning of the synonym "janda mati" and stored as
    # cerai-mati without a word; it fits two choices, so it is refused naming both.
    with pytest.raises(InvalidInput) as caught:
        choices.MARITAL_STATUS.parse(word, "--marital-status")
    message = str(caught.value)
    assert "cerai-hidup" in message and "cerai-mati" in message


@pytest.mark.parametrize(
    ("choice_list", "typed", "code"),
    [("education", "SMA / sederajat", "sma"),
     ("education", "Tidak / belum sekolah", "tidak-sekolah"),
     ("source", "Razia/terjaring penertiban", "street-raid"),
     ("source", "razia /terjaring penertiban", "street-raid")],
)  # fmt: skip
def test_a_label_with_a_slash_is_read_whatever_the_spaces_around_it(choice_list, typed, code):
    # the label reads "SMA/sederajat", "Razia / terjaring penertiban": answers are
    # space-insensitive, so the spaces around the slash do not matter either
    assert choices.all_lists()[choice_list].parse(typed, "--x") == code


# --- one language at a time: argument names in Indonesian errors ----------------------


def test_an_unknown_letter_kind_names_the_argument_in_indonesian(cli, mr_case):
    result = cli("letter", mr_case.id, "surat-sakti")
    assert result.exit_code == 3, result.output
    assert "KIND" not in result.stderr and "JENIS" in result.stderr, result.stderr


def test_an_unknown_approval_stage_names_the_argument_in_indonesian(cli, mr_case):
    result = cli("approve", mr_case.id, "intervensi", "--by", "Supervisor")
    assert result.exit_code == 3, result.output
    assert "STAGE" not in result.stderr and "TAHAP" in result.stderr, result.stderr


def test_a_note_without_text_in_a_script_names_the_argument_in_indonesian(cli, mr_case):
    result = cli("note", mr_case.id, "--worker", "Saskia")
    assert result.exit_code == 3, result.output
    assert "TEXT" not in result.stderr and "TEKS" in result.stderr, result.stderr


@pytest.mark.parametrize(("lang", "command"), [("id", "transfer"), ("en", "transfer"),
                                               ("id", "clone"), ("en", "clone")])  # fmt: skip
def test_an_optional_argument_is_shown_once_bracketed_in_usage(cli, lang, command):
    # "Penggunaan: ppks transfer [OPSI] [[KASUS]]": an optional argument in two pairs
    result = cli(command, "--help", lang=lang)
    assert result.exit_code == 0, result.output
    usage = result.stdout.splitlines()[0]
    assert "[[" not in usage and "]]" not in usage, usage


# --- case IDs as people say them, at the duplicate question of new-case ----------------


@pytest.mark.parametrize("how", ["suffix", "prefix", "lower", "en-dash"])
def test_the_duplicate_question_takes_the_case_id_as_people_type_it(cli, terminal, how):
    # the question offers "nomor, ID kasus, baru atau batal"; a case ID is found by its
    # suffix, a unique prefix, in any letter case, with an en dash everywhere else
    existing = opened(cli, *NEW_MR_ARGS)
    year, suffix = existing.split("-")
    typed = {
        "suffix": suffix, "prefix": existing[:7], "lower": existing.lower(),
        "en-dash": f"{year}\u2013{suffix}",
    }[how]  # fmt: skip
    result = cli(*NEW_MR_ARGS, input=typed + "\n")
    assert result.exit_code == 0, result.output
    assert "Galat" not in result.stderr, result.stderr
    assert existing in result.stdout
    listed = json.loads(cli("list", "--json").stdout)
    assert [row["id"] for row in listed] == [existing]  # no second case opened


# --- family members: the relation list takes its labels back ---------------------------


@pytest.mark.parametrize(
    ("lang", "typed", "stored"),
    [("en", "older sibling", "kakak"), ("en", "mother", "ibu"), ("en", "Other relative", "kerabat"),
     ("id", "kerabat lain", "kerabat"), ("id", "Kerabat Lain", "kerabat")],
)  # fmt: skip
def test_a_family_relation_typed_as_its_label_is_stored_as_the_listed_word(lang, typed, stored):
    # the prompt shows "6) kakak — older sibling", "13) kerabat — kerabat lain"; the
    # label typed back was stored as typed ("older sibling" in an Indonesian file)
    from ppks_cli import i18n, intake

    i18n.set_language(lang)
    assert intake.parse_family_relation(typed) == stored


# --- referral destinations: a number not shown, a part naming two --------------------

TWO_BINJAI = """
[[resources]]
name = "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"

[[resources]]
name = "UPT Pelayanan Sosial Lanjut Usia Binjai dan Medan"
"""


def _destination(cli, case_id) -> str:
    shown = json.loads(cli("show", case_id, "--json").stdout)
    (referral,) = [r for r in shown["records"] if r["kind"] == "referral"]
    return referral["destination"]


def test_a_destination_number_not_shown_is_asked_again(cli, repo, mr_case, terminal):
    # the prompt numbers the directory 1) and 2); "99" was recorded as an institution
    # named "99" (and "5" too when the directory is empty)
    with (repo.root / "ppks.toml").open("a", encoding="utf-8") as f:
        f.write(TWO_BINJAI)
    result = cli("refer", mr_case.id, "--worker", "Saskia", input="99\n1\nya\nAlasan\n\n")
    assert result.exit_code == 0, result.output
    assert "99" in result.stderr and "Galat" in result.stderr, result.stderr
    assert _destination(cli, mr_case.id) == "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"


@pytest.mark.parametrize("how", ["flag", "prompt"])
def test_a_destination_part_that_names_two_institutions_is_refused(cli, repo, mr_case, terminal,
                                                                   how):  # fmt: skip
    # "a unique part of the name is enough": "binjai" is part of two names, and was
    # recorded as a new institution called "binjai"
    with (repo.root / "ppks.toml").open("a", encoding="utf-8") as f:
        f.write(TWO_BINJAI)
    if how == "flag":
        result = cli("refer", mr_case.id, "--to", "binjai", "--reason", "Alasan", "--consent",
                     "ya", "--worker", "Saskia")  # fmt: skip
        assert result.exit_code != 0, result.output
        assert "Gelandangan" in result.stderr and "Lanjut Usia" in result.stderr, result.stderr
    else:
        result = cli("refer", mr_case.id, "--worker", "Saskia", input="binjai\n1\nya\nAlasan\n\n")
        assert result.exit_code == 0, result.output
        assert _destination(cli, mr_case.id) != "binjai"


# --- plausibility warnings in check follow the client's corrected data ----------------


def test_check_stops_warning_once_the_fix_it_names_was_made(cli):
    # check says: "ppks edit ID --category … --reason …" and "ppks edit ID --phone 08…";
    # after those corrections it still warned, reading only the intake's case.toml
    args = [a if a != "pengemis" else "anak-jalanan" for a in NEW_MR_ARGS]
    case_id = opened(cli, *args, "--phone", "0812 345")
    codes = {p["code"] for p in json.loads(cli("check", "--json").stdout)["problems"]}
    assert {"warning.child_age", "warning.phone_implausible"} <= codes
    for field, value in (("--category", "pengemis"), ("--phone", "0812-3456-7890")):
        done = cli("edit", case_id, field, value, "--reason", "Salah catat", "--worker", "Saskia")
        assert done.exit_code == 0, done.output
    result = json.loads(cli("check", "--full", "--json").stdout)
    assert result["problems"] == [], result["problems"]


# --- init at a terminal with no name anywhere ------------------------------------------


def test_init_at_a_terminal_without_a_name_asks_it_or_refuses_before_its_question(
    tmp_path, monkeypatch, terminal
):
    # `ppks init baru` asked "Nama kantor", then died on a missing name with "--worker"
    # and PPKS_WORKER: the answer was lost. Ask the name too, or refuse before asking.
    from conftest import Cli

    for name in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME", "GIT_AUTHOR_EMAIL",
                 "GIT_COMMITTER_EMAIL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    result = Cli(None)("init", str(tmp_path / "baru"), input="Dinas Sosial\nSaskia\n")
    if result.exit_code == 0:
        assert "Saskia" in (tmp_path / "baru" / ".git" / "config").read_text()
    else:
        assert "Nama kantor" not in result.output, result.output
