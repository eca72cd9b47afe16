"""``ppks link`` and ``ppks merge``: relations shown on both sides, two cases of one
person, refusals that write nothing, and links made offline in two clones."""

import dataclasses
import json

import pytest

from ppks_cli import links
from ppks_cli.errors import InvalidInput, Refused
from ppks_cli.intake import create_case, prepare
from ppks_cli.records import INVERSE_RELATION, LINK_RELATIONS
from ppks_cli.store import Repository

from conftest import MR, damage_a_record, git, new_case, run_ppks, snapshot


def add(repo, name: str, **more):
    form = dataclasses.replace(MR, name=name, **more)
    return create_case(repo, prepare(form), allow_duplicates=True)


def shown_links(cli, case_id, lang=None) -> dict[str, str]:
    result = cli("show", case_id, "--json", lang=lang)
    assert result.exit_code == 0, result.output
    return {link["case"]: link["relation"] for link in json.loads(result.stdout)["links"]}


def test_every_relation_has_an_inverse_and_back():
    for relation in (*LINK_RELATIONS, "duplicate"):
        inverse = INVERSE_RELATION[relation]
        assert INVERSE_RELATION[inverse] in (relation, "child", "parent")
    assert links.parse_relation("IBU") == "mother"
    assert links.parse_relation(" wali ") == "guardian"
    # the codes shown at the prompt are accepted too (an English code always is)
    assert links.parse_relation("sibling") == "sibling"
    assert links.parse_relation("bapak") == "father"
    for word in ("sepupu", "duplicate", "parent", "ward", ""):  # ppks writes the others
        with pytest.raises(InvalidInput):
            links.parse_relation(word)


def test_a_mother_and_two_children_are_shown_on_all_three(repo, cli):
    mother, son, daughter = add(repo, "Siti"), add(repo, "Ucok"), add(repo, "Butet")
    for child in (son, daughter):
        result = cli("link", child.id, mother.id, "--as", "ibu", "--worker", "Saskia")
        assert result.exit_code == 0, result.output
    made = cli("link", son.id, daughter.id, "--as", "saudara", "--reason", "kakak beradik",
               "--worker", "Saskia", "--json")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["record"]["relation"] == "sibling"
    assert shown_links(cli, mother.id) == {son.id: "child", daughter.id: "child"}
    assert shown_links(cli, son.id) == {mother.id: "mother", daughter.id: "sibling"}
    assert shown_links(cli, daughter.id) == {mother.id: "mother", son.id: "sibling"}
    text = cli("show", mother.id)
    assert "Kasus terkait" in text.stdout and "Anak" in text.stdout and "Ucok" in text.stdout
    english = cli("show", daughter.id, lang="en")
    assert "Related cases" in english.stdout and "Mother" in english.stdout
    assert "Sibling" in english.stdout
    # the link is a record of the child's case only; the mother's folder is untouched
    assert [r.kind for r in Repository.open(repo.root).load_case(mother.id).records] == []


def test_guardian_shows_ward_on_the_other_side(repo, cli):
    child, guardian = add(repo, "Ucok"), add(repo, "Pak Rahmat")
    assert cli("link", child.id, guardian.id, "--as", "wali", "--worker", "S").exit_code == 0
    assert shown_links(cli, guardian.id) == {child.id: "ward"}
    assert "Di bawah perwalian" in cli("show", guardian.id).stdout


def test_a_link_recorded_on_both_sides_is_shown_once(repo, cli):
    a, b = add(repo, "Siti"), add(repo, "Ucok")
    assert cli("link", b.id, a.id, "--as", "ibu", "--worker", "S").exit_code == 0
    assert cli("link", a.id, b.id, "--as", "anak", "--worker", "S").exit_code == 0
    data = json.loads(cli("show", a.id, "--json").stdout)["links"]
    assert [(x["case"], x["relation"], x["recorded_here"]) for x in data] == [
        (b.id, "child", True)
    ]


@pytest.mark.parametrize(
    "args, code",
    [
        (["link", "{A}", "{A}", "--as", "ibu"], 3),  # the same case twice
        (["link", "{A}", "{B}", "--as", "sepupu"], 3),  # an unknown relation
        (["link", "{A}", "{B}", "--as", "duplicate"], 3),  # only merge writes it
        (["link", "{A}", "{B}", "--as", "orang tua"], 3),  # the inverse of child: ppks writes it
        (["link", "{A}", "{B}"], 3),  # no relation, no terminal
        (["link", "{A}", "2099-ZZ", "--as", "ibu"], 4),
        (["link", "2099-ZZ", "{A}", "--as", "ibu"], 4),
        (["link", "{A}", "{B}", "--as", "ibu", "--date", "2000-01-01"], 6),
        (["merge", "{A}", "{A}", "--reason", "x"], 3),
        (["merge", "{A}", "{B}"], 3),  # no reason
        (["merge", "{A}", "2099-ZZ", "--reason", "x"], 4),
        (["merge", "{A}", "{B}", "--reason", "x", "--date", "2000-01-01"], 6),
        (["merge", "{A}", "{CLOSED}", "--reason", "x"], 6),
        (["terminate", "{A}", "--reason", "duplicate", "--outcome", "x"], 3),  # merge's own
    ],
)
def test_bad_links_and_merges_exit_with_named_codes_and_write_nothing(repo, cli, args, code):
    a, b, closed = add(repo, "Siti"), add(repo, "Ucok"), add(repo, "Sukarno")
    assert cli("terminate", closed.id, "--reason", "died", "--outcome", "x",
               "--worker", "S").exit_code == 0  # fmt: skip
    before = snapshot(repo.root)
    names = {"{A}": a.id, "{B}": b.id, "{CLOSED}": closed.id}
    result = cli(*[names.get(x, x) for x in args], "--worker", "S")
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert snapshot(repo.root) == before


