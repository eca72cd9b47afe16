"""Issue 8, sections 3 and 6: one validation for `check` and loading (ranges, lengths,
format specs, control characters), identifiers in any digits, impossible dates refused,
and `init` validating before it creates anything."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from ppks_cli import casework, letters
from ppks_cli.config import RepoConfig, check_number_pattern
from ppks_cli.dates import parse_date
from ppks_cli.errors import DamagedFile, InvalidInput, NikError, PossibleDuplicates
from ppks_cli.intake import NewCase, create_case, parse_age, parse_year, prepare
from ppks_cli.models import Client, Intake, parse_name
from ppks_cli.nik import clean_number, parse_kk, parse_nik
from ppks_cli.store import Repository

from conftest import MR, Cli, snapshot

NIK = "1271010101800001"  # fictional: Medan, born 1 Jan 1980, male
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
CONTROLS = [
    "\x00",
    "\x1b",
    "\x1f",
    "\x1e",
    "\x07",
    "\x08",
    "\r",
    "\x7f",
    "\x9b",
    "\u202e",
    "\u2066",
]
D = dt.date


# --- one validation: control characters, lengths -----------------------------------------


@pytest.mark.parametrize("char", CONTROLS)
def test_single_line_text_refuses_every_control_and_bidi_character(char):
    for field in ("name", "alias", "address", "birth_place", "occupation"):
        with pytest.raises(ValidationError) as err:
            Client(**{"name": "MR", "sex": "L", field: f"a{char}b"})
        assert "validation.control_character" in str(err.value)
    with pytest.raises(ValidationError):
        Intake(date=D(2024, 2, 16), source="walk-in", worker=f"Sas{char}kia")


def test_multi_line_text_keeps_newlines_and_tabs_only():
    assert Intake(date=D(2024, 2, 16), source="walk-in", worker="S", note="a\n\tb").note == "a\n\tb"
    with pytest.raises(ValidationError):
        Intake(date=D(2024, 2, 16), source="walk-in", worker="S", note="a\x1b[2Jb")
    with pytest.raises(ValidationError):  # a newline is not allowed in a one-line value
        Intake(date=D(2024, 2, 16), source="walk-in", worker="S\nT")


def test_lengths_are_capped():
    with pytest.raises(ValidationError, match="validation.too_long"):
        Intake(date=D(2024, 2, 16), source="walk-in", worker="W" * 1_000_000)
    with pytest.raises(ValidationError, match="validation.too_long"):
        Intake(date=D(2024, 2, 16), source="walk-in", worker="S", note="x" * 30_000)
    assert Intake(date=D(2024, 2, 16), source="walk-in", worker="W" * 200).worker == "W" * 200


@pytest.mark.parametrize(
    "pattern",
    ["{seq:q}", "{seq:>99999999999}", "{seq!r}", "{seq.real}", "{seq[0]}", "{0}", "{}",
     "{seq", "seq}", "{code:03d}", "{seq:{year}}", "{seq:099d}", "{seq:,}", "{code}/{year}"],
)  # fmt: skip
def test_number_pattern_allows_only_plain_fields_and_zero_padding(pattern):
    with pytest.raises(ValidationError, match="validation.number_pattern"):
        RepoConfig(office={"name": "X"}, letters={"number_pattern": pattern})


@pytest.mark.parametrize("pattern", ["{seq:03d}", "{code}/{seq:4d}/{month_roman}/{year}", "{seq}"])
def test_good_number_patterns_format(pattern):
    config = RepoConfig(office={"name": "X"}, letters={"number_pattern": pattern})
    assert check_number_pattern(pattern) == pattern
    assert "7" in config.letters.number_pattern.format(
        code="460", seq=7, year=2024, month=2, month_roman="II"
    )


def _config_with(repo: Repository, old: str, new: str) -> None:
    text = repo.paths.config.read_text(encoding="utf-8")
    assert old in text
    repo.paths.config.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("assessment_days = 7", "assessment_days = 99999999999"),
        ('number_pattern = "{code}/{seq}/Dinsos/{year}"', 'number_pattern = "{seq:>99999999999}"'),
        ('number_pattern = "{code}/{seq}/Dinsos/{year}"', 'number_pattern = "{seq:q}"'),
        ('# logo = "templates/logo.png"', 'logo = "templates/lo\\u0000go.png"'),
        ('# worker = "Nama Pekerja Sosial"', 'worker = "Sas\\u001fkia"'),
        ('# worker = "Nama Pekerja Sosial"', 'worker = "' + "W" * 100_000 + '"'),
    ],
)
def test_check_and_loading_refuse_alike(repo, mr_case, old, new):
    _config_with(repo, old, new)
    cli = Cli(repo.root)
    checked = cli("check")
    assert checked.exit_code in (1, 7), checked.output  # 7: the settings cannot be read
    assert "ppks.toml:" in checked.output
    before = snapshot(repo.root)
    for args in (["show", mr_case.id], ["list"], ["note", mr_case.id, "teks", "--worker", "S"]):
        result = cli(*args)
        assert result.exit_code == 7, (args, result.output)
        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        )
    assert snapshot(repo.root) == before


# anything that may land in a field of ppks.toml or case.toml, hostile on purpose
HOSTILE_TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["{seq:q}", "{seq:03d}", "{seq}", ":pile_of_poo:", "[bold]x", "x\x1b[31m",
                     "²", "１９８０", "0", "-1", "99999999999", "\u202eevil", "a\x00b"]),
)  # fmt: skip
FIELDS = st.sampled_from(
    [("ppks.toml", ("defaults", "worker")), ("ppks.toml", ("office", "logo")),
     ("ppks.toml", ("office", "name")), ("ppks.toml", ("letters", "number_pattern")),
     ("ppks.toml", ("letters", "codes", "referral")), ("ppks.toml", ("deadlines", "assessment_days")),
     ("case", ("client", "name")), ("case", ("client", "nik")), ("case", ("client", "phone")),
     ("case", ("client", "birth_year")), ("case", ("intake", "worker")), ("case", ("intake", "date")),
     ("note", ("text",)), ("note", ("worker",)), ("note", ("date",))]
)  # fmt: skip


def _set(data: dict, path: tuple[str, ...], value) -> None:
    for key in path[:-1]:
        data = data.setdefault(key, {})
    data[path[-1]] = value


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(field=FIELDS, text=HOSTILE_TEXT, as_int=st.booleans())
def test_what_check_accepts_every_command_reads(repo, mr_case, field, text, as_int):
    """Property: if `ppks check` exits 0, show, list and a letter preview work too (no
    traceback); if it does not, they refuse with a message, never a traceback."""
    where, path = field
    notes = sorted(mr_case.folder.glob("records/*-note-*.toml"))
    if where == "note" and not notes:
        casework.note(
            repo, repo.load_case(mr_case.id), text="Catatan", date=D(2024, 3, 1), worker="S"
        )
        notes = sorted(mr_case.folder.glob("records/*-note-*.toml"))
    file = {"ppks.toml": repo.paths.config, "case": mr_case.folder / "case.toml"}.get(where)
    file = file or notes[0]
    original = file.read_bytes()
    try:
        data = tomllib.loads(original.decode("utf-8"))
        value: object = text
        if as_int:
            digits = "".join(ch for ch in text if ch in "0123456789-")[:25] or "0"
            try:
                value = int(digits)
            except ValueError:
                value = 0
            if not -(2**63) <= value < 2**63:
                value = 2**63 - 1
        if path in (("intake", "date"), ("date",)) and not as_int:
            value = dt.date(1, 1, 1) if text else dt.date(9999, 12, 31)
        _set(data, path, value)
        file.write_bytes(tomli_w.dumps(data).encode("utf-8"))
        cli = Cli(repo.root)
        checked = cli("check")
        assert checked.exit_code in (0, 1, 7), checked.output  # 7: ppks.toml unreadable
        for args in (
            ["show", mr_case.id],
            ["list"],
            ["status"],
            ["letter", mr_case.id, "assessment", "--preview"],
        ):
            result = cli(*args)
            crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
            assert not crashed, (args, path, value, result.exception)
            if checked.exit_code == 0 and args[0] in ("show", "list"):
                assert result.exit_code == 0, (args, result.output)
    finally:
        file.write_bytes(original)


# --- identifiers in any digits -------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [NIK.translate(FULL_WIDTH), NIK.translate(ARABIC_INDIC), "1271\u00a00101\u200b0180 0001",
     "1271-0101-0180-0001", "\ufeff1271010101800001 "],
)  # fmt: skip
def test_nik_in_other_digits_and_spaces_is_the_same_nik(typed):
    parse_nik(typed)
    assert clean_number(typed) == NIK
    assert Client(name="MR", sex="L", nik=typed).nik == NIK


@pytest.mark.parametrize("typed", ["12710101018000ab", "127101010180000", "1271010101800001x"])
def test_nik_and_kk_refuse_what_is_not_16_ascii_digits(typed):
    with pytest.raises(NikError):
        parse_nik(typed)
    with pytest.raises(NikError):
        parse_kk(typed)


def test_nik_typed_full_width_is_recognised_as_a_duplicate(repo):
    create_case(repo, prepare(NewCase(**{**MR.__dict__, "nik": NIK})))
    again = NewCase(**{**MR.__dict__, "name": "Orang Lain", "nik": NIK.translate(FULL_WIDTH)})
    with pytest.raises(PossibleDuplicates):
        create_case(repo, prepare(again))


@pytest.mark.parametrize(
    "typed", ["²", "¹⁹⁸⁰x", "0", "19800", "٣", "1e3", "", "99999999999999999999"]
)
def test_birth_year_and_age_refuse_non_numbers(typed):
    with pytest.raises(InvalidInput):
        parse_year(typed)
    if typed not in ("0",):
        with pytest.raises(InvalidInput):
            parse_age(typed + "x")


def test_birth_year_and_age_accept_other_digits():
    assert parse_year("１９８０") == 1980
    assert parse_year("١٩٨٠") == 1980
    assert parse_age("٤٥") == 45


@pytest.mark.parametrize(
    "typed",
    [
        "0000-01-01",
        "0001-01-01",
        "1899-12-31",
        "0000-02-29",
        "00-01-2024",
        "2024-٣٣-01",
        "9999-99-99",
    ],
)
def test_bad_dates_are_one_message(typed):
    with pytest.raises(InvalidInput):
        parse_date(typed, option="--date", allow_future=True)


def test_dates_in_other_digits():
    assert parse_date("٢٠٢٤-٠٢-١٦", option="--date") == D(2024, 2, 16)
    assert parse_date("１６/０２/２０２４", option="--date") == D(2024, 2, 16)


@pytest.mark.parametrize(
    "args",
    [["--birth-year", "²"], ["--intake-date", "0000-01-01"], ["--birth-date", "0000-01-01"],
     ["--nik", "1271010101800¹01x"], ["--phone", "0812\x1b[2J"], ["--phone", "call me"],
     ["--worker", "Sas\x1fkia"], ["--name", "M\x00R"], ["--name", "x" * 5000]],
)  # fmt: skip
def test_new_case_refuses_bad_values_with_exit_3_and_writes_nothing(repo, args):
    cli = Cli(repo.root)
    base = ["new-case", "--name", "MR", "--sex", "L", "--category", "pengemis", "--source",
            "walk-in", "--worker", "Saskia", "--yes"]  # fmt: skip
    before = snapshot(repo.root)
    result = cli(*base, *args)
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    assert snapshot(repo.root) == before


def test_phone_in_other_digits_is_stored_in_ascii():
    assert Client(name="MR", sex="L", phone="０８１２\u00a0３４５６").phone == "0812 3456"


# --- the worker, wherever the name comes from ------------------------------------------------


def test_worker_is_validated_from_option_environment_and_settings(repo, mr_case, monkeypatch):
    cli = Cli(repo.root)
    before = snapshot(repo.root)
    assert cli("note", mr_case.id, "teks", "--worker", "A\x1eB").exit_code == 3
    assert cli("note", mr_case.id, "teks", "--worker", "W" * 1_000_000).exit_code == 3
    monkeypatch.setenv("PPKS_WORKER", "Sas\x1bkia")
    result = cli("note", mr_case.id, "teks")
    assert result.exit_code == 3 and "PPKS_WORKER" in result.output
    assert snapshot(repo.root) == before
    with pytest.raises(InvalidInput):
        parse_name("\x00", "--worker")


# --- what cannot be true -------------------------------------------------------------------


def test_birth_year_after_intake_is_refused(repo):
    form = NewCase(**{**MR.__dict__, "birth_year": "2024", "intake_date": "2020-05-01"})
    with pytest.raises(InvalidInput):
        prepare(form)
    form = NewCase(
        **{
            **MR.__dict__,
            "birth_year": None,
            "birth_date": "2021-01-01",
            "intake_date": "2020-05-01",
        }
    )
    with pytest.raises(InvalidInput):
        prepare(form)


def test_a_case_file_born_after_intake_is_a_check_problem(repo, mr_case):
    file = mr_case.folder / "case.toml"
    file.write_text(file.read_text().replace("birth_year = 1975", "birth_year = 2025"))
    assert Cli(repo.root)("check").exit_code == 1
    with pytest.raises(DamagedFile):
        repo.load_case(mr_case.id)


def test_an_age_over_100_is_a_warning_not_an_error():
    client = Client(name="MR", sex="L", birth_year=1901)
    assert [key for _, key, _ in client.warnings()] == ["warning.age_unusual"]


SIGNATORIES = """
[signatories.head]
title = "Kepala Dinas"
name = "Kepala Fiktif"
[signatories.division_head]
title = "Kepala Bidang"
name = "Kabid Fiktif"
"""


def _referred(repo):
    with repo.paths.config.open("a", encoding="utf-8") as config:
        config.write(SIGNATORIES)
    repo = Repository.open(repo.root)
    case = create_case(repo, prepare(MR))
    casework.assess(
        repo, case, problems=["Tidak memiliki tempat tinggal"], date=D(2024, 2, 20), worker="S"
    )
    casework.refer(repo, case, destination="UPT Binjai", reason="Penempatan", consent=True,
                   date=D(2024, 3, 1), worker="S")  # fmt: skip
    return repo, case


def test_referral_update_before_the_referral_is_refused(repo):
    repo, case = _referred(repo)
    before = snapshot(repo.root)
    with pytest.raises(InvalidInput) as err:
        casework.update_referral(repo, case, worker="S", status="accepted", date=D(2024, 2, 28))
    assert err.value.key == "error.before_referral"
    assert snapshot(repo.root) == before
    casework.update_referral(repo, case, worker="S", status="accepted", date=D(2024, 3, 1))


def test_termination_letter_before_the_termination_is_refused(repo):
    repo, case = _referred(repo)
    casework.terminate(
        repo, case, reason="referred", outcome="Ditempatkan", date=D(2024, 6, 30), worker="S"
    )
    with pytest.raises(InvalidInput) as err:
        letters.draft(repo, case, "termination", date=D(2024, 6, 29), preview=True)
    assert err.value.key == "error.letter_before_event"
    result = Cli(repo.root)(
        "letter", case.id, "termination", "--date", "2024-06-01", "--worker", "S"
    )
    assert result.exit_code == 3, result.output


# --- letter numbers --------------------------------------------------------------------------


def test_a_20_digit_serial_never_becomes_a_toml_integer(repo):
    repo, case = _referred(repo)
    made = letters.draft(repo, case, "assessment", number="460/12345678901234567890/Dinsos/2024")
    record = letters.issue(repo, case, made, worker="S")
    assert record.seq is None
    data = tomllib.loads(next(case.folder.glob("records/*-letter-*.toml")).read_text())
    assert data["number"] == "460/12345678901234567890/Dinsos/2024"
    assert all(-(2**63) <= v < 2**63 for v in data.values() if isinstance(v, int))
    with pytest.raises(InvalidInput):
        letters.draft(repo, case, "assessment", number="460/\x1b[2J/2024", new=True)


# --- init validates before it creates ---------------------------------------------------------


def test_init_under_a_file_creates_nothing(tmp_path):
    (tmp_path / "file").write_text("x")
    result = Cli(None)("init", str(tmp_path / "file" / "sub" / "kasus"), "--no-git")
    assert result.exit_code == 3, result.output
    assert "ppks.toml" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_init_with_a_path_that_is_not_utf8_creates_nothing(tmp_path):
    bad = Path(os.fsdecode(bytes(tmp_path / "x") + b"\xff\xfe"))
    with pytest.raises(InvalidInput) as err:
        Repository.create(bad, "Dinas Sosial")
    assert "\\xff" in err.value.message()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [["--worker", "A\x1fB"], ["--office", "O\x00"], ["--office", "x" * 300], ["--office", " "]],
)
def test_init_refuses_bad_names_before_creating(tmp_path, args):
    result = Cli(None)("init", str(tmp_path / "kasus"), "--no-git", *args)
    assert result.exit_code == 3, result.output
    assert not (tmp_path / "kasus").exists()


def test_init_failure_while_writing_leaves_nothing(tmp_path, monkeypatch):
    from ppks_cli import store

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "atomic_write_text", broken)
    with pytest.raises(InvalidInput):
        Repository.create(tmp_path / "a" / "b", "Dinas Sosial")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", [".", "<>", ".,;:", "'\""])
def test_a_worker_name_git_would_refuse_is_refused_first(repo, mr_case, name):
    before = snapshot(repo.root)
    result = Cli(repo.root)("note", mr_case.id, "teks", "--worker", name)
    assert result.exit_code == 3, result.output
    assert snapshot(repo.root) == before
    with pytest.raises(ValidationError):
        Intake(date=D(2024, 2, 16), source="walk-in", worker=name)


@pytest.mark.parametrize(
    "typed", ["x=achieved", "٣x=achieved", "9" * 5000 + "=achieved", "=achieved"]
)
def test_goal_status_numbers_in_any_digits_never_crash(typed):
    from ppks_cli.planning import parse_goal_status

    with pytest.raises(InvalidInput):
        parse_goal_status(typed)
    assert parse_goal_status("٢=achieved").goal == 2
