"""Answers in the words shown: every fixed list (ppks_cli.choices) takes, at the prompt and
in its flag, the number shown, the code, the label as displayed (either language, any
case, spaces or hyphens), its parts and the synonyms of the catalogs; ambiguous answers
are refused naming the candidates, unknown ones with the closest choices."""

import json
import re

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ppks_cli import choices, i18n
from ppks_cli.commands import _common
from ppks_cli.commands._casework import one_of
from ppks_cli.errors import InvalidInput

from conftest import NEW_MR_ARGS, invoke

LISTS = choices.all_lists()


def _ambiguous() -> set[tuple[str, str]]:
    """Every word the tables give two choices of one list (normalised)."""
    found: dict[tuple[str, str], set[str]] = {}
    for name, listed in LISTS.items():
        for code in listed.codes:
            for word in listed.words(code):
                found.setdefault((name, choices.normalize(word)), set()).add(code)
    return {key for key, codes in found.items() if len(codes) > 1}


# a word staff use for two choices at once: refused, naming both
AMBIGUOUS = _ambiguous()


def test_the_words_for_two_choices_include_those_staff_use():
    assert {
        ("category", "gepeng"), ("education", "sederajat"), ("marital_status", "janda"),
        ("marital_status", "duda"), ("marital_status", "pisah"),
        ("family_relation", "saudara kandung"), ("family_relation", "orang tua"),
    } <= AMBIGUOUS  # fmt: skip


def words(name: str, code: str) -> list[str]:
    """Every answer that must give ``code`` of the list ``name``: its number, its code,
    its labels and their parts, its synonyms (less the ambiguous ones)."""
    found = LISTS[name]
    number = str(found.codes.index(code) + 1)
    return [number] + [
        w for w in dict.fromkeys(found.words(code))
        if (name, choices.normalize(w)) not in AMBIGUOUS
    ]  # fmt: skip


def every_word(name: str) -> list[tuple[str, str]]:
    return [(word, code) for code in LISTS[name].codes for word in words(name, code)]


def test_every_list_is_registered_with_labels_in_both_languages():
    assert set(LISTS) >= {
        "sex", "source", "religion", "marital_status", "education", "risk", "activity",
        "referral_status", "goal_status", "decision", "termination_reason", "stage",
        "approval_stage", "letter_kind", "letter_format", "link_relation", "attachment_kind",
        "sort", "yes_or_no", "category",
    }  # fmt: skip
    for name, found in LISTS.items():
        for lang in i18n.LANGUAGES:
            for code in found.codes:
                if name != "category":  # the categories' names are in their data file
                    assert f"{found.group}.{code}" in i18n.catalog(lang), (name, code, lang)
                assert found.label(code, lang).strip(), (name, code, lang)
            for key in i18n.word_lists(lang):  # no synonyms for a code the list lacks
                if key.startswith(f"synonyms.{found.group}."):
                    assert key.rsplit(".", 1)[1] in found.codes, key


def test_every_prompt_of_a_command_shows_a_registered_list():
    from conftest import PROJECT

    source = "\n".join(p.read_text() for p in (PROJECT / "src/ppks_cli/commands").glob("*.py"))
    groups = set(re.findall(r'one_of\(\s*"([a-z_]+)"', source))
    assert len(groups) >= 10
    assert groups <= {found.group for found in LISTS.values()}


def test_the_record_models_take_their_codes_from_the_lists():
    from ppks_cli import models, records, views

    assert models.SOURCES is choices.SOURCE.codes
    assert records.RISK_LEVELS is choices.RISK.codes
    assert records.TERMINATION_REASONS == (*choices.TERMINATION_REASON.codes, "duplicate")
    assert records.APPROVAL_STAGES == tuple(s.value for s in records.ApprovalStage)
    assert records.REFERRAL_STATUSES[1:] == choices.REFERRAL_STATUS.codes
    assert views.SORTS is choices.SORT.codes
    from ppks_cli import categories

    assert choices.category_list().codes == tuple(categories.categories())


