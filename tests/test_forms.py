"""Forms that never lose work: every answer is checked when it is typed and asked again
with the reason (in words about the question, never a flag); dates with month names;
an age at the birth question; family members one question at a time; plausibility
warnings; Ctrl-C or closed input at any prompt of any command writes nothing."""

import datetime as dt
import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppks_cli import intake, plausibility
from ppks_cli.commands import _common
from ppks_cli.dates import parse_date
from ppks_cli.errors import InvalidInput
from ppks_cli.planning import dates_before, parse_task

from conftest import NEW_MR_ARGS, snapshot

FLAG = re.compile(r"--[a-z]")


@pytest.fixture
def terminal(monkeypatch):
    monkeypatch.setattr(_common, "stdin_is_terminal", lambda: True)


def typed(*answers: str) -> str:
    return "\n".join(answers) + "\n"


def errors_of(result) -> list[str]:
    # CliRunner does not echo the answers to stderr: an error follows its question
    return re.findall(r"Galat: [^\n]*", result.stderr)


def json_of(result) -> dict:
    # CliRunner echoes the answers to stdout; the JSON comes last
    return json.loads(result.stdout[result.stdout.index("{\n") :])


# --- dates ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["16 Februari 2024", "16 februari 2024", "16 Feb 2024", "16 Feb. 2024", "16-Feb-2024",
     "16 February 2024", "February 16, 2024", "16 Pebruari 2024", "16-02-2024", "16/02/2024",
     "2024-02-16", "１６ Februari ２０２４"],
)  # fmt: skip
def test_a_date_is_read_with_the_month_named_or_numbered(text):
    assert parse_date(text, option="--date") == dt.date(2024, 2, 16)


@pytest.mark.parametrize(
    ("text", "month"),
    [("1 Mei 2024", 5), ("1 Agustus 2024", 8), ("1 Agt 2024", 8), ("1 Okt 2024", 10),
     ("1 Oct 2024", 10), ("1 Des 2024", 12), ("1 December 2024", 12), ("1 Sept 2024", 9)],
)  # fmt: skip
def test_indonesian_and_english_month_names(text, month):
    assert parse_date(text, option="--date", allow_future=True).month == month


def test_an_unknown_month_name_is_named():
    with pytest.raises(InvalidInput) as caught:
        parse_date("16 Frebuari 2024", option="--date")
    assert caught.value.key == "error.bad_month_name" and "Frebuari" in str(caught.value)


def test_a_date_error_says_which_forms_are_read():
    with pytest.raises(InvalidInput) as caught:
        parse_date("minggu depan", option="--date")
    message = str(caught.value)
    assert "DD-MM-YYYY" in message and "DD/MM/YYYY" in message and "Februari" in message


@pytest.mark.parametrize(
    "text", ["minggu depan", "31-02-2024", "16 Frebuari 2024", "2999-01-01", "1800-01-01"]
)
def test_a_date_error_at_a_prompt_names_no_flag(text):
    with pytest.raises(InvalidInput) as caught:
        parse_date(text, option="--intake-date")
    assert "--intake-date" in caught.value.message()
    shown = _common.prompt_error(caught.value)
    assert not FLAG.search(shown) and text.split()[0] in shown or "2999" in text


# --- answers checked at a prompt ------------------------------------------------------


def test_prompt_error_keeps_only_the_reason_of_an_option_error():
    error = intake._invalid("--sex", "validation.not_a_choice", value="X", expected="L, P")
    assert error.message().startswith("--sex: ")
    shown = _common.prompt_error(error)
    assert "--sex" not in shown and "'X'" in shown and shown.endswith(".")


@pytest.mark.parametrize(
    "text", ["40", "sekitar 40 tahun", "± 40 th", "kira-kira 40", "40 thn", "Sekitar 40 Tahun",
             "umur 40", "+/- 40", "about 40 years", "４０"],
)  # fmt: skip
def test_an_estimated_age_as_field_workers_say_it(text):
    assert intake.parse_age(text) == 40


