"""Finds of the second issue 13 verification (other spellings of a taken number, a month
part that is not the letter's, a value of several lines in a Markdown table, a reissue
after the logo changed, the fix check names for one number written two ways): each test
fails on the code as it was found, except the three-clone settling, which checks that the
fixes of the first verification hold for three clones too."""

import datetime as dt

import pytest
from test_issue13_fixes import set_config
from test_letters import papers_case
from test_numbering import office as office  # noqa: F401  (the fixture)

from ppks_cli import letters
from ppks_cli.errors import InvalidInput, Refused

D = dt.date
JUNE_20 = D(2024, 6, 20)


def _issued(office):
    case = papers_case(office)
    letters.issue(office, case, letters.draft(office, case, "referral", date=JUNE_20),
                  worker="Saskia")  # fmt: skip
    return case


# --- numbers typed another way: after the year, full-width, spaces ---------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "462/1/Dinsos/2024/",  # a trailing slash, dot or dash
        "462/1/Dinsos/2024.",
        "462/1/Dinsos/2024-",
        "462/1/Dinsos/02024",  # the year with a leading zero
        "462/\uff11/Dinsos/\uff12\uff10\uff12\uff14",  # full-width digits (a phone keyboard)
        "462 / 1 / Dinsos / 2024",  # spaces around the slashes
    ],
)
def test_a_taken_number_typed_another_way_is_refused_as_taken(office, typed):
    # `--number 462/1/Dinsos/2024/` was taken as a new number "outside the sequence":
    # the agenda book had one number twice.
    _issued(office)
    with pytest.raises(Refused) as refused:
        letters.given_number(office, typed, JUNE_20)
    assert "462/1/Dinsos/2024" in str(refused.value.params)


@pytest.mark.parametrize("typed", ["462/1/Dinsos/2024/", "462/\uff11/Dinsos/2024",
                                   " 462 / 01 / dinsos / 2024 "])  # fmt: skip
def test_a_reissue_finds_the_letter_in_those_spellings(office, typed):
    case = _issued(office)
    assert letters.find_issued(case, typed, office).number == "462/1/Dinsos/2024"


def test_a_free_number_typed_full_width_is_kept_in_plain_digits(office):
    _issued(office)
    number, seq = letters.given_number(office, "462/\uff17/Dinsos/2024", JUNE_20)
    assert (number, seq) == ("462/7/Dinsos/2024", 7)


def test_a_free_number_ending_in_a_separator_is_refused(office):
    with pytest.raises(InvalidInput):
        letters.given_number(office, "462/7/Dinsos/2024/", JUNE_20)


# --- the month part of a number ----------------------------------------------------------------


@pytest.mark.parametrize("pattern, typed", [
    ("{code}/{seq}/Dinsos-Resos/{month_roman}/{year}", "462/9/Dinsos-Resos/I/2024"),
    ("{code}/{seq}/Dinsos-Resos/{month}/{year}", "462/9/Dinsos-Resos/1/2024"),
])  # fmt: skip
def test_a_number_of_another_month_than_the_letter_is_refused(office, pattern, typed):
    # `--number 462/9/Dinsos-Resos/I/2024` for a letter dated 20 June was issued: the
    # number says January, the letter June (the year was checked, the month not).
    office = set_config(office, 'number_pattern = "{code}/{seq}/Dinsos/{year}"',
                        f'number_pattern = "{pattern}"')  # fmt: skip
    with pytest.raises(InvalidInput) as refused:
        letters.given_number(office, typed, JUNE_20)
    assert refused.value.key == "error.letter_number.other_month"
    right = typed.replace("/I/", "/VI/").replace("/1/2024", "/6/2024")
    assert letters.given_number(office, right, JUNE_20)[1] == 9


# --- a value of several lines inside a Markdown table -----------------------------------------


def _with_outcome(office, outcome: str):
    import tomllib

    import tomli_w

    case = papers_case(office)
    (path,) = (office.root / "cases" / case.id / "records").glob("*termination*")
    data = tomllib.loads(path.read_text())
    data["outcome"] = outcome
    path.write_text(tomli_w.dumps(data))
    return office.load_case(case.id)


def test_a_value_of_several_lines_stays_inside_its_table_cell(office):
    # A termination outcome written in two paragraphs ended the Markdown table in the
    # middle of the "Capaian pelayanan" row: the rest printed as loose paragraphs and
    # a dangling "|".
    from markdown_it import MarkdownIt

    case = _with_outcome(office, "Baris satu | bukan kolom\n\n## bukan judul\n- bukan butir")
    text = letters.draft(office, case, "termination", date=D(2024, 6, 30), preview=True).markdown
    html = MarkdownIt("commonmark").enable("table").render(text)
    cell = next(line for line in html.splitlines() if "Baris satu" in line)
    assert cell.startswith("<td>") and cell.endswith("</td>"), cell
    assert "bukan judul" in cell and "bukan butir" in cell
    assert "<h2>" not in html.split("Baris satu")[1].split("</table>")[0]


def test_a_value_of_several_lines_in_running_text_keeps_its_hard_breaks():
    from ppks_cli.templating import escape_markdown

    assert escape_markdown("satu\ndua") == "satu  \ndua"


