"""Starting and joining a team (issue 11): the README's steps for the office's first day
with real git and a bare remote made where git's default branch is ``master``;
``ppks clone`` from a remote whose HEAD names no branch, from a bundle, and refusing
what it must; ``sync``'s first push pointing a bare remote's HEAD to the case branch."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from ppks_cli import exchange
from ppks_cli.errors import InvalidInput, Refused
from ppks_cli.git.joining import check_source, default_folder, fix_remote_head

from conftest import NEW_MR_ARGS, PROJECT, built_once, git, run_ppks


def readme_steps() -> str:
    text = (PROJECT / "README.md").read_text()
    return text.split("<!-- team-start:begin -->")[1].split("<!-- team-start:end -->")[0]


def step(number: int) -> str:
    """The text of the README's numbered step ``number``."""
    found = re.search(rf"^{number}\. (.*?)(?=^\d+\. |^\S|\Z)", readme_steps(), re.M | re.S)
    assert found, number
    return " ".join(found.group(1).split())


def commands_of(number: int) -> list[str]:
    """The commands of a step: its `code` spans that start with ppks, git, cd or export."""
    spans = re.findall(r"`([^`]+)`", step(number))
    return [s for s in spans if s.split()[0] in ("ppks", "git", "cd", "export")]


def bare_master(path: Path) -> Path:
    """``git init --bare`` on a machine whose default branch is ``master``."""
    git("-c", "init.defaultBranch=master", "init", "-q", "--bare", str(path), cwd=path.parent)
    assert git("symbolic-ref", "HEAD", cwd=path).strip() == "refs/heads/master"
    return path