@pytest.mark.parametrize(
    ("text", "field"),
    [("40", "age"), ("sekitar 40 tahun", "age"), ("1985", "birth_year"),
     ("16-02-1985", "birth_date"), ("16 Februari 1985", "birth_date")],
)  # fmt: skip
def test_the_birth_answer_is_a_date_a_year_or_an_age(text, field):
    assert intake.parse_birth(text, dt.date(2024, 2, 16)) == (field, text)


@pytest.mark.parametrize(
    ("text", "key"),
    [("kemarin", "form.birth_unreadable"), ("2025", "form.born_after_intake"),
     ("17-02-2024", "form.birth_after_intake"), ("31-02-1985", "error.bad_day"),
     ("130", "error.invalid_option")],
)  # fmt: skip
def test_a_wrong_birth_answer_says_why(text, key):
    with pytest.raises(InvalidInput) as caught:
        intake.parse_birth(text, dt.date(2024, 2, 16))
    assert caught.value.key == key
    assert not FLAG.search(_common.prompt_error(caught.value))


def test_a_task_date_at_a_prompt_is_explained_without_the_flag():
    with pytest.raises(InvalidInput) as caught:
        parse_task("Hubungi keluarga;Saskia;minggu depan", option=None)
    shown = _common.prompt_error(caught.value)
    assert "--task" not in shown and "minggu depan" in shown and "Hubungi keluarga" in shown
    with pytest.raises(InvalidInput) as flagged:
        parse_task("Hubungi keluarga;Saskia;minggu depan")
    assert flagged.value.message().startswith("--task: ")


def test_dates_before_the_plan_are_warned_about():
    task = parse_task("Hubungi keluarga;Saskia;1 Maret 2024")
    later = parse_task("Kunjungi rumah;;1 Mei 2024")
    found = dates_before([], [task, later], dt.date(2024, 4, 1))
    assert len(found) == 1 and "2024-03-01" in str(found[0]) and "Hubungi" in str(found[0])


# --- plausibility -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed_number", "stored"),
    [("0812-3456-7890", "081234567890"), ("0812 3456 789", "08123456789"),
     ("+62 812 3456 7890", "+6281234567890"), ("62812345678", "+62812345678"),
     ("(061) 456 7890", "0614567890"), ("0062 812 3456 7890", "+6281234567890")],
)  # fmt: skip
def test_a_plausible_phone_is_stored_normalised(typed_number, stored):
    assert plausibility.plausible_phone(typed_number)
    assert plausibility.normalise_phone(typed_number) == stored


@pytest.mark.parametrize("number", ["12345", "0812", "08123456789012345", "+1 555 123 4567",
                                    "0000000000", "112"])  # fmt: skip
def test_an_implausible_phone_is_kept_as_typed(number):
    assert not plausibility.plausible_phone(number)
    assert plausibility.normalise_phone(number) == number


@given(st.from_regex(r"\A(0|\+62 ?)8[1-9][0-9]{2}[- ]?[0-9]{3,4}[- ]?[0-9]{3,4}\Z"))
def test_normalising_a_phone_is_stable(number):
    stored = plausibility.normalise_phone(number)
    assert plausibility.plausible_phone(stored)
    assert plausibility.normalise_phone(stored) == stored
    assert re.fullmatch(r"(0|\+62)[0-9]+", stored)


@pytest.mark.parametrize(
    ("born", "year", "category", "key"),
    [(None, 1979, "anak-jalanan", "warning.child_age"),
     (dt.date(2000, 1, 1), None, "anak-terlantar", "warning.child_age"),
     (None, 2015, "anak-balita-terlantar", "warning.toddler_age"),
     (None, 1980, "lansia-terlantar", "warning.elderly_age"),
     (None, 2012, "anak-jalanan", None), (None, 1950, "lansia-terlantar", None),
     (None, 2006, "anak-jalanan", None),  # 17 or 18: an estimate that may fit
     (None, 1979, "pengemis", None), (None, None, "anak-jalanan", None)],
)  # fmt: skip
def test_an_age_that_does_not_fit_the_category_is_a_warning(born, year, category, key):
    found = plausibility.age_warnings(born, year, category, dt.date(2024, 2, 16))
    assert [k for _, k, _ in found] == ([key] if key else [])


# --- forms at a terminal --------------------------------------------------------------