def test_the_same_link_twice_is_refused(repo):
    a, b = add(repo, "Siti"), add(repo, "Ucok")
    links.link(repo, a, b, worker="S", relation="anak")
    with pytest.raises(Refused) as refused:
        links.link(repo, a, b, worker="S", relation="ANAK")
    assert refused.value.key == "error.link_exists"


def test_merge_closes_the_duplicate_keeps_every_record_and_links_both_ways(repo, cli):
    keep, dup = add(repo, "Rahmat Siregar"), add(repo, "Ucok")
    assert cli("assess", dup.id, "--problem", "Tidur di jalan", "--worker", "S").exit_code == 0
    assert cli("note", dup.id, "dikenal sebagai Ucok", "--worker", "S").exit_code == 0
    before = [r.id for r in Repository.open(repo.root).load_case(dup.id).records]
    result = cli("merge", keep.id[:7], dup.id, "--reason", "orang yang sama", "--worker", "S",
                 "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["termination"]["reason"] == "duplicate"
    assert [x["relation"] for x in data["links"]] == ["duplicate", "duplicate"]
    fresh = Repository.open(repo.root)
    kept, gone = fresh.load_case(keep.id), fresh.load_case(dup.id)
    assert not kept.state.closed and gone.state.closed
    assert gone.state.termination.reason == "duplicate"
    assert set(before) <= {r.id for r in gone.records}  # nothing lost
    for case, other in ((keep, dup), (dup, keep)):
        view = json.loads(cli("show", case.id, "--json").stdout)
        assert [(x["case"], x["relation"]) for x in view["links"]] == [(other.id, "duplicate")]
    assert json.loads(cli("show", dup.id, "--json").stdout)["duplicate_of"] == keep.id
    assert json.loads(cli("show", keep.id, "--json").stdout)["duplicate_of"] is None
    text = cli("show", dup.id)
    assert "Sama orang" in text.stdout and "Duplikat" in text.stdout
    assert "Sama orang" in cli("show", keep.id).stdout
    # a second merge of the same duplicate is refused: it is closed
    assert cli("merge", keep.id, dup.id, "--reason", "x", "--worker", "S").exit_code == 6


def test_links_and_merges_made_offline_in_two_clones_survive_sync(tmp_path):
    git("init", "-q", "--bare", "-b", "main", str(tmp_path / "hub.git"), cwd=tmp_path)
    a = tmp_path / "a"
    assert run_ppks("init", str(a), "--office", "Dinas Sosial", "--worker", "Saskia").returncode == 0
    ids = []
    for name in ("Siti", "Ucok", "Butet", "Rahmat", "Rahmat S"):
        made = run_ppks("--root", str(a), "new-case", "--name", name, "--category", "pengemis",
                        "--sex", "P", "--source", "street-raid", "--yes", "--json")  # fmt: skip
        assert made.returncode == 0, made.stderr
        ids.append(json.loads(made.stdout)["id"])
    mother, son, daughter, keep, dup = ids
    git("remote", "add", "origin", str(tmp_path / "hub.git"), cwd=a)
    git("push", "-qu", "origin", "HEAD:main", cwd=a)
    git("branch", "-q", "-u", "origin/main", cwd=a)
    b = tmp_path / "b"
    git("clone", "-q", str(tmp_path / "hub.git"), str(b), cwd=tmp_path)
    # offline: a links the son and merges; b links the daughter, both to the mother
    for root, args in (
        (a, ["link", son, mother, "--as", "ibu"]),
        (a, ["merge", keep, dup, "--reason", "orang yang sama"]),
        (b, ["link", daughter, mother, "--as", "ibu", "--worker", "Dewi"]),
        (b, ["link", mother, son, "--as", "anak", "--worker", "Dewi"]),
    ):
        done = run_ppks("--root", str(root), *args)
        assert done.returncode == 0, done.stderr
    for root in (a, b, a):
        synced = run_ppks("--root", str(root), "sync")
        assert synced.returncode == 0, synced.stderr
    for root in (a, b):
        assert git("status", "--porcelain", cwd=root) == ""

        def relations(case_id, root=root):
            shown = run_ppks("--root", str(root), "show", case_id, "--json")
            return {x["case"]: x["relation"] for x in json.loads(shown.stdout)["links"]}

        assert relations(mother) == {son: "child", daughter: "child"}
        assert relations(son) == {mother: "mother"}
        assert relations(daughter) == {mother: "mother"}
        assert relations(dup) == {keep: "duplicate"}
        assert relations(keep) == {dup: "duplicate"}
        assert run_ppks("--root", str(root), "check").returncode == 0


# --- the reason on both sides; no way around merge; refusals that write nothing -----------


def show(cli, case_id: str) -> dict:
    result = cli("show", case_id, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("damaged", ["keep", "dup"])
def test_merge_with_a_damaged_case_writes_nothing(git_office_cli, damaged):
    root, cli, _ = git_office_cli
    cases = {"keep": new_case(cli, "Klien Satu"), "dup": new_case(cli, "Klien Dua")}
    damage_a_record(root, cli, cases[damaged])
    before = snapshot(root)
    result = cli("merge", cases["keep"], cases["dup"], "--reason", "orang yang sama")
    assert result.exit_code == 6, result.output
    assert snapshot(root) == before  # not the kept case's link either


def test_the_reason_of_a_link_is_shown_on_the_other_side_too(git_office_cli):
    _, cli, mother = git_office_cli
    child = new_case(cli, "Anak")
    assert cli("link", child, mother, "--as", "ibu", "--reason", "dijemput bersama").exit_code == 0
    [seen_from_child] = show(cli, child)["links"]
    [seen_from_mother] = show(cli, mother)["links"]
    assert seen_from_child["reason"] == "dijemput bersama"
    assert (seen_from_mother["relation"], seen_from_mother["recorded_here"]) == ("child", False)
    assert seen_from_mother["reason"] == "dijemput bersama"


def test_link_as_duplicate_is_not_a_way_around_merge(git_office_cli):
    root, cli, case_id = git_office_cli
    other = new_case(cli, "Lain")
    before = snapshot(root)
    result = cli("link", case_id, other, "--as", "duplicate")
    assert result.exit_code == 3, result.output
    assert "mother (Ibu), father (Ayah)" in result.output  # the choices it takes
    assert snapshot(root) == before


def test_merge_into_a_merged_duplicate_is_refused_and_names_the_case_kept(git_office_cli):
    root, cli, _ = git_office_cli
    a, b, c = (new_case(cli, f"Klien {n}") for n in "ABC")
    assert cli("merge", a, b, "--reason", "sama").exit_code == 0
    before = snapshot(root)
    result = cli("merge", b, c, "--reason", "sama")  # b is itself a closed duplicate of a
    assert result.exit_code == 6, result.output
    assert f"ppks merge {a}" in result.output  # where to merge instead
    assert snapshot(root) == before
    # into the case kept, it works; a case closed for another reason may keep a duplicate
    assert cli("merge", a, c, "--reason", "sama").exit_code == 0
    d, e = new_case(cli, "Klien D"), new_case(cli, "Klien E")
    assert cli("terminate", d, "--reason", "died", "--outcome", "x").exit_code == 0
    assert cli("merge", d, e, "--reason", "sama").exit_code == 0


@pytest.mark.parametrize(
    "first, second",
    [
        (("{A}", "{B}", "ibu"), ("{A}", "{B}", "ayah")),  # the same side
        (("{A}", "{B}", "ibu"), ("{B}", "{A}", "saudara")),  # the other side
        (("{A}", "{B}", "anak"), ("{B}", "{A}", "anak")),  # each the other's child
    ],
)
def test_a_link_contradicting_an_earlier_one_is_refused(repo, cli, first, second):
    a, b = add(repo, "Siti"), add(repo, "Ucok")
    names = {"{A}": a.id, "{B}": b.id}
    case, other, word = (names.get(x, x) for x in first)
    made = cli("link", case, other, "--as", word, "--worker", "S", "--json")
    assert made.exit_code == 0, made.output
    record = json.loads(made.stdout)["record"]["id"]
    before = snapshot(repo.root)
    case, other, word = (names.get(x, x) for x in second)
    result = cli("link", case, other, "--as", word, "--worker", "S")
    assert result.exit_code == 6, result.output
    assert record in result.output  # the link it contradicts
    assert snapshot(repo.root) == before


def test_links_that_agree_or_add_a_role_are_accepted(repo, cli):
    mother, child, sister = add(repo, "Siti"), add(repo, "Ucok"), add(repo, "Butet")
    assert cli("link", child.id, mother.id, "--as", "ibu", "--worker", "S").exit_code == 0
    # the same from the other side, and a sister who is the child's guardian too
    assert cli("link", mother.id, child.id, "--as", "anak", "--worker", "S").exit_code == 0
    assert cli("link", child.id, sister.id, "--as", "saudara", "--worker", "S").exit_code == 0
    assert cli("link", child.id, sister.id, "--as", "wali", "--worker", "S").exit_code == 0
    # linked cases found to be one person can still be merged
    assert cli("merge", child.id, sister.id, "--reason", "x", "--worker", "S").exit_code == 0