def sh(command: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """A README command line: ppks in-process, anything else in a real shell."""
    import shlex

    words = shlex.split(command)
    if words[0] == "ppks":
        return run_ppks(*words[1:], cwd=cwd, env=env)
    return subprocess.run(command, shell=True, cwd=cwd, capture_output=True, text=True)


def ids(root: Path) -> set[str]:
    return {item["id"] for item in json.loads(run_ppks("list", "--json", cwd=root).stdout)}


# --- the README's steps, as written -------------------------------------------------------


def test_the_readme_first_day_gives_the_second_worker_every_case(tmp_path):
    srv = tmp_path / "srv" / "ppks"
    srv.mkdir(parents=True)
    shared = srv / "kasus.git"
    office, home = tmp_path / "kantor", tmp_path / "rumah"
    office.mkdir()
    home.mkdir()

    def local(command: str) -> str:  # the README's paths, in this test's folder
        return command.replace("/srv/ppks/", f"{srv}/").replace("/media/usb/", f"{tmp_path}/")

    # step 1: ppks init; step 2: the bare remote, where git's default branch is master
    name, init = commands_of(1)
    assert name == 'export PPKS_WORKER="Saskia"' and init == "ppks init kasus"
    assert sh(init, office, env={"PPKS_WORKER": "Saskia"}).returncode == 0
    (bare,) = commands_of(2)
    assert bare == "git init --bare /srv/ppks/kasus.git"
    bare_master(shared)  # the same command, with git's default branch master
    kasus = office / "kasus"
    made = {json.loads(run_ppks(*NEW_MR_ARGS, "--yes", "--json", cwd=kasus).stdout)["id"]
            for _ in range(3)}  # fmt: skip
    # step 3: the remote; step 4: the first sync
    (add,) = commands_of(3)
    assert "git remote add origin" in add
    assert sh(local(add), office).returncode == 0
    assert commands_of(4)[0] == "ppks sync"
    first = run_ppks("--lang", "en", "sync", cwd=kasus)
    assert first.returncode == 0, first.stderr
    assert "default branch now names main" in first.stdout
    assert git("symbolic-ref", "HEAD", cwd=shared).strip() == "refs/heads/main"
    # a plain git clone now checks the cases out too
    git("clone", "-q", str(shared), str(tmp_path / "polos"), cwd=tmp_path)
    assert (tmp_path / "polos" / "ppks.toml").is_file()
    # step 5: the colleague clones; step 6: sets the name
    clone = next(c for c in commands_of(5) if c.startswith("ppks clone"))
    cloned = sh(local(clone), home)
    assert cloned.returncode == 0, cloned.stderr
    assert "cabang main" in cloned.stdout and "Pemeriksaan: 3 kasus" in cloned.stdout
    colleague = home / "kasus"
    assert ids(colleague) == made
    assert git("rev-parse", "--abbrev-ref", "@{u}", cwd=colleague).strip() == "origin/main"
    name = next(c for c in commands_of(6) if c.startswith("git -C kasus config"))
    assert sh(name, home).returncode == 0
    # step 7: both sync daily; a case made by the colleague reaches the office
    assert commands_of(7) == ["ppks sync"]
    theirs = json.loads(run_ppks(*[a for a in NEW_MR_ARGS if a not in ("--worker", "Saskia")],
                                 "--yes", "--json", cwd=colleague).stdout)["id"]  # fmt: skip
    listed = json.loads(run_ppks("list", "--json", cwd=colleague).stdout)
    assert [i["worker"] for i in listed if i["id"] == theirs] == ["Budi"]  # step 6's name
    assert run_ppks("sync", cwd=colleague).returncode == 0
    assert run_ppks("sync", cwd=kasus).returncode == 0
    assert ids(kasus) == made | {theirs}
    # step 8: by USB stick, to a machine with no cases yet
    export, clone_bundle, *_ = commands_of(8)
    assert sh(local(export), kasus).returncode == 0
    shelter = tmp_path / "shelter"
    shelter.mkdir()
    from_stick = sh(local(clone_bundle), shelter)
    assert from_stick.returncode == 0, from_stick.stderr
    assert ids(shelter / "kasus") == made | {theirs}
    set_url = next(c for c in commands_of(8) if c.startswith("git remote set-url"))
    assert subprocess.run(local(set_url), shell=True, cwd=shelter / "kasus").returncode == 0
    assert run_ppks("sync", cwd=shelter / "kasus").returncode == 0


# --- ppks clone ---------------------------------------------------------------------------


@pytest.fixture
def broken_head(tmp_path, tmp_path_factory) -> tuple[Path, set[str]]:
    """A bare remote whose HEAD names ``master`` while the cases are on ``main``, pushed
    with plain git (so nothing fixed its HEAD): ``git clone`` gives an empty folder.
    Made once per test process, then copied."""
    made = built_once("team-start-broken-head", _broken_head, tmp_path, tmp_path_factory)
    return tmp_path / "shared.git", set(made)


def _broken_head(folder: Path) -> set[str]:
    tmp_path = folder
    shared = bare_master(tmp_path / "shared.git")
    kasus = tmp_path / "kasus"
    assert run_ppks("init", str(kasus), env={"PPKS_WORKER": "Saskia"}).returncode == 0
    made = {json.loads(run_ppks(*NEW_MR_ARGS, "--yes", "--json", cwd=kasus).stdout)["id"]
            for _ in range(2)}  # fmt: skip
    git("push", "-q", str(shared), "main", cwd=kasus)
    plain = subprocess.run(["git", "clone", str(shared), str(tmp_path / "polos")],
                           capture_output=True, text=True)  # fmt: skip
    assert "remote HEAD refers to nonexistent ref" in plain.stderr
    return made


def test_clone_checks_out_the_case_branch_whatever_the_remote_head(broken_head, tmp_path):
    shared, made = broken_head
    result = exchange.clone_repository(str(shared), tmp_path / "baru")
    assert result.branch == "main" and not result.bundle
    assert result.check.ok and result.check.cases == 2
    assert result.worker is None  # no PPKS_WORKER, no user.name in any git config
    assert ids(tmp_path / "baru") == made
    assert git("rev-parse", "--abbrev-ref", "@{u}", cwd=tmp_path / "baru").strip() == "origin/main"
    assert git("status", "--porcelain", cwd=tmp_path / "baru") == ""
    assert git("branch", "--format=%(refname:short)", cwd=tmp_path / "baru").split() == ["main"]


def test_clone_command_text_and_json(broken_head, tmp_path):
    shared, _ = broken_head
    for lang, words in (("id", "Pemeriksaan: 2 kasus"), ("en", "Check: 2 cases")):
        result = run_ppks("--lang", lang, "clone", str(shared), f"k-{lang}", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert words in result.stdout, result.stdout
    made = run_ppks("clone", str(shared), "--json", cwd=tmp_path)  # the folder: shared
    assert made.returncode == 0, made.stderr
    data = json.loads(made.stdout)
    assert data["root"] == str(tmp_path / "shared") and data["branch"] == "main"
    assert data["cases"] == 2 and data["errors"] == 0 and data["bundle"] is False


def test_clone_without_a_name_says_how_to_set_one(broken_head, tmp_path, monkeypatch):
    shared, _ = broken_head
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tuseConfigOnly = true\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME", "GIT_AUTHOR_EMAIL",
                 "GIT_COMMITTER_EMAIL", "GIT_CONFIG_GLOBAL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    result = run_ppks("--lang", "en", "clone", str(shared), "baru", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "PPKS_WORKER" in result.stdout
    assert f"git -C {tmp_path / 'baru'} config user.name" in result.stdout
    named = run_ppks("--lang", "en", "clone", str(shared), "lain", cwd=tmp_path,
                     env={"PPKS_WORKER": "Budi"})  # fmt: skip
    assert "You record as: Budi." in named.stdout


def test_clone_from_a_bundle(broken_head, tmp_path):
    shared, made = broken_head
    bundle = tmp_path / "kasus.bundle"
    assert run_ppks("bundle", "export", str(bundle), cwd=tmp_path / "kasus").returncode == 0
    result = exchange.clone_repository(str(bundle), tmp_path / "stick")
    assert result.bundle and result.branch == "main" and ids(tmp_path / "stick") == made
    said = run_ppks("--lang", "en", "sync", cwd=tmp_path / "stick")
    assert said.returncode == 6 and "git remote set-url origin" in said.stderr
    assert default_folder(str(bundle)) == "kasus"


def test_clone_refuses_a_folder_that_is_not_empty(broken_head, tmp_path):
    shared, _ = broken_head
    target = tmp_path / "penuh"
    target.mkdir()
    (target / "catatan.txt").write_text("milik saya")
    result = run_ppks("clone", str(shared), str(target), cwd=tmp_path)
    assert result.returncode == 6 and "Traceback" not in result.stderr
    assert [p.name for p in target.iterdir()] == ["catatan.txt"]
    (target / "catatan.txt").unlink()  # an empty folder is fine
    assert run_ppks("clone", str(shared), str(target), cwd=tmp_path).returncode == 0


def test_clone_refuses_what_is_no_case_repository_and_leaves_nothing(tmp_path):
    other = tmp_path / "lain"
    git("init", "-q", "-b", "main", str(other), cwd=tmp_path)
    (other / "README").write_text("x")
    git("add", "README", cwd=other)
    git("commit", "-qm", "x", cwd=other)
    empty = bare_master(tmp_path / "kosong.git")
    for source in (other, empty):
        with pytest.raises(Refused) as refused:
            exchange.clone_repository(str(source), tmp_path / "baru")
        assert refused.value.key == "error.clone_not_ppks"
        assert not (tmp_path / "baru").exists()
    missing = run_ppks("--lang", "en", "clone", str(tmp_path / "tidak-ada"), "baru", cwd=tmp_path)
    assert missing.returncode == 9 and "could not clone" in missing.stderr
    assert not (tmp_path / "baru").exists()


HOSTILE_SOURCES = [
    "--upload-pack=touch pwned;git-upload-pack", "--upload-pack=touch pwned",
    "-oProxyCommand=touch pwned", "-u", "--template=x", "-", "ext::sh -c touch% pwned",
    "ext::sh", "fd::3", "EXT::sh -c touch% pwned", "a\x00b", "a\nb", "\x1b[31m", "", " ",
]


@pytest.mark.parametrize("value", HOSTILE_SOURCES)
def test_hostile_sources_are_refused_before_git_sees_them(value, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInput) as refused:
        check_source(value)
    assert refused.value.key == "error.bad_clone_source"
    result = run_ppks("clone", "--", value, "baru", cwd=tmp_path)
    assert result.returncode == 3, result.stderr
    assert not list(tmp_path.rglob("pwned")) and not (tmp_path / "baru").exists()


def test_a_local_folder_named_like_an_option_is_passed_as_a_path(broken_head, tmp_path,
                                                                 monkeypatch):  # fmt: skip
    shared, made = broken_head
    monkeypatch.chdir(tmp_path)
    odd = tmp_path / "--upload-pack=touch pwned"
    shared.rename(odd)
    assert check_source(f"./{odd.name}") == str(odd)
    result = run_ppks("clone", f"./{odd.name}", "baru", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert ids(tmp_path / "baru") == made and not list(tmp_path.rglob("pwned"))


@pytest.mark.parametrize("source,folder", [
    ("/srv/ppks/kasus.git", "kasus"), ("ssh://server/srv/kasus.git/", "kasus"),
    ("host:kantor.git", "kantor"), ("/media/usb/kasus.bundle", "kasus"), ("/", "kasus"),
    ("https://x/-a.git", "kasus"),
])  # fmt: skip
def test_default_folder(source, folder):
    assert default_folder(source) == folder


# --- sync's first push and the remote's HEAD ----------------------------------------------


def test_first_sync_leaves_a_remote_git_clone_can_check_out(tmp_path):
    shared = bare_master(tmp_path / "shared.git")
    kasus = tmp_path / "kasus"
    assert run_ppks("init", str(kasus), "--worker", "Saskia").returncode == 0
    git("remote", "add", "origin", str(shared), cwd=kasus)
    result = run_ppks("sync", "--json", cwd=kasus)
    assert json.loads(result.stdout)["remote_head"] == "set"
    assert git("symbolic-ref", "HEAD", cwd=shared).strip() == "refs/heads/main"
    git("clone", "-q", str(shared), str(tmp_path / "polos"), cwd=tmp_path)
    assert (tmp_path / "polos" / "ppks.toml").is_file()
    # a HEAD naming an existing branch is left alone
    git("branch", "lain", "main", cwd=kasus)
    git("push", "-q", "origin", "lain", cwd=kasus)
    git("symbolic-ref", "HEAD", "refs/heads/lain", cwd=shared)
    assert fix_remote_head(kasus, "origin", "main") == "ok"
    assert git("symbolic-ref", "HEAD", cwd=shared).strip() == "refs/heads/lain"


def test_a_sync_with_nothing_to_send_fixes_a_remote_pushed_with_plain_git(broken_head, tmp_path):
    """An office that pushed with plain git first: its next `ppks sync` (nothing new on
    either side) points the bare remote's HEAD at the cases and says so."""
    shared, made = broken_head
    kasus = tmp_path / "kasus"
    git("remote", "add", "origin", str(shared), cwd=kasus)
    git("fetch", "-q", "origin", cwd=kasus)
    git("branch", "-q", "--set-upstream-to", "origin/main", cwd=kasus)
    result = run_ppks("--lang", "en", "sync", cwd=kasus)
    assert result.returncode == 0, result.stderr
    assert "Already in sync" in result.stdout and "now names main" in result.stdout
    assert git("symbolic-ref", "HEAD", cwd=shared).strip() == "refs/heads/main"
    git("clone", "-q", str(shared), str(tmp_path / "polos2"), cwd=tmp_path)
    assert ids(tmp_path / "polos2") == made
    again = run_ppks("sync", "--json", cwd=kasus)
    assert json.loads(again.stdout)["remote_head"] == "ok"


def test_a_remote_that_is_no_local_bare_repository_is_reported_not_touched(tmp_path):
    """A non-bare folder as remote: its HEAD is its own checked-out branch."""
    other = tmp_path / "other"
    git("-c", "init.defaultBranch=master", "init", "-q", str(other), cwd=tmp_path)
    git("config", "receive.denyCurrentBranch", "ignore", cwd=other)
    kasus = tmp_path / "kasus"
    assert run_ppks("init", str(kasus), "--worker", "Saskia").returncode == 0
    git("remote", "add", "origin", str(other), cwd=kasus)
    result = run_ppks("--lang", "en", "sync", cwd=kasus)
    assert result.returncode == 0, result.stderr
    assert "git symbolic-ref HEAD refs/heads/main" in result.stdout
    assert git("symbolic-ref", "HEAD", cwd=other).strip() == "refs/heads/master"
