"""`ppks sync` tells the truth (what was sent and received, to which remote branch) and
never strands a worker when colleagues push at the same moment. Real git: a bare
remote and clones in temporary folders."""

import json

import pytest
from test_git import new_case, ppks, team  # noqa: F401  (the fixture)

from conftest import git as raw_git
from conftest import run_ppks


def git(*args, cwd):
    return raw_git(*args, cwd=cwd).strip()


def sync_json(root, worker="Saskia"):
    result = ppks(root, "sync", "--json", worker=worker)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_new_case_sent_is_counted_and_said(team):  # noqa: F811
    shelter, office, shared = team
    case_id = new_case(shelter, "Rahmawati")
    assert ppks(shelter, "note", shared, "catatan").returncode == 0
    report = sync_json(shelter)
    assert report["cases_sent"] == [case_id]
    assert len(report["records_sent"]) == 1 and "cases/" + shared in report["records_sent"][0]
    assert report["remote_branch"] == "main" and report["branch"] == "main"
    received = sync_json(office, "Dewi")
    assert received["cases_received"] == [case_id] and received["cases_sent"] == []
    # the text says it too
    new_case(office, "Siti", worker="Dewi")
    said = ppks(office, "sync", worker="Dewi", PPKS_LANG="en")
    assert said.returncode == 0, said.stderr
    assert "1 new case and 0 records sent" in said.stdout, said.stdout
    assert "(branch main)" in said.stdout


def test_the_first_push_of_a_branch_counts_only_what_is_new_to_the_remote(team):  # noqa: F811
    shelter, office, shared = team
    git("checkout", "-q", "--no-track", "-b", "kerja", cwd=office)
    assert ppks(office, "note", shared, "di cabang kerja", worker="Dewi").returncode == 0
    report = sync_json(office, "Dewi")
    assert report["remote_branch"] == "kerja" and report["pushed"]
    assert report["cases_sent"] == [] and len(report["records_sent"]) == 1


def test_sync_follows_the_branch_upstream(team):  # noqa: F811
    shelter, office, shared = team
    git("checkout", "-q", "-b", "kerja", "--track", "origin/main", cwd=office)
    assert ppks(office, "note", shared, "untuk semua", worker="Dewi").returncode == 0
    report = sync_json(office, "Dewi")
    assert report["branch"] == "kerja" and report["remote_branch"] == "main"
    assert report["pushed"] and len(report["records_sent"]) == 1
    heads = git("ls-remote", "--heads", "origin", cwd=office)
    assert "refs/heads/kerja" not in heads
    # the colleague gets the note
    assert len(sync_json(shelter)["records_received"]) == 1
    # the upstream stays what it was
    assert git("rev-parse", "--abbrev-ref", "kerja@{u}", cwd=office) == "origin/main"


def test_after_a_bundle_import_the_own_records_are_not_received_again(team, tmp_path):  # noqa: F811
    shelter, office, shared = team
    own = new_case(office, "Siti", worker="Dewi")
    assert sync_json(office, "Dewi")["cases_sent"] == [own]
    # the shelter has not synced since: its bundle lacks the office's case
    assert ppks(shelter, "note", shared, "lewat USB").returncode == 0
    stick = tmp_path / "kasus.bundle"
    assert ppks(shelter, "bundle", "export", str(stick)).returncode == 0
    imported = ppks(office, "bundle", "import", str(stick), "--json", worker="Dewi")
    assert imported.returncode == 0, imported.stderr
    assert len(json.loads(imported.stdout)["records_received"]) == 1
    report = sync_json(office, "Dewi")
    assert report["cases_received"] == [] and report["records_received"] == []
    assert ppks(office, "check").returncode == 0


# --- colleagues pushing at the same moment -------------------------------------------------


def colleague_pushes(origin):
    """A commit lands on the remote's main, as if a colleague pushed just now."""
    tree = git("--git-dir", str(origin), "rev-parse", "main^{tree}", cwd=origin)
    head = git("--git-dir", str(origin), "rev-parse", "main", cwd=origin)
    new = git("--git-dir", str(origin), "commit-tree", tree, "-p", head, "-m", "colleague",
              cwd=origin)  # fmt: skip
    git("--git-dir", str(origin), "update-ref", "refs/heads/main", new, head, cwd=origin)
    return new


@pytest.fixture
def busy(team, monkeypatch):  # noqa: F811
    """The remote moves between every fetch and push, ``times`` times (``busy.times``)."""
    import importlib

    sync_module = importlib.import_module("ppks_cli.git.sync")  # not git.sync, the function

    shelter, _, _ = team
    origin = shelter.parent / "origin.git"
    real_run = sync_module.run
    state = {"times": 0, "pushed": [], "waits": []}

    def run(root, *args, **kwargs):
        if args and args[0] == "push" and state["times"] > 0:
            state["times"] -= 1
            state["pushed"].append(colleague_pushes(origin))
        return real_run(root, *args, **kwargs)

    monkeypatch.setattr(sync_module, "run", run)
    monkeypatch.setattr(sync_module, "_backoff", lambda attempt: state["waits"].append(attempt))
    return state


