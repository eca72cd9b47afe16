"""One language at a time (issue 12): counts and articles that read as English, dates
in the interface's language (letters stay Indonesian), ``history`` in the user's
language, and case IDs as people say them."""

from __future__ import annotations

import datetime as dt
import json
import re
import string
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppks_cli import changes, dates, i18n, ids
from ppks_cli.errors import InvalidInput, NotFound

from conftest import git, new_case

# --- plural fields ------------------------------------------------------------------------


def fields(text):
    """(name, spec) of every replacement field of a catalog template, nested ones too."""
    found = []
    for _, name, spec, _ in string.Formatter().parse(text):
        if name is not None:
            found.append((name, spec or ""))
            if spec and "{" in spec:
                found += fields(spec)
    return found


def plural_fields(text):
    return [(name, spec.split("|")) for name, spec in fields(text) if "|" in spec]


def sample(text, **counts):
    """``text`` filled: the given counts, 2 for any other plural field, words elsewhere."""
    params = {name: "X" for name, _ in fields(text)}
    params.update({name: 2 for name, _ in plural_fields(text)})
    params.update(counts)
    return params


def keys_with_plurals(lang):
    return sorted(k for k, v in i18n.catalog(lang).items() if plural_fields(v))


def test_english_plural_fields_follow_the_count():
    assert len(keys_with_plurals("en")) >= 30  # every count message, see below
    for key in keys_with_plurals("en"):
        text = i18n.catalog("en")[key]
        for name, forms in plural_fields(text):
            assert len(forms) == 2, key  # one|other, English's two categories
            for count in (0, 1, 2):
                i18n.set_language("en")
                params = sample(text, **{name: count})
                out = i18n.t(key, **params)
                form = (forms[0] if count == 1 else forms[1]).format(**params)
                assert form in out, (key, count, out)
                assert not re.search(r"(?<![\d.])1 (case|record|error|warning|file|day|commit|"
                                     r"match|byte|goal|value|second|time|character)s\b", out)


@pytest.mark.parametrize("count", [0, 1, 2])
def test_count_messages_read_as_english(count):
    i18n.set_language("en")
    noun = "case" if count == 1 else "cases"
    assert i18n.t("check.summary", cases=count, records=count, errors=count, warnings=count) == (
        f"{count} {noun}, {count} record{'s' * (count != 1)} checked: "
        f"{count} error{'s' * (count != 1)}, {count} warning{'s' * (count != 1)}."
    )
    assert i18n.t("transfer.count", count=count, to="Dewi") == f"{count} {noun} transferred to Dewi."
    assert i18n.t("status.uncommitted", count=count).endswith(
        f"{count} file{'s' * (count != 1)}"
    )
    late = i18n.t("overdue.assessment", due="2024-02-23", days=count)
    assert late.endswith(f"({count} day{'s' * (count != 1)} ago)")
    assert i18n.t("list.run_check", count=count).startswith(f"{count} {noun} cannot be read")
    files = "The one file already uses" if count == 1 else f"All {count} files already use"
    assert i18n.t("migrate.nothing", unchanged=count, schema=2).startswith(files)


def test_indonesian_has_no_plural_inflection():
    assert i18n.t("check.summary", cases=1, records=2, errors=1, warnings=0) == (
        "1 kasus, 2 catatan diperiksa: 1 kesalahan, 0 peringatan."
    )
    assert i18n.plural_category(1, "id") == i18n.plural_category(2, "id") == "other"
    assert i18n.plural_category(1, "en") == "one" and i18n.plural_category(0, "en") == "other"


# a number standing for a count: in English, its noun is a plural field next to it, unless
# the number stands alone (listed here with why)
COUNTS = ("count", "cases", "records", "errors", "warnings", "days", "size", "within",
          "seconds", "attempts", "given", "goals", "received", "sent", "cases_sent", "behind",
          "unchanged", "total", "age", "overdue", "due_soon", "shown")  # fmt: skip
ALONE = {
    ("validation.nik_length", "count"),  # "a NIK has 16 digits (this one has 15)"
    ("validation.kk_length", "count"),
    ("status.invalid", "count"),  # "failing validation: 2"
    ("status.due", "overdue"), ("status.due", "due_soon"),  # "1 overdue, 2 due within …"
    ("new_case.duplicates_more", "shown"), ("new_case.duplicates_more", "count"),  # "the 5 most likely of 9"
    ("new_case.duplicates_found", "count"),  # "(3)"
    ("list.more", "shown"), ("search.more", "shown"),  # "5 of 9 cases"
    ("check.duplicate_nik", "cases"), ("edit.nik_elsewhere", "cases"),  # case IDs, not a count
    ("error.attach_too_large", "size"),  # "3 MB"
}