@pytest.mark.parametrize("name", sorted(LISTS))
def test_every_word_of_every_list_names_its_choice(name):
    found = LISTS[name]
    for word, code in every_word(name):
        for typed in (word, word.upper(), f"  {word.lower()} ", word.replace(" ", "-"),
                      word.replace("-", " "), word.replace("-", "_")):  # fmt: skip
            assert found.parse(typed, "--x") == code, (typed, code)


@pytest.mark.parametrize(("name", "word"), sorted(AMBIGUOUS))
def test_a_word_for_two_choices_is_refused_naming_both(name, word):
    with pytest.raises(InvalidInput) as err:
        LISTS[name].parse(word, "--x")
    assert err.value.params["detail"].key == "choice.ambiguous"
    found = [
        c for c in LISTS[name].codes
        if word in map(choices.normalize, LISTS[name].words(c))
    ]  # fmt: skip
    assert len(found) >= 2
    for code in found:
        assert code in str(err.value)


LABELLED = [(name, code) for name, found in LISTS.items() for code in found.codes]


@given(
    st.sampled_from(LABELLED), st.sampled_from(i18n.LANGUAGES),
    st.sampled_from([str, str.upper, str.lower, str.title, lambda s: s.replace(" ", "_")]),
)  # fmt: skip
def test_a_label_as_displayed_gives_its_code_back(item, lang, change):
    name, code = item
    found = LISTS[name]
    assert found.parse(change(found.label(code, lang)), "--x") == code
    assert found.parse(code, "--x") == code  # an English code is always accepted


@given(st.sampled_from(sorted(LISTS)), st.text(max_size=12))
def test_any_text_is_a_choice_or_one_invalid_input(name, text):
    found = LISTS[name]
    try:
        assert found.parse(text, "--x") in found.codes
    except InvalidInput as exc:
        assert exc.key == "error.invalid_option"
        assert str(exc.params["detail"])  # a detail a prompt can show on its own


# --- the prompt: the same loop the commands use, answered through CliRunner's input ------


def prompt_args(name: str) -> dict:
    """What a command passes to ``ask`` for the list ``name``."""
    found = LISTS[name]
    if name == "category":  # as new-case asks it
        from ppks_cli import categories

        lang = i18n.get_language()
        shown = [(c.slug, c.display(lang)) for c in categories.categories().values()]
        return {"parse": categories.resolve_category, "choices": shown}
    return one_of(found.group, found.codes, "--x")


class PlainConsole:
    """The prompt's list, printed as plain lines (rich's rendering of a 26-line list for
    each of hundreds of answers would make this test slow; what is printed is the same)."""

    def print(self, text, **_):
        import sys

        print(text, file=sys.stderr)

    cache_clear = staticmethod(lambda: None)  # as _common.reset_consoles expects


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
@pytest.mark.parametrize("name", sorted(LISTS))
def test_the_prompt_accepts_every_label_shown_its_number_code_and_synonyms(
    name, lang, monkeypatch
):
    i18n.set_language(lang)
    monkeypatch.setattr(_common, "err_console", PlainConsole)
    expected = every_word(name)
    args = prompt_args(name)
    answers = "".join(f"{word}\n" for word, _ in expected)
    with CliRunner().isolation(input=answers) as (_out, err, _all):
        got = [_common.ask("Pilih", **args) for _ in expected]
        shown = err.getvalue().decode()
    assert got == [code for _, code in expected]
    assert "Galat" not in shown and "Error" not in shown  # never asked again
    for number, (code, label) in enumerate(args["choices"], start=1):
        # every label displayed is among the answers given, and so is its number; a
        # list of stored codes shows its labels alone ("1) Rendah", not "1) low — Rendah")
        if args.get("labels_only"):
            assert f"{number}) {label}\n" in shown and f") {code} — " not in shown
        else:
            assert f"{number}) {code} — {label}" in shown or f"{number}) {code}\n" in shown
        assert (label, code) in expected and (str(number), code) in expected