# the whole intake form, a wrong answer before each right one where there can be one
NEW_CASE_ANSWERS = [
    ("", "Butet"),                           # name: empty, so asked again with the reason
    ("X", "P"),                              # sex
    ("27", "anak jalanan"),                  # category
    ("99", "walk-in"),                       # source
    ("minggu depan", "16 Februari 2024"),    # intake date
    ("Pasar\x1b[2J", "Pasar Petisah"),       # found at: a control character
    (None, "Saskia"),                        # worker
    ("123", ""),                             # NIK
    ("12", ""),                              # KK
    ("kemarin", "sekitar 45 tahun"),         # birth: an estimated age
    (None, ""),                              # birth place
    ("dukun", ""),                           # religion
    ("x", ""),                               # marital status
    ("x", ""),                               # education
    (None, ""),                              # occupation
    ("0812-3456-78O9", "0812-3456-7890"),    # phone: a letter O typed for a zero
    (None, ""),                              # address
    (None, "y"),                             # add a family member?
    ("", "Siti"),                            # family: name
    ("27", "1"),                             # relation: ibu
    ("abc", "+62 813 1111 2222"),            # phone
    (None, "Jl. Mawar 3"),                   # address
    (None, "n"),                             # another?
]  # fmt: skip


def answers_with_mistakes(pairs) -> list[str]:
    out = []
    for wrong, right in pairs:
        if wrong is not None:
            out.append(wrong)
        out.append(right)
    return out


def test_new_case_asks_again_at_every_wrong_answer_and_keeps_the_rest(cli, terminal):
    answers = answers_with_mistakes(NEW_CASE_ANSWERS)
    result = cli("new-case", "--json", input=typed(*answers))
    assert result.exit_code == 0, result.output
    wrong = [w for w, _ in NEW_CASE_ANSWERS if w is not None]
    errors = errors_of(result)
    assert len(errors) == len(wrong), errors
    assert not any(FLAG.search(line) or "--yes" in line for line in errors), errors
    assert "wajib dijawab" in errors[0]  # the empty name: why it is asked again
    case = json.loads(cli("show", json_of(result)["id"], "--json").stdout)
    client = case["client"]
    assert client["name"] == "Butet" and client["sex"] == "P"
    assert case["category"] == "anak-jalanan" and case["intake"]["date"] == "2024-02-16"
    assert case["intake"]["found_at"] == "Pasar Petisah"
    assert client["birth_year"] == 2024 - 45  # the age, from the intake date
    assert client["phone"] == "081234567890"  # stored normalised
    assert client["family"] == [
        {"name": "Siti", "relation": "ibu", "phone": "+6281311112222", "address": "Jl. Mawar 3"}
    ]
    # a 45-year-old filed as anak jalanan: warned about once, not refused
    assert result.stderr.count("kategori anak") == 1
    assert "Perkiraan tahun lahir 1979" in result.stderr


def test_an_implausible_phone_is_warned_about_at_its_question(cli, terminal):
    args = [a for a in NEW_MR_ARGS]
    result = cli(*args, "--phone", "12345", "--json")
    assert result.exit_code == 0
    assert "12345 bukan nomor Indonesia" in result.stderr
    assert json.loads(result.stdout)["warnings"][0]["code"] == "warning.phone_implausible"


def test_plan_task_date_is_checked_when_typed_and_the_plan_is_kept(cli, terminal):
    case_id = _case_at(cli, "planning")
    answers = [
        "\x1b", "Kembali ke keluarga", "",           # goals: a control character first
        "Tinggal di rumah", "akhir bulan", "30-04-2024",  # measure, target date
        "Mediasi keluarga", "",                      # strategies
        "",                                           # techniques
        "Hubungi keluarga;Saskia;minggu depan",       # task: the date cannot be read
        "Hubungi keluarga;Saskia;1 Maret 2024",
        "Kunjungi rumah;Saskia;1 Februari 2024",      # before the plan: a warning only
        "",
        "",                                           # resources
    ]
    result = cli("plan", case_id, "--date", "2024-02-23", "--json", input=typed(*answers))
    assert result.exit_code == 0, result.output
    errors = errors_of(result)
    assert len(errors) == 3 and not any("--" in e for e in errors), result.stderr
    assert "minggu depan" in errors[2] and "Hubungi keluarga" in errors[2]
    record = json_of(result)["record"]
    assert record["tasks"][0] == {"what": "Hubungi keluarga", "who": "Saskia",
                                  "when": "2024-03-01"}  # fmt: skip
    assert record["goals"][0]["target_date"] == "2024-04-30"
    assert "2024-02-01" in result.stderr and "sebelum tanggal rencana" in result.stderr