def test_every_exception_to_the_plural_rule_is_a_real_message():
    catalog = i18n.catalog("en")
    assert all(f"{{{name}}}" in catalog.get(key, "") for key, name in ALONE)


def test_every_count_in_english_carries_its_plural_form():
    for key, text in i18n.catalog("en").items():
        names = [name for name, spec in fields(text) if name in COUNTS and "|" not in spec]
        plural = {name for name, _ in plural_fields(text)}
        for name in names:
            assert name in plural or (key, name) in ALONE, f"{key}: {{{name}}} without its noun"


def test_no_article_is_glued_before_a_placeholder():
    """An "a {kind}" gives "a intervention plan": the article belongs to the phrase."""
    for key, text in i18n.catalog("en").items():
        assert not re.search(r"\b(a|an|A|An) \{", text), key
    for key, text in i18n.catalog("en").items():
        if key.startswith("kind_a."):
            article, first = text.split(" ", 2)[:2]
            assert article == ("an" if first[0] in "aeio" else "a"), key


def test_a_refused_step_names_the_record_with_its_article():
    i18n.set_language("en")
    message = i18n.t("error.stage_refused", case="2024-AAAAA", stage=i18n.Msg("stage_in_text.intake"),
                     kind=i18n.Msg("kind_a.plan"), commands="ppks assess 2024-AAAAA")  # fmt: skip
    assert "at the intake stage, so an intervention plan cannot" in message
    follow = i18n.t("error.case_closed", case="X", kind=i18n.Msg("kind_a.follow-up"), commands="c")
    assert "so an aftercare follow-up cannot" in follow


def test_a_refused_step_at_the_command_line_reads_as_english(git_office_cli):
    _, cli, case_id = git_office_cli
    refused = cli("plan", case_id, "--goal", "Pulang", lang="en")
    assert refused.exit_code != 0
    assert "at the intake stage, so an intervention plan cannot be recorded yet" in refused.output


# --- dates ---------------------------------------------------------------------------------

ID_ONLY_MONTHS = [m for m in dates.MONTHS_ID if m not in ("April", "September", "November")]


def test_long_dates_follow_the_language_and_letters_stay_indonesian():
    day = dt.date(2024, 2, 16)
    assert dates.long_date(day) == "16 Februari 2024"
    i18n.set_language("en")
    assert dates.long_date(day) == "16 February 2024"
    assert dates.day_name(dt.date(2024, 6, 30)) == "Sunday"
    assert dates.long_date(day, "id") == "16 Februari 2024"  # a letter's date
    from ppks_cli.templating import _date_filter, _day_filter, _month_filter

    assert (_date_filter(day), _day_filter(day), _month_filter(day)) == (
        "16 Februari 2024", "Jumat", "Februari"
    )  # fmt: skip


def test_the_catalogs_month_names_are_the_ones_letters_use():
    assert [dates.month_name(m, "id") for m in range(1, 13)] == list(dates.MONTHS_ID)
    assert dates.month_name(8, "en") == "August"


def test_an_impossible_day_names_the_month_in_english():
    i18n.set_language("en")
    with pytest.raises(InvalidInput) as err:
        dates.parse_date("2024-02-30", option="--date")
    assert "February 2024 has only 29 days" in str(err.value)
    i18n.set_language("id")
    assert "Februari 2024" in str(err.value)  # the message is rendered when shown