def test_a_wrong_answer_at_the_prompt_is_asked_again_with_the_reason():
    args = one_of("risk", choices.RISK_LEVELS, "--risk")
    with CliRunner().isolation(input="tingi\n9\ntinggi\n") as (_out, err, _all):
        _common.reset_consoles()
        assert _common.ask("Tingkat risiko", **args) == "high"
        shown = err.getvalue().decode()
    _common.reset_consoles()
    assert "Mungkin maksud Anda: high (Tinggi)" in shown
    assert "tidak ada pilihan nomor 9; pilih nomor 1 sampai 3" in shown.lower()


# --- the failures the issue lists ------------------------------------------------------


@pytest.mark.parametrize(
    ("found", "typed", "code"),
    [
        (choices.SOURCE, "razia", "street-raid"),
        (choices.SOURCE, "Razia / terjaring penertiban", "street-raid"),
        (choices.RISK, "tinggi", "high"),
        (choices.GOAL_STATUS, "sebagian", "partly"),
        (choices.GOAL_STATUS, "tercapai sebagian", "partly"),
        (choices.GOAL_STATUS, "Tercapai", "achieved"),
        (choices.DECISION, "lanjutkan", "continue"),
        (choices.MARITAL_STATUS, "belum kawin", "belum-kawin"),
        (choices.YES_OR_NO, "ya", "yes"),
        (choices.YES_OR_NO, "iya", "yes"),
        (choices.YES_OR_NO, "t", "no"),
        (choices.YES_OR_NO, "tidak", "no"),
        (choices.STAGE, "asesmen", "assessment"),
        (choices.STAGE, "Intervensi", "intervention"),
        (choices.category_list(), "lanjut usia telantar", "lansia-terlantar"),
        (choices.category_list(), "lansia-telantar", "lansia-terlantar"),
        (choices.category_list(), "Lanjut Usia Terlantar", "lansia-terlantar"),
        (choices.category_list(), "anak telantar", "anak-terlantar"),
        (choices.category_list(), "anak jalanan", "anak-jalanan"),
        (choices.category_list(), "ABH", "anak-berhadapan-hukum"),
        (choices.category_list(), "12", "pengemis"),
        (choices.category_list(), "１２", "pengemis"),  # full-width digits
    ],
)  # fmt: skip
def test_the_words_staff_typed_are_accepted(found, typed, code):
    assert found.parse(typed, "--x") == code


@pytest.mark.parametrize("typed", ["0", "-1", "4", "1.5", "99999"])
def test_only_the_numbers_shown_are_choices(typed):
    with pytest.raises(InvalidInput):
        choices.RISK.parse(typed, "--risk")


def test_a_category_number_not_shown_says_which_numbers_are():
    with pytest.raises(InvalidInput) as err:
        choices.category_list().parse("27", "--category")
    message = str(err.value)
    assert message == "--category: tidak ada pilihan nomor 27; pilih nomor 1 sampai 26."
    assert "Mungkin" not in message


@pytest.mark.parametrize(
    ("found", "typed", "candidates"),
    [
        (choices.MARITAL_STATUS, "cerai", ["cerai-hidup", "cerai-mati"]),
        (choices.category_list(), "gepeng", ["gelandangan", "pengemis"]),
        (choices.ACTIVITY, "konseling", ["individual-counseling", "family-counseling"]),
        (choices.category_list(), "anak", ["anak-terlantar", "anak-jalanan"]),
    ],
)  # fmt: skip
def test_an_ambiguous_answer_is_refused_listing_the_candidates(found, typed, candidates):
    with pytest.raises(InvalidInput) as err:
        found.parse(typed, "--x")
    assert err.value.params["detail"].key == "choice.ambiguous"
    for code in candidates:
        assert code in str(err.value)


@pytest.mark.parametrize(
    ("found", "typed", "suggested"),
    [
        (choices.RISK, "tingi", "high (Tinggi)"),
        (choices.category_list(), "pengemiss", "pengemis"),
        (choices.category_list(), "anak jlanan", "anak-jalanan"),
        (choices.SOURCE, "raziaa", "street-raid (Razia / terjaring penertiban)"),
    ],
)  # fmt: skip
def test_a_typo_gets_the_closest_choice(found, typed, suggested):
    with pytest.raises(InvalidInput) as err:
        found.parse(typed, "--x")
    assert f"Mungkin maksud Anda: {suggested}" in str(err.value)