def test_a_push_refused_because_a_colleague_pushed_is_retried(team, busy):  # noqa: F811
    from ppks_cli import git as ppks_git

    shelter, _, shared = team
    assert ppks(shelter, "note", shared, "sibuk").returncode == 0
    busy["times"] = 4
    report = ppks_git.sync(shelter, worker="Saskia")
    assert report.pushed and len(report.records_sent) == 1
    assert busy["waits"] == [0, 1, 2, 3]
    history = git("rev-list", "origin/main", cwd=shelter).split()
    assert all(commit in history for commit in busy["pushed"])
    assert git("rev-parse", "HEAD", cwd=shelter) == git("rev-parse", "origin/main", cwd=shelter)


def test_when_colleagues_keep_pushing_it_says_nothing_was_lost(team, busy, monkeypatch):  # noqa: F811
    from ppks_cli import git as ppks_git
    from ppks_cli.errors import ExternalToolError
    from ppks_cli.git.sync import PUSH_ATTEMPTS

    shelter, _, shared = team
    assert ppks(shelter, "note", shared, "sibuk sekali").returncode == 0
    mine = git("rev-parse", "HEAD", cwd=shelter)
    busy["times"] = 100
    with pytest.raises(ExternalToolError) as raised:
        ppks_git.sync(shelter, worker="Saskia")
    assert raised.value.exit_code == 9
    assert raised.value.key == "error.sync_busy"
    assert len(busy["waits"]) == PUSH_ATTEMPTS - 1
    # the note is still committed here, on top of the colleagues' work
    assert git("status", "--porcelain", cwd=shelter) == ""
    subject = git("log", "-1", "--format=%s", cwd=shelter)
    assert subject == git("log", "-1", "--format=%s", mine, cwd=shelter)
    # and through the command: ppks's words, in both languages, no git text (after two
    # attempts: how many there are is checked above, the words do not depend on it)
    import importlib

    monkeypatch.setattr(importlib.import_module("ppks_cli.git.sync"), "PUSH_ATTEMPTS", 2)
    for lang, words in (("id", "Tidak ada yang hilang"), ("en", "Nothing was lost")):
        busy["times"] = 100
        said = run_ppks("sync", cwd=shelter, env={"PPKS_WORKER": "Saskia", "PPKS_LANG": lang})
        assert said.returncode == 9
        assert words in said.stderr and "ppks sync" in said.stderr
        assert "rejected" not in said.stderr and "non-fast-forward" not in said.stderr


# --- bundles: damaged, or nothing new --------------------------------------------------------


@pytest.mark.parametrize("damage", ["truncated", "corrupted"])
def test_a_damaged_bundle_is_a_damaged_file_and_nothing_changes(team, tmp_path, damage):  # noqa: F811
    shelter, office, shared = team
    assert ppks(shelter, "note", shared, "lewat USB").returncode == 0
    stick = tmp_path / "kasus.bundle"
    assert ppks(shelter, "bundle", "export", str(stick)).returncode == 0
    data = bytearray(stick.read_bytes())
    pack = data.index(b"PACK")
    if damage == "truncated":
        data = data[: pack + (len(data) - pack) // 2]
    else:
        for at in range(pack + 40, len(data) - 30, 7):
            data[at] ^= 0x5A
    stick.write_bytes(bytes(data))
    head = git("rev-parse", "HEAD", cwd=office)
    packs = office / ".git" / "objects" / "pack"
    packs.mkdir(parents=True, exist_ok=True)
    theirs = packs / "tmp_pack_Other1"  # not the import's: a git of the user's own
    theirs.write_bytes(b"PACK")
    for lang, words in (("id", "rusak"), ("en", "damaged")):
        result = ppks(office, "bundle", "import", str(stick), worker="Dewi", PPKS_LANG=lang)
        assert result.returncode == 7, result.stderr
        assert words in result.stderr and "index-pack" not in result.stderr
    assert git("rev-parse", "HEAD", cwd=office) == head
    assert git("status", "--porcelain", cwd=office) == ""
    # the half-written pack of each refused import is gone; nothing else is touched
    assert sorted(p.name for p in packs.glob("tmp_*")) == [theirs.name]
    into = ppks(office, "bundle", "import", str(stick), "--into", str(tmp_path / "baru"))
    assert into.returncode == 7, into.stderr
    assert not (tmp_path / "baru").exists()
    # a file that is no bundle at all is bad input, not a damaged file
    other = tmp_path / "catatan.bundle"
    other.write_text("bukan bundle\n")
    assert ppks(office, "bundle", "import", str(other), worker="Dewi").returncode == 3


def test_a_bundle_with_nothing_new_says_so(team, tmp_path):  # noqa: F811
    shelter, office, shared = team
    stick = tmp_path / "kasus.bundle"
    assert ppks(shelter, "bundle", "export", str(stick)).returncode == 0
    new_case(office, "Siti", worker="Dewi")  # the office is ahead of the bundle
    head = git("rev-parse", "HEAD", cwd=office)
    said = ppks(office, "bundle", "import", str(stick), worker="Dewi")
    assert said.returncode == 0, said.stderr
    assert "Tidak ada yang baru" in said.stdout
    report = json.loads(ppks(office, "bundle", "import", str(stick), "--json").stdout)
    assert report["up_to_date"] is True and report["records_received"] == []
    assert git("rev-parse", "HEAD", cwd=office) == head