# --- a reissue after the office changed its logo -----------------------------------------------


def _logo_office(office, colour: str):
    import subprocess

    from test_letters_layout import LOGO, _with_office

    (office.root / "logo.svg").write_text(LOGO.replace("#1f5fa8", colour))
    repo = _with_office(office, 'logo = "logo.svg"')
    if not (repo.root / ".git").exists():
        subprocess.run(["git", "init", "-q"], cwd=repo.root, check=True, capture_output=True)
    subprocess.run(["git", "add", "-A"], cwd=repo.root, check=True, capture_output=True)
    subprocess.run(["git", "-c", "user.name=T", "-c", "user.email=t@x", "commit", "-qm", "logo"],
                   cwd=repo.root, check=True, capture_output=True)  # fmt: skip
    return repo


def test_a_reissue_after_the_logo_changed_is_still_the_identical_letter(office):
    # The record kept the logo's path, not the logo: a new logo file made a reissue print
    # a different letter under the old number, silently.
    office = _logo_office(office, "#1f5fa8")
    case = papers_case(office)
    made = letters.draft(office, case, "referral", date=JUNE_20)
    first = letters.to_pdf(office, made)
    letters.issue(office, case, made, worker="Saskia")
    (office.root / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'"
                                          " width='10' height='10'/>")  # fmt: skip
    case = office.load_case(case.id)
    again = letters.to_pdf(office, letters.reissue(office, case, made.number))
    assert again == first


def test_a_reissue_whose_logo_is_gone_from_history_is_refused_unless_forced(office):
    office = _logo_office(office, "#1f5fa8")
    (office.root / "logo.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='20' height='20'/>"
    )  # never committed: the old logo is nowhere
    case = papers_case(office)
    made = letters.draft(office, case, "referral", date=JUNE_20)
    letters.issue(office, case, made, worker="Saskia")
    (office.root / "logo.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg' width='30' height='30'/>"
    )
    case = office.load_case(case.id)
    with pytest.raises(Refused) as refused:
        letters.to_pdf(office, letters.reissue(office, case, made.number))
    assert refused.value.key == "error.logo_changed"
    forced = letters.reissue(office, case, made.number, force=True)
    assert letters.to_pdf(office, forced).startswith(b"%PDF")


# --- three clones --------------------------------------------------------------------------------


def test_one_document_issued_in_three_clones_is_settled_by_the_fixes_check_names(
    office, tmp_path
):
    import json
    import re

    from test_issue13_fixes import git, ppks_in, pull

    case = papers_case(office)
    git("init", "-b", "main", cwd=office.root)
    git("add", "-A", cwd=office.root)
    git("commit", "-m", "start", cwd=office.root)
    clones = [tmp_path / "b", tmp_path / "c"]
    for other in clones:
        git("clone", str(office.root), str(other), cwd=tmp_path)
    refer = ("letter", case.id, "referral", "--issue", "--date", "2024-06-20", "--json")
    numbers = [json.loads(ppks_in(office.root, *refer).stdout)["number"]]
    for before, other in enumerate(clones, start=1):  # each clone issued other letters first
        for kind, day in (("assessment", "2024-02-20"), ("termination", "2024-06-30"))[:before]:
            assert ppks_in(other, "letter", case.id, kind, "--issue", "--date", day).returncode == 0
        numbers.append(json.loads(ppks_in(other, *refer).stdout)["number"])
    assert len(set(numbers)) == 3, numbers
    for other in clones:
        pull(office, other)
    for _ in range(4):  # the clerk runs what check names, until it is clean
        checked = ppks_in(office.root, "check")
        if checked.returncode == 0:
            break
        fixes = re.findall(r"ppks (letter renumber [^\n(]+?)(?:\s+\(|\n|$)", checked.stdout)
        assert fixes, checked.stdout
        done = ppks_in(office.root, *fixes[0].split())
        assert done.returncode == 0, (fixes[0], done.stderr, checked.stdout)
    assert ppks_in(office.root, "check").returncode == 0
    book = json.loads(ppks_in(office.root, "letters", "--json").stdout)
    standing = [e["number"] for e in book if e["kind"] == "referral" and not e["replaced_by"]]
    assert standing == [numbers[0]], book


# --- the fix check names for one number written two ways is one renumber accepts -------------


@pytest.mark.parametrize("sequence, written", [
    ("shared", "462/1/Dinsos/2024/"),
    ("per-code", "462/01/Dinsos/2024"),
])  # fmt: skip
def test_renumber_accepts_the_number_check_says_is_written_two_ways(office, sequence, written):
    import re

    from test_issue13_fixes import write_letter

    from conftest import Cli

    office = set_config(office, 'sequence = "shared"', f'sequence = "{sequence}"')
    case = _issued(office)
    write_letter(office, case, written, kind="assessment", date=D(2024, 2, 20))
    cli = Cli(office.root)
    checked = cli("check")
    assert checked.exit_code == 1 and written in checked.stdout, checked.stdout
    fix = re.search(rf"ppks (letter renumber {re.escape(written)} --case \S+)", checked.stdout)
    assert fix, checked.stdout
    done = cli(*fix.group(1).split())
    assert done.exit_code == 0, done.output
    assert cli("check").exit_code == 0