@pytest.mark.parametrize(
    ("found", "typed", "code"),
    [
        (choices.YES_OR_NO, "yeah", "yes"), (choices.YES_OR_NO, "sure", "yes"),
        (choices.YES_OR_NO, "nope", "no"), (choices.YES_OR_NO, "ga", "no"),
        (choices.YES_OR_NO, "gak", "no"), (choices.YES_OR_NO, "nggak", "no"),
        (choices.LINK_RELATION, "relative", "other"),
        (choices.EDUCATION, "SMP / sederajat", "smp"), (choices.EDUCATION, "sma/ sederajat", "sma"),
        (choices.FAMILY_RELATION, "mamak", "ibu"), (choices.FAMILY_RELATION, "Older sibling", "kakak"),
        # a beginning inside a word still names its choice
        (choices.MARITAL_STATUS, "bercer", "cerai-hidup"), (choices.SOURCE, "satp", "street-raid"),
    ],
)  # fmt: skip
def test_more_words_staff_use_are_accepted(found, typed, code):
    assert found.parse(typed, "--x") == code


@pytest.mark.parametrize(
    ("found", "typed"),
    [
        (choices.TERMINATION_REASON, "tidak"),  # of "tidak bisa dihubungi"
        (choices.ACTIVITY, "rumah"),  # of "rumah sakit": a home visit, or a hospital?
        (choices.category_list(), "disabilitas"),  # of "disabilitas dewasa": child or adult?
        (choices.LETTER_KIND, "untuk"),  # of "(untuk Disdukcapil)"
    ],
)  # fmt: skip
def test_a_whole_word_is_no_beginning_of_a_longer_synonym(found, typed):
    # "janda" was taken for "janda mati": a word that says less than the synonym it
    # begins does not decide for it
    with pytest.raises(InvalidInput):
        found.parse(typed, "--x")


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("sepupu", "sepupu"), ("Ibu tiri", "Ibu tiri"), ("3", "suami"), ("Tulang", "paman")],
)  # fmt: skip
def test_a_family_relation_not_listed_is_kept_as_typed(typed, stored):
    from ppks_cli import intake

    assert intake.parse_family_relation(typed) == stored


@pytest.mark.parametrize("typed", ["saudara kandung", "brother", "orang tua", "0", "14"])
def test_a_family_relation_for_two_listed_or_a_number_not_shown_is_refused(typed):
    from ppks_cli import intake

    with pytest.raises(InvalidInput):
        intake.parse_family_relation(typed)


def test_an_unknown_answer_far_from_everything_lists_the_choices():
    with pytest.raises(InvalidInput) as err:
        choices.RISK.parse("xyz", "--risk")
    assert str(err.value) == (
        "--risk: 'xyz' tidak dikenal; pilihan: low (Rendah), medium (Sedang), high (Tinggi)."
    )
    i18n.set_language("en")
    assert "choices: low, medium, high." in str(err.value)  # the labels are the codes
    assert choices.RISK.parse("tinggi", "--risk") == "high"  # Indonesian words in English mode


# --- the flags and prompts of the commands ----------------------------------------------


@pytest.fixture
def run(repo, monkeypatch):
    """``run(*args, input=None, terminal=False)``: ppks in-process on ``repo``."""
    runner = CliRunner()

    def call(*args, input=None, terminal=False, lang=None):
        monkeypatch.setattr(_common, "stdin_is_terminal", lambda: terminal)
        _common.reset_consoles()
        prefix = ["--root", str(repo.root)] + (["--lang", lang] if lang else [])
        return invoke(runner, [*prefix, *args], input=input)

    return call


def opened(run, *args, **kw) -> dict:
    result = run(*args, "--json", **kw)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout[result.stdout.index("{") :])


def shown(run, case_id):
    return opened(run, "show", case_id)