def test_english_output_holds_no_indonesian_month_names(git_office_cli):
    root, cli, case_id = git_office_cli
    assert cli("assess", case_id, "--problem", "Konflik", "--date", "2024-03-20").exit_code == 0
    assert cli("plan", case_id, "--goal", "Pulang", "--target-date", "2024-08-30",
               "--task", "Hubungi keluarga;Saskia;2024-05-01", "--date", "2024-03-23").exit_code == 0  # fmt: skip
    assert cli("edit", case_id, "--name", "Rahmat", "--reason", "KTP").exit_code == 0
    shown = {}
    for command in (["show", case_id], ["status"], ["check"], ["list"], ["due", "--all"],
                    ["history", case_id], ["plan", case_id, "--goal", "x", "--date", "2024-02-30"]):  # fmt: skip
        result = cli(*command, lang="en")
        shown[command[0]] = result.output
        for month in ID_ONLY_MONTHS:
            assert month not in result.output, (command, month)
    assert "16 February 2024" in shown["show"] and "30 August 2024" in shown["show"]
    assert "February 2024 has only 29 days" in shown["plan"]
    assert "16 Februari 2024" in cli("show", case_id).output  # Indonesian stays Indonesian


# --- history ---------------------------------------------------------------------------------


def test_history_is_shown_in_the_users_language(git_office_cli):
    root, cli, case_id = git_office_cli
    assert cli("assess", case_id, "--problem", "Konflik", "--date", "2024-02-20").exit_code == 0
    assert cli("note", case_id, "Keluarga dicari").exit_code == 0
    case_toml = root / "cases" / case_id / "case.toml"
    case_toml.write_text(case_toml.read_text() + "\n")
    git("commit", "-qam", "rapikan berkas", cwd=root)
    indonesian = cli("history", case_id).output
    for words in ("Kasus dibuka", "Asesmen dicatat", "Catatan ditambahkan", '"rapikan berkas"'):
        assert words in indonesian
    assert "recorded" not in indonesian and "added" not in indonesian
    english = cli("history", case_id, lang="en").output
    for words in ("Case opened", "Assessment recorded", "Note added", '"rapikan berkas"'):
        assert words in english
    entries = json.loads(cli("history", case_id, "--json", lang="en").stdout)
    assert [(e["event"], e["text"]) for e in entries] == [
        (None, '"rapikan berkas"'), ("note", "Note added"),
        ("assessment", "Assessment recorded"), ("case", "Case opened"),
    ]  # fmt: skip
    assert entries[1]["message"] == f"{case_id}: note added"  # git keeps the stable code


PARAMS = {"letter": {"number": "462/17/Dinsos/2024"},
          "letter-renumbered": {"old": "462/17/Dinsos/2024", "number": "462/18/Dinsos/2024"}, "templates": {"count": 1},
          "migration": {"schema": 2}, "transfer-caseload": {"count": 3},
          "merge": {"duplicate": "2023-ABCDE"}, "raid": {"raid": "R2024-K7Q3M"},
          "raid-people": {"raid": "R2024-K7Q3M", "count": 12},
          "raid-correction": {"raid": "R2024-K7Q3M"}}  # fmt: skip


@pytest.mark.parametrize("event", sorted(changes.COMMIT_WORDS))
def test_every_commit_message_is_read_back_and_shown_in_both_languages(event):
    params = PARAMS.get(event, {})
    message = changes.commit_message("2024-K7Q3M", event, **params)
    found = changes.parse_commit_message(message)
    assert found is not None and found.event == event and found.case_id == "2024-K7Q3M"
    assert found.params == {k: str(v) for k, v in params.items()}
    for lang in ("id", "en"):
        i18n.set_language(lang)
        text = i18n.t(f"history.event.{event}", **found.params, case="2024-K7Q3M")
        assert text and (text[0].isupper() or text[0].isdigit())


@given(st.from_regex(r"[0-9A-Za-z./-]{1,40}", fullmatch=True))  # a letter number's alphabet
def test_a_letter_number_of_any_shape_comes_back_whole(number):
    message = changes.commit_message("2024-K7Q3M", "letter", number=number)
    found = changes.parse_commit_message(message)
    assert found is not None and found.event == "letter" and found.params == {"number": number}


def test_old_and_foreign_commit_messages():
    old = changes.parse_commit_message("ppks: 1 cases transferred")  # before plural fields
    assert old.event == "transfer-caseload" and old.case_id is None and old.params == {"count": "1"}
    assert changes.commit_message(None, "transfer-caseload", count=1) == "ppks: 1 case transferred"
    for foreign in ("Merge branch 'main' of /srv/kasus", "2024-K7Q3M: typo fixed", "", "ppks:"):
        assert changes.parse_commit_message(foreign) is None


# --- case IDs as people say them -----------------------------------------------------------

IDS = ["2023-YZ492", "2024-K7Q3M", "2024-K7Q9A", "2024-10ABC", "2022-49200", "2025-YZ4A1"]


