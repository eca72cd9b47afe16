"""`bundle import` never rewrites what the office already pushed: the bundle is merged in
when rebasing would rewrite pushed commits, rebased onto otherwise; a conflict is
explained as `sync` explains it and nothing changes. Real git: a bare remote and clones."""

import os
import subprocess

import pytest
from test_git import ppks, team  # noqa: F401  (the fixture)

from conftest import git as raw_git


def git(*args, cwd):
    return raw_git(*args, cwd=cwd).strip()


def is_ancestor(older, newer, cwd):
    found = subprocess.run(["git", "merge-base", "--is-ancestor", older, newer], cwd=cwd)
    return found.returncode == 0


def notes(root, case_id):
    return sorted(p.name for p in (root / "cases" / case_id).rglob("*.toml")
                  if p.name != "case.toml")  # fmt: skip


@pytest.fixture
def field(team, tmp_path):  # noqa: F811
    """A field worker's clone, made before the office's new work (it syncs no more)."""
    shelter, office, shared = team
    root = tmp_path / "field"
    git("clone", "-q", str(tmp_path / "origin.git"), str(root), cwd=tmp_path)
    return root


def hand_edit(root, case_id, year, who):
    path = root / "cases" / case_id / "case.toml"
    path.write_text(path.read_text().replace("birth_year = 1980", f"birth_year = {year}"))
    subprocess.run(["git", "commit", "-qam", "birth year by hand"], cwd=root, check=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": who})  # fmt: skip


def export(root, tmp_path):
    stick = tmp_path / "lapangan.bundle"
    assert ppks(root, "bundle", "export", str(stick)).returncode == 0
    return stick


def test_pushed_commits_are_kept_and_the_bundle_is_merged(team, field, tmp_path):  # noqa: F811
    shelter, office, shared = team
    assert ppks(field, "note", shared, "dari lapangan", worker="Joko").returncode == 0
    stick = export(field, tmp_path)
    assert ppks(office, "note", shared, "dari kantor", worker="Dewi").returncode == 0
    assert ppks(office, "sync", worker="Dewi").returncode == 0
    pushed = git("rev-parse", "HEAD", cwd=office)
    assert git("rev-parse", "origin/main", cwd=office) == pushed

    imported = ppks(office, "bundle", "import", str(stick), worker="Dewi", PPKS_LANG="en")
    assert imported.returncode == 0, imported.stderr
    assert "1 new record." in imported.stdout
    # the pushed commit is still in the history, unchanged; the bundle's too
    assert is_ancestor("origin/main", "HEAD", office)
    assert is_ancestor(pushed, "HEAD", office)
    field_tip = git("rev-parse", "HEAD", cwd=field)
    assert is_ancestor(field_tip, "HEAD", office)
    # one merge commit, by the worker, with a ppks message
    parents = git("log", "-1", "--format=%P", cwd=office).split()
    assert parents == [pushed, field_tip]
    assert git("log", "-1", "--format=%an|%s", cwd=office) == "Dewi|ppks: work from a bundle merged"
    assert len(notes(office, shared)) == 2
    assert git("status", "--porcelain", cwd=office) == ""
    assert ppks(office, "check").returncode == 0
    # the office sends it on; a colleague pulls it without any conflict
    synced = ppks(office, "sync", worker="Dewi")
    assert synced.returncode == 0, synced.stderr
    assert is_ancestor(pushed, "origin/main", office)
    pulled = ppks(shelter, "sync")
    assert pulled.returncode == 0, pulled.stderr
    assert len(notes(shelter, shared)) == 2
    assert git("rev-parse", "HEAD", cwd=shelter) == git("rev-parse", "HEAD", cwd=office)


def test_only_unpushed_work_is_still_rebased_in_one_line(team, field, tmp_path):  # noqa: F811
    shelter, office, shared = team
    assert ppks(field, "note", shared, "dari lapangan", worker="Joko").returncode == 0
    stick = export(field, tmp_path)
    assert ppks(office, "note", shared, "belum dikirim", worker="Dewi").returncode == 0
    imported = ppks(office, "bundle", "import", str(stick), worker="Dewi")
    assert imported.returncode == 0, imported.stderr
    assert git("rev-list", "--merges", "--count", "HEAD", cwd=office) == "0"
    assert is_ancestor(git("rev-parse", "HEAD", cwd=field), "HEAD", office)
    assert git("log", "-1", "--format=%s", cwd=office).endswith("note added")
    assert len(notes(office, shared)) == 2


def test_a_conflict_with_pushed_work_changes_nothing(team, field, tmp_path):  # noqa: F811
    shelter, office, shared = team
    hand_edit(field, shared, "1979", "Joko")
    stick = export(field, tmp_path)
    hand_edit(office, shared, "1982", "Dewi")
    assert ppks(office, "sync", worker="Dewi").returncode == 0
    before = git("rev-parse", "HEAD", cwd=office)
    for lang, words in (("en", "Bundle import stopped"), ("id", "Impor bundle dihentikan")):
        result = ppks(office, "bundle", "import", str(stick), worker="Dewi", PPKS_LANG=lang)
        assert result.returncode == 6
        assert words in result.stderr
        for shown in (f"cases/{shared}/case.toml", "birth_year = 1979", "birth_year = 1982",
                      "Joko", "Dewi", "git merge refs/ppks/bundle", "ppks check"):  # fmt: skip
            assert shown in result.stderr, shown
        assert "Traceback" not in result.stderr
        assert git("rev-parse", "HEAD", cwd=office) == before
        assert git("status", "--porcelain", cwd=office) == ""
        assert not (office / ".git" / "MERGE_HEAD").exists()
        assert "birth_year = 1982" in (office / "cases" / shared / "case.toml").read_text()
    # the printed way out works: merge, keep one version, add, commit, sync
    path = office / "cases" / shared / "case.toml"
    stopped = subprocess.run(["git", "merge", "refs/ppks/bundle"], cwd=office, capture_output=True)
    assert stopped.returncode != 0 and "<<<<<<<" in path.read_text()
    kept = [ln for ln in path.read_text().splitlines()
            if not ln.startswith(("<<<<<<<", "=======", ">>>>>>>")) and ln != "birth_year = 1979"]
    path.write_text("\n".join(kept) + "\n")
    git("add", f"cases/{shared}/case.toml", cwd=office)
    subprocess.run(["git", "commit", "-q", "--no-edit"], cwd=office, check=True)
    assert ppks(office, "check").returncode == 0
    assert ppks(office, "sync", worker="Dewi").returncode == 0
    assert is_ancestor(before, "HEAD", office)


def test_a_merged_bundle_not_yet_pushed_stays_a_merge_when_syncing(team, field, tmp_path):  # noqa: F811
    """The bundle's merge commit is not flattened by the next sync: when a colleague
    pushed meanwhile, the office's branch is merged with theirs instead of rebased
    (a rebase would replay the bundle's commits and drop the merge)."""
    shelter, office, shared = team
    assert ppks(field, "note", shared, "dari lapangan", worker="Joko").returncode == 0
    stick = export(field, tmp_path)
    assert ppks(office, "note", shared, "dari kantor", worker="Dewi").returncode == 0
    assert ppks(office, "sync", worker="Dewi").returncode == 0
    assert ppks(office, "bundle", "import", str(stick), worker="Dewi").returncode == 0
    merge = git("rev-parse", "HEAD", cwd=office)
    assert len(git("log", "-1", "--format=%P", cwd=office).split()) == 2
    # a colleague pushes before the office sends the merge on
    assert ppks(shelter, "note", shared, "dari rumah singgah", worker="Sari").returncode == 0
    assert ppks(shelter, "sync", worker="Sari").returncode == 0

    synced = ppks(office, "sync", worker="Dewi", PPKS_LANG="en")
    assert synced.returncode == 0, synced.stderr
    field_tip = git("rev-parse", "HEAD", cwd=field)
    # the merge commit itself is kept and pushed, with the field worker's commit
    assert is_ancestor(merge, "origin/main", office)
    assert is_ancestor(field_tip, "origin/main", office)
    assert git("log", "-1", "--format=%an|%s", cwd=office) == "Dewi|ppks: colleagues' work merged"
    assert len(notes(office, shared)) == 3
    assert git("status", "--porcelain", cwd=office) == ""
    pulled = ppks(shelter, "sync")
    assert pulled.returncode == 0, pulled.stderr
    assert len(notes(shelter, shared)) == 3