def mr(run, **replace) -> str:
    args = list(NEW_MR_ARGS)
    for option, value in replace.items():
        flag = "--" + option.replace("_", "-")
        if flag in args:
            args[args.index(flag) + 1] = value
        else:
            args += [flag, value]
    return opened(run, *args)["id"]


def test_new_case_flags_take_labels_and_synonyms(run):
    case_id = mr(run, sex="perempuan", category="Lanjut Usia Telantar", source="razia",
                 religion="Muslim", marital_status="belum kawin", education="SLTP")  # fmt: skip
    case = shown(run, case_id)
    assert case["category"] == "lansia-terlantar"
    assert case["client"]["sex"] == "P"
    assert case["intake"]["source"] == "street-raid"
    assert (case["client"]["religion"], case["client"]["marital_status"]) == ("islam", "belum-kawin")
    assert case["client"]["education"] == "smp"
    other = mr(run, sex="2", category="8", source="Penjangkauan", name="Butet")
    case = shown(run, other)
    assert (case["client"]["sex"], case["category"], case["intake"]["source"]) == (
        "P", "lansia-terlantar", "outreach",
    )  # fmt: skip


def test_new_case_flags_take_english_labels_in_either_language(run):
    for lang in ("id", "en"):
        case_id = opened(
            run, "new-case", "--name", f"MR {lang}", "--sex", "Female", "--category",
            "Street child", "--source", "Street raid", "--worker", "Saskia", lang=lang,
        )["id"]  # fmt: skip
        case = shown(run, case_id)
        assert (case["client"]["sex"], case["category"], case["intake"]["source"]) == (
            "P", "anak-jalanan", "street-raid",
        )  # fmt: skip


def test_new_case_prompts_take_the_labels_shown(run):
    answers = "Perempuan\nlansia-telantar\nRazia / terjaring penertiban\n"
    result = run("new-case", "--name", "Siti", "--worker", "Saskia", "--json",
                 input=answers, terminal=True)  # fmt: skip
    assert result.exit_code == 0, result.output
    case = shown(run, json.loads(result.stdout[result.stdout.index("{") :])["id"])
    assert (case["client"]["sex"], case["category"], case["intake"]["source"]) == (
        "P", "lansia-terlantar", "street-raid",
    )  # fmt: skip
    assert "8) lansia-terlantar — Lanjut Usia Terlantar" in result.stderr


def test_a_bad_category_flag_says_what_to_type(run):
    result = run("new-case", "--name", "X", "--sex", "L", "--category", "27", "--source",
                 "razia", "--worker", "S")  # fmt: skip
    assert result.exit_code == 3
    assert "--category: tidak ada pilihan nomor 27; pilih nomor 1 sampai 26" in result.stderr


def test_edit_takes_the_labels_shown(run):
    case_id = mr(run)
    result = run("edit", case_id, "--marital-status", "Cerai hidup", "--religion", "protestan",
                 "--category", "gelandangan", "--reason", "data dari keluarga")  # fmt: skip
    assert result.exit_code == 0, result.output
    client = shown(run, case_id)["client"]
    assert (client["marital_status"], client["religion"]) == ("cerai-hidup", "kristen")


def casework(run, case_id, *, intervene=False):
    """Assessment and a plan of two goals for ``case_id`` (and an intervention)."""
    assert run("assess", case_id, "--problem", "Tidak punya tempat tinggal", "--risk", "tinggi",
               "--worker", "Saskia").exit_code == 0  # fmt: skip
    assert run("plan", case_id, "--goal", "Kembali ke keluarga", "--goal", "Punya KTP",
               "--target-date", "2099-01-01", "--worker", "Saskia").exit_code == 0  # fmt: skip
    if intervene:
        assert run("intervene", case_id, "--activity", "1", "--note", "x",
                   "--worker", "S").exit_code == 0  # fmt: skip


def test_assess_takes_risk_in_words(run):
    case_id = mr(run)
    casework(run, case_id)
    assert shown(run, case_id)["latest_assessment"]["risk"] == "high"
    result = run("assess", case_id, "--problem", "x", "--risk", "3", "--worker", "S")
    assert result.exit_code == 0, result.output
    assert shown(run, case_id)["latest_assessment"]["risk"] == "high"