@pytest.mark.parametrize(
    "typed",
    ["YZ492", "yz492", "yz 492", "Y Z 4 9 2", "2023–YZ492", "2023—yz492", "2023 − YZ492",
     "2O23-YZ492", "２０２３-ＹＺ４９２", " 2023 yz492 "],
)  # fmt: skip
def test_the_suffix_and_its_spellings_find_the_case(typed):
    assert ids.resolve_prefix(typed, IDS) == "2023-YZ492"


@pytest.mark.parametrize(
    ("typed", "found"),
    [("k7q3m", "2024-K7Q3M"), ("K7Q3", "2024-K7Q3M"), ("1OABC", "2024-10ABC"),
     ("2024-1oabc", "2024-10ABC"), ("2024–K7Q9", "2024-K7Q9A"), ("49200", "2022-49200"),
     ("4920", "2022-49200")],
)  # fmt: skip
def test_letter_o_en_dash_lower_case_and_spaces_are_normalised(typed, found):
    assert ids.resolve_prefix(typed, IDS) == found


def test_an_ambiguous_suffix_is_refused_with_the_candidates():
    with pytest.raises(NotFound) as err:
        ids.resolve_prefix("YZ4", IDS)
    assert err.value.key == "error.case_ambiguous"
    assert "2023-YZ492" in str(err.value) and "2025-YZ4A1" in str(err.value)
    assert "2024-K7Q3M" not in str(err.value)
    # the same suffix in two years: only the year tells them apart
    with pytest.raises(NotFound) as err:
        ids.resolve_prefix("YZ492", [*IDS, "2024-YZ492"])
    assert "2023-YZ492, 2024-YZ492" in str(err.value)
    assert ids.resolve_prefix("2024 YZ492", [*IDS, "2024-YZ492"]) == "2024-YZ492"


def test_a_suffix_that_is_also_the_start_of_an_id_is_ambiguous():
    with pytest.raises(NotFound) as err:
        ids.resolve_prefix("20245", ["2023-20245", "2024-5ABCD"])
    assert "2023-20245, 2024-5ABCD" in str(err.value)


def test_a_suffix_needs_three_characters_and_a_long_list_is_cut():
    with pytest.raises(NotFound) as err:
        ids.resolve_prefix("YZ", IDS)
    assert err.value.key == "error.case_not_found"
    many = [f"2024-A{n:04d}" for n in range(30)]
    with pytest.raises(NotFound) as err:
        ids.resolve_prefix("A00", many)
    assert err.value.params["candidates"].endswith(", …")
    assert err.value.params["candidates"].count(",") == 10


def test_the_command_line_finds_a_case_by_the_suffix_read_over_the_phone(git_office_cli):
    root, cli, case_id = git_office_cli
    suffix = case_id.split("-")[1]
    spoken = " ".join(suffix.replace("0", "o").lower())
    shown = cli("show", spoken, "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["id"] == case_id
    assert cli("note", case_id.replace("-", "–"), "Telepon dari keluarga").exit_code == 0
    other = new_case(cli, "Butet")
    ambiguous = cli("show", "20", lang="en")  # both cases of 2024
    assert ambiguous.exit_code != 0
    assert case_id in ambiguous.output and other in ambiguous.output
    assert "matches several cases" in ambiguous.output


def test_git_log_never_shows_one_cases(tmp_path):
    """The commit messages are English codes that read right (1 case, 2 cases)."""
    from conftest import run_ppks

    root = tmp_path / "kasus"
    assert run_ppks("init", str(root), "--worker", "Saskia").returncode == 0
    for name in ("Butet", "Ucok"):
        assert run_ppks("--root", str(root), "new-case", "--name", name, "--category",
                        "pengemis", "--sex", "P", "--source", "walk-in", "--worker",
                        "Saskia", "--yes").returncode == 0  # fmt: skip
    moved = run_ppks("--root", str(root), "transfer", "--from", "Saskia", "--to", "Dewi",
                     "--reason", "cuti", "--worker", "Saskia")  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert git("log", "-1", "--format=%s", cwd=root).strip() == "ppks: 2 cases transferred"
    history = subprocess.run(["git", "log", "--format=%s"], cwd=root, capture_output=True,
                             text=True).stdout  # fmt: skip
    assert "1 cases" not in history