def test_a_task_flag_with_a_date_before_the_plan_is_warned_about(cli):
    case_id = _case_at(cli, "planning")
    result = cli(
        "plan", case_id, "--goal", "Kembali", "--target-date", "2024-02-01",
        "--task", "Hubungi;;20-02-2024", "--date", "2024-02-23", "--worker", "S",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stderr.count("sebelum tanggal rencana") == 2


def test_an_empty_required_list_says_why_it_asks_again(cli, terminal):
    case_id = _case_at(cli, "assessment")
    answers = ["", "Tidak punya rumah", ""] + [""] * 10
    result = cli("assess", case_id, "--worker", "S", "--json", input=typed(*answers))
    assert result.exit_code == 0, result.output
    assert "sedikitnya satu" in errors_of(result)[0]


def test_a_form_the_case_cannot_take_is_refused_before_its_questions(cli, terminal):
    case_id = _case_at(cli, "planning")  # not yet planned: no evaluation
    result = cli("evaluate", case_id, "--worker", "S", input="")
    assert result.exit_code == 6 and "ppks plan" in result.stderr
    assert "Narasi" not in result.output  # not one question asked


def test_check_warns_about_an_age_and_a_phone_with_the_line_and_the_fix(cli, repo):
    result = cli(
        "new-case", "--name", "Opung", "--sex", "L", "--category", "lansia-terlantar",
        "--age", "50", "--source", "walk-in", "--intake-date", "2024-02-16",
        "--worker", "Saskia", "--phone", "555-1234", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    case_id = json.loads(result.stdout)["id"]
    assert {w["code"] for w in json.loads(result.stdout)["warnings"]} == {
        "warning.elderly_age", "warning.phone_implausible"}  # fmt: skip
    text = (repo.paths.case_dir(case_id) / "case.toml").read_text().splitlines()
    report = cli("check")
    assert report.exit_code == 0, report.output  # warnings, not errors
    lines = report.stdout.splitlines()
    category_line = next(i for i, t in enumerate(text, 1) if t.startswith("category"))
    phone_line = next(i for i, t in enumerate(text, 1) if t.startswith("phone"))
    age = next(i for i, line in enumerate(lines) if "lanjut usia" in line)
    assert lines[age].startswith(f"cases/{case_id}/case.toml:{category_line}: ")
    assert "ppks edit" in lines[age + 1] and "--category" in lines[age + 1]
    phone = next(i for i, line in enumerate(lines) if "555-1234" in line)
    assert lines[phone].startswith(f"cases/{case_id}/case.toml:{phone_line}: ")
    assert "--phone" in lines[phone + 1]


# --- Ctrl-C or closed input at every prompt -------------------------------------------


def _case_at(cli, stage: str, name: str = "MR") -> str:
    """A case (opened with flags) at ``stage``: assessment (not yet assessed), planning,
    intervention, evaluation, termination, closed."""
    steps = [  # each stage, and the step that leaves it
        ("assessment", ["assess", "{ID}", "--problem", "Konflik", "--date", "2024-02-20"]),
        ("planning", ["plan", "{ID}", "--goal", "Kembali", "--date", "2024-02-23"]),
        ("intervention", ["intervene", "{ID}", "--kind", "home-visit", "--note", "Kunjungan",
                          "--date", "2024-03-01"]),
        ("evaluation", ["evaluate", "{ID}", "--progress", "Baik", "--decision", "terminate",
                        "--date", "2024-06-25"]),
        ("termination", ["terminate", "{ID}", "--reason", "goals-achieved", "--outcome", "Pulang",
                         "--date", "2024-06-30"]),
        ("closed", None),
    ]  # fmt: skip
    args = [a if a != "MR" else name for a in NEW_MR_ARGS]
    result = cli(*args, "--yes", "--json")
    assert result.exit_code == 0, result.output
    case_id = json.loads(result.stdout)["id"]
    for at, step in steps:
        if at == stage:
            return case_id
        done = cli(*[case_id if a == "{ID}" else a for a in step], "--worker", "Saskia")
        assert done.exit_code == 0, done.output
    raise AssertionError(stage)


# each command's questions answered right, in order: (stage of the case, args, answers)
FORMS = {
    "new-case": (None, ["new-case"], answers_with_mistakes(
        [(None, r) for _, r in NEW_CASE_ANSWERS])),
    "assess": ("assessment", ["assess", "{ID}"],
               ["Konflik", "", "", "", "", "", "Narasi", "", "3", "Rekomendasi"]),
    "plan": ("planning", ["plan", "{ID}"],
             ["Kembali", "", "Ukuran", "30-04-2024", "", "", "Hubungi;;1 Mei 2024", "", ""]),
    "intervene": ("intervention", ["intervene", "{ID}"], ["home-visit", "Kunjungan", "Baik"]),
    "refer": ("intervention", ["refer", "{ID}"], ["UPT Binjai", "yes", "Alasan", "Mohon"]),
    "evaluate": ("evaluation", ["evaluate", "{ID}"], ["1", "Kemajuan", "1"]),
    "terminate": ("termination", ["terminate", "{ID}"], ["goals-achieved", "Pulang", "", ""]),
    "follow-up": ("closed", ["follow-up", "{ID}"], ["Baik", "Rumah", "1 Januari 2025"]),
    "reopen": ("closed", ["reopen", "{ID}"], ["Kambuh"]),
    "note": ("assessment", ["note", "{ID}"], ["Catatan"]),
    "approve": ("planning", ["approve", "{ID}", "assessment"], ["Supervisor"]),
    "transfer": ("assessment", ["transfer", "{ID}"], ["Dewi", "Cuti"]),
    "link": ("assessment", ["link", "{ID}", "{OTHER}"], ["saudara"]),
    "merge": ("assessment", ["merge", "{ID}", "{OTHER}"], ["Orang yang sama"]),
    "edit": ("assessment", ["edit", "{ID}", "--name", "M. R."], ["Salah ketik"]),
}  # fmt: skip


@pytest.mark.parametrize("command", sorted(FORMS))
def test_closed_input_at_every_prompt_writes_nothing(cli, repo, terminal, command):
    stage, args, answers = FORMS[command]
    case_id = other = None
    if stage is not None:
        case_id = _case_at(cli, stage)
        other = _case_at(cli, "assessment", name="Butet")
    args = [{"{ID}": case_id, "{OTHER}": other}.get(a, a) for a in args]
    if command not in ("new-case", "approve"):
        args += ["--worker", "Saskia"]
    before = snapshot(repo.root)
    for count in range(len(answers)):  # the input ends at question count + 1
        result = cli(*args, input=typed(*answers[:count]) if count else "")
        assert result.exit_code == 8, (count, result.output)
        assert result.stderr.strip().splitlines()[-1] == "Galat: Dibatalkan; tidak ada yang ditulis."
        assert "Traceback" not in result.output and "Aborted" not in result.output
        assert snapshot(repo.root) == before, count
    done = cli(*args, input=typed(*answers))  # all of them: the form is complete
    assert done.exit_code == 0, done.output


def test_closed_input_at_the_office_question_of_init(cli, tmp_path, terminal):
    from conftest import Cli

    result = Cli(None)("init", str(tmp_path / "baru"), "--worker", "S", input="")
    assert result.exit_code == 8 and not (tmp_path / "baru").exists()


def test_a_phone_corrected_with_edit_is_stored_normalised(cli):
    case_id = _case_at(cli, "assessment")
    result = cli("edit", case_id, "--phone", "+62 812-3456-7890", "--reason", "Nomor baru",
                 "--worker", "Saskia")  # fmt: skip
    assert result.exit_code == 0, result.output
    shown = json.loads(cli("show", case_id, "--json").stdout)
    assert shown["client"]["phone"] == "+6281234567890"