def test_evaluate_flags_and_prompts_take_words(run):
    case_id = mr(run)
    casework(run, case_id, intervene=True)
    made = opened(run, "evaluate", case_id, "--progress", "maju", "--goal-status",
                  "1=tercapai sebagian:masih didampingi", "--goal-status", "2=Tercapai",
                  "--decision", "lanjutkan", "--worker", "S")  # fmt: skip
    record = shown(run, case_id)["records"][-1]
    assert record["decision"] == "continue"
    assert [(g["goal"], g["status"]) for g in record["goal_status"]] == [
        (1, "partly"), (2, "achieved"),
    ]  # fmt: skip
    assert made
    # at the prompt: a label, a number, the narrative, a synonym
    result = run("evaluate", case_id, "--worker", "S", input="sebagian\n1\nmaju\nrevisi\n",
                 terminal=True)  # fmt: skip
    assert result.exit_code == 0, result.output
    record = shown(run, case_id)["records"][-1]
    assert record["decision"] == "revise"
    assert [g["status"] for g in record["goal_status"]] == ["partly", "achieved"]


def test_intervene_refer_and_terminate_take_words(run):
    case_id = mr(run)
    casework(run, case_id)
    assert run("intervene", case_id, "--activity", "kunjungan rumah", "--note", "x",
               "--worker", "S").exit_code == 0  # fmt: skip
    result = run("intervene", case_id, "--note", "x", "--worker", "S",
                 input="Konseling individu\n", terminal=True)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert run("refer", case_id, "--to", "UPT Binjai", "--reason", "x", "--consent", "ya",
               "--worker", "S").exit_code == 0  # fmt: skip
    assert run("refer", case_id, "--status", "diterima", "--worker", "S").exit_code == 0
    result = run("refer", case_id, "--referral", "Binjai", "--worker", "S", input="Selesai\n",
                 terminal=True)  # fmt: skip
    assert result.exit_code == 0, result.output
    result = run("terminate", case_id, "--outcome", "x", "--worker", "S", input="Dirujuk\n",
                 terminal=True)  # fmt: skip
    assert result.exit_code == 0, result.output
    case = shown(run, case_id)
    chosen = {"intervention": "activity", "referral-update": "status", "termination": "reason"}
    kinds = [(r["kind"], r.get(chosen.get(r["kind"], ""))) for r in case["records"]]
    assert kinds[2:] == [
        ("intervention", "home-visit"), ("intervention", "individual-counseling"),
        ("referral", None), ("referral-update", "accepted"), ("referral-update", "completed"),
        ("termination", "referred"),
    ]  # fmt: skip
    assert case["referrals"][0]["consent"] is True


DIRECTORY = """
[[resources]]
name = "UPT Pelayanan Sosial Gelandangan dan Pengemis Binjai"

[[resources]]
name = "Panti Sosial Tresna Werdha Binjai"
"""


def test_refer_to_takes_the_number_and_a_unique_part_and_refuses_two(run, repo):
    with (repo.root / "ppks.toml").open("a", encoding="utf-8") as f:
        f.write(DIRECTORY)
    case_id = mr(run)
    casework(run, case_id)
    base = ("--reason", "x", "--consent", "ya", "--worker", "S")
    assert run("refer", case_id, "--to", "2", *base).exit_code == 0
    assert run("refer", case_id, "--to", "tresna", *base).exit_code == 0
    for refused, said in (("binjai", ("Gelandangan", "Tresna Werdha")), ("3", ("1 sampai 2",))):
        result = run("refer", case_id, "--to", refused, *base)
        assert result.exit_code == 3, result.output
        assert "--to" in result.stderr and all(s in result.stderr for s in said), result.stderr
    names = [r["destination"] for r in shown(run, case_id)["referrals"]]
    assert names == ["Panti Sosial Tresna Werdha Binjai"] * 2


