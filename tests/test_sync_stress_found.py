"""What bench/sync_stress.py found: four workers reopening and closing the same cases
while offline leave records that ``check`` flags, and each flag must name a fix that
works."""

from __future__ import annotations

import pytest

from ppks_cli.check import check_repository
from ppks_cli.i18n import set_language
from ppks_cli.store import Repository

from conftest import Cli, git, new_case


def test_a_reopening_recorded_on_two_clones_is_fixed_by_removing_one(repo):
    cli = Cli(repo.root)
    case = new_case(cli, "Klien Fiktif")
    for step, *more in [("terminate", "--reason", "contact-lost", "--outcome", "Hilang kontak"),
                        ("reopen", "--reason", "Terjaring lagi")]:  # fmt: skip
        done = cli(step, case, *more)
        assert done.exit_code == 0, done.output
    reopen = next((repo.root / "cases" / case / "records").glob("*-reopen-*"))
    # a colleague's clone reopened it too, offline: the same record under another ID
    old_id = reopen.stem.rsplit("-", 1)[1]
    twin = reopen.with_name(reopen.name.replace(old_id, "ZZZZZZ"))
    twin.write_text(reopen.read_text().replace(f'id = "{old_id}"', 'id = "ZZZZZZ"'))
    set_language("en")
    found = [p for p in check_repository(Repository.open(repo.root)).problems
             if p.message.key == "workflow.out_of_order"]  # fmt: skip
    assert len(found) == 1  # the later of the two (by ID) is flagged
    flagged = found[0]
    fix = str(flagged.hint)
    assert f"git rm {flagged.file}" in fix
    assert f"ppks assess {case}" not in fix  # an assessment before it leaves it out of order
    assert flagged.file in (twin.relative_to(repo.root).as_posix(),
                            reopen.relative_to(repo.root).as_posix())  # fmt: skip


def test_an_unreachable_remote_is_said_in_ppks_words(tmp_path):
    """It printed "git fetch failed: and the repository exists.": the tail of git's
    two-line message, and nothing about what became of the work."""
    root = tmp_path / "kasus"
    assert Cli(None)("init", str(root), "--worker", "Saskia").exit_code == 0
    git("remote", "add", "origin", str(tmp_path / "nowhere.git"), cwd=root)
    done = Cli(root)("sync", lang="en")
    assert done.exit_code == 9
    assert "and the repository exists" not in done.output  # half of git's two-line message
    assert "git fetch failed" not in done.output
    assert "Nothing was lost" in done.output
    assert "does not appear to be a git repository" in done.output  # git's reason, whole


def test_a_push_the_remote_declines_is_not_tried_again_as_busy(tmp_path):
    """A remote whose hook declines the push ("[remote rejected] … (pre-receive hook
    declined)") was tried six times, then reported as colleagues sending at the same
    moment. It is said once, with the remote's reason, and that nothing was lost."""
    remote = tmp_path / "kasus.git"
    git("init", "-q", "--bare", str(remote), cwd=tmp_path)
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'kuota penuh' >&2\nexit 1\n")
    hook.chmod(0o755)
    root = tmp_path / "kasus"
    assert Cli(None)("init", str(root), "--worker", "Saskia").exit_code == 0
    git("remote", "add", "origin", str(remote), cwd=root)
    done = Cli(root)("sync", lang="en")
    assert done.exit_code == 9
    assert "pre-receive hook declined; kuota penuh" in done.output
    assert "Nothing was lost" in done.output and "same moment" not in done.output


@pytest.mark.parametrize("stderr, busy", [
    ("To r.git\n ! [rejected]        HEAD -> main (fetch first)\nerror: failed to push", True),
    (" ! [rejected]        HEAD -> main (non-fast-forward)\n", True),
    (" ! [remote rejected] HEAD -> main (cannot lock ref 'refs/heads/main': is at 1a2b but "
     "expected 3c4d)\nerror: failed to push some refs", True),
    (" ! [remote rejected] HEAD -> main (failed to update ref)\n", True),
    ("remote: kuota penuh\n ! [remote rejected] HEAD -> main (pre-receive hook declined)\n", False),
    (" ! [remote rejected] HEAD -> main (shallow update not allowed)\n", False),
    ("fatal: '/x' does not appear to be a git repository\n", False),
])  # fmt: skip
def test_only_a_push_that_lost_a_race_is_tried_again(stderr, busy):
    from ppks_cli.git.sync import _rejected

    assert _rejected(stderr.encode()) is busy