def test_the_family_flag_stores_a_relation_as_the_listed_word(run):
    case_id = mr(run, family="Siti;mother;081311112222")
    assert shown(run, case_id)["client"]["family"][0]["relation"] == "ibu"
    other = mr(run, family="Sri;sepupu", name="Butet")
    assert shown(run, other)["client"]["family"][0]["relation"] == "sepupu"


def test_list_filters_take_words(run):
    case_id = mr(run)
    casework(run, case_id)

    def listed(*args):
        result = run("list", *args, "--json")
        assert result.exit_code == 0, result.output
        return [row["id"] for row in json.loads(result.stdout)]

    for stage in ("perencanaan", "Planning", "3", "rencana"):
        assert listed("--stage", stage) == [case_id], stage
    assert listed("--stage", "asesmen") == []
    assert listed("--category", "12", "--sort", "terbaru") == [case_id]
    assert listed("--category", "gelandangan") == []
    result = run("list", "--stage", "asesmn")
    assert result.exit_code == 3 and "assessment (Asesmen)" in result.stderr


def test_link_and_attach_take_words(run, tmp_path):
    child, mother = mr(run), mr(run, name="Siti", sex="P")
    assert run("link", child, mother, "--as", "Mamak", "--worker", "S").exit_code == 0
    other = mr(run, name="Ucok")
    result = run("link", other, mother, "--worker", "S", input="Ibu\n", terminal=True)
    assert result.exit_code == 0, result.output
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(b"%PDF-1.4 x")
    assert run("attach", child, str(scan), "--kind", "Kartu Keluarga", "--worker", "S"
               ).exit_code == 0  # fmt: skip
    result = run("attach", child, str(scan), "--worker", "S", input="Akta kelahiran\n",
                 terminal=True)  # fmt: skip
    assert result.exit_code == 0, result.output
    records = shown(run, child)["records"]
    assert [r.get("document") for r in records if r["kind"] == "attachment"] == ["kk", "akta"]
    assert [r["relation"] for r in shown(run, other)["records"] if r["kind"] == "link"] == [
        "mother"
    ]


def test_approve_and_letter_take_words(run, repo):
    from test_letters import SIGNATORIES

    repo.paths.config.write_text(repo.paths.config.read_text() + SIGNATORIES)
    case_id = mr(run)
    casework(run, case_id)
    result = run("approve", case_id, "rencana", "--by", "Drs. Supervisor")
    assert result.exit_code == 0, result.output
    assert shown(run, case_id)["records"][-1]["stage"] == "plan"
    result = run("letter", case_id, "asesmen", "--draft", "--format", "Markdown")
    assert result.exit_code == 0, result.output
    assert "ASESMEN" in result.stdout


# --- [y/N] questions ----------------------------------------------------------------------


def confirm_app():
    app = typer.Typer()

    @app.command()
    def ask_it() -> None:
        typer.echo("yes" if _common.confirm("Tambah anggota keluarga?") else "no")

    return app


@pytest.mark.parametrize(
    ("typed", "answer"),
    [("ya", "yes"), ("Y", "yes"), ("iya", "yes"), ("yes", "yes"), ("tidak", "no"),
     ("t", "no"), ("n", "no"), ("no", "no"), ("", "no")],
)  # fmt: skip
def test_a_yes_no_question_takes_both_languages(typed, answer):
    _common.reset_consoles()
    result = CliRunner().invoke(confirm_app(), [], input=f"{typed}\n")
    assert result.exit_code == 0
    assert result.stdout.strip().endswith(answer)
    assert "[y/T]" in result.stderr


@pytest.mark.parametrize(("lang", "again"), [("id", "Jawab ya atau tidak"), ("en", "Answer yes")])
def test_a_wrong_yes_no_answer_is_asked_again_in_the_interface_language(lang, again):
    i18n.set_language(lang)
    _common.reset_consoles()
    result = CliRunner().invoke(confirm_app(), [], input="mungkin\nya\n")
    assert result.exit_code == 0
    assert result.stdout.strip().endswith("yes")
    assert again in result.stderr
    assert "Error: invalid input" not in result.output
