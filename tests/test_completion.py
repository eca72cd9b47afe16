"""Shell completion (issue 12): the values offered (ppks_cli.completion), the shells'
protocol (Typer's, in-process and through the installed script), and that completion
never slows start-up, never prints an error and never writes anything but the index."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from ppks_cli import completion, i18n, index
from ppks_cli.commands import _shell
from ppks_cli.intake import create_case, prepare

from conftest import MR, invoke, run_installed, snapshot

SITI = dataclasses.replace(
    MR, name="Siti Aminah", alias="Butet", sex="P", category="anak-jalanan", birth_year="2012",
    worker="Wati Sembiring",
)  # fmt: skip


@pytest.fixture
def office(repo):
    """A repository with two cases (MR, worked by Saskia; Siti Aminah alias Butet, by
    Wati Sembiring) and its index up to date: ``(repo, mr id, siti id)``."""
    mr = create_case(repo, prepare(MR)).id
    siti = create_case(repo, prepare(SITI), allow_duplicates=True).id
    with index.opened(repo):
        pass
    return repo, mr, siti


def values(pairs):
    return [value for value, _help in pairs]


# --- the values (core) -------------------------------------------------------------------


def test_case_ids_by_prefix_in_any_letter_case_with_the_client_as_help(office):
    repo, mr, siti = office
    every = completion.candidates("case", "", repo.root)
    assert dict(every) == {mr: "MR", siti: "Siti Aminah (Butet)"}
    for typed in (siti[:6], siti[:7].lower(), siti[:4] + siti[5:7]):  # "2024k7" as typed
        assert siti in values(completion.candidates("case", typed, repo.root)), typed
    assert completion.candidates("case", "1999-", repo.root) == []


def test_case_ids_by_the_part_after_the_year_and_by_name(office):
    repo, mr, siti = office
    assert values(completion.candidates("case", siti[5:8], repo.root)) == [siti]
    assert values(completion.candidates("case", "siti", repo.root)) == [siti]
    assert values(completion.candidates("case", "amin", repo.root)) == [siti]
    assert values(completion.candidates("case", "BUTET", repo.root)) == [siti]
    assert values(completion.candidates("case", "mr", repo.root)) == [mr]
    assert completion.candidates("case", "nobody", repo.root) == []


def test_the_repository_comes_from_root_relative_to_cwd_or_from_cwd(office, tmp_path):
    repo, mr, siti = office
    inside = repo.root / "cases"
    assert values(completion.candidates("case", "", cwd=inside)) == sorted([mr, siti])
    relative = os.path.relpath(repo.root, tmp_path)
    assert values(completion.candidates("case", "", relative, cwd=tmp_path)) == sorted([mr, siti])
    assert completion.candidates("case", "", cwd=tmp_path) == []  # no repository here


def test_choices_with_their_labels_in_the_interface_language():
    assert completion.candidates("stage", "as") == [("assessment", "Asesmen")]
    assert values(completion.candidates("stage", "ASES")) == ["assessment"]  # the label
    assert len(completion.candidates("stage", "")) == 6
    assert values(completion.candidates("letter_kind", "ref")) == ["referral"]
    assert values(completion.candidates("attachment_kind", "kt")) == ["ktp"]
    # a word of the label counts too: "kelahiran" (akta), "Kartu Keluarga" (kk)
    assert values(completion.candidates("attachment_kind", "ke")) == ["akta", "kk"]
    assert ("mother", "Ibu") in completion.candidates("relation", "")
    assert values(completion.candidates("relation", "ib")) == ["mother"]  # by the label
    i18n.set_language("en")
    assert completion.candidates("stage", "as") == [("assessment", "Assessment")]
    assert ("mother", "Mother") in completion.candidates("relation", "mo")


def test_categories_by_slug_official_name_or_english_name():
    slugs = values(completion.candidates("category", "anak-j"))
    assert slugs == ["anak-jalanan"]
    assert "lansia-terlantar" in values(completion.candidates("category", "lanjut us"))
    assert "lansia-terlantar" in values(completion.candidates("category", "elderly"))
    every = completion.candidates("category", "")
    assert len(every) == 26 and all(help_text for _value, help_text in every)


def test_workers_are_the_current_workers_with_their_open_cases(office):
    repo, _mr, _siti = office
    assert completion.candidates("worker", "", repo.root) == [
        ("Saskia", "kasus terbuka: 1"), ("Wati Sembiring", "kasus terbuka: 1"),
    ]  # fmt: skip
    assert values(completion.candidates("worker", "semb", repo.root)) == ["Wati Sembiring"]


def test_destinations_from_the_directory_and_earlier_referrals(git_office_cli):
    root, cli, case_id = git_office_cli
    with (root / "ppks.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[[resources]]\nname = "UPT Pelayanan Sosial Binjai"\nkind = "UPT provinsi"\n')
    done = cli("refer", case_id, "--to", "Dinas Kesehatan Kota Medan", "--reason", "berobat",
               "--consent", "yes", "--worker", "Saskia")  # fmt: skip
    assert done.exit_code == 0, done.output
    assert completion.candidates("destination", "", root) == [
        ("Dinas Kesehatan Kota Medan", "rujukan sebelumnya: 1"),
        ("UPT Pelayanan Sosial Binjai", "UPT provinsi"),
    ]
    assert values(completion.candidates("destination", "kesehatan", root)) == [
        "Dinas Kesehatan Kota Medan"
    ]


def test_help_texts_are_one_safe_short_line(repo):
    odd = dataclasses.replace(MR, name="Nama " + "Panjang " * 12)
    create_case(repo, prepare(odd))
    [(_value, help_text)] = completion.candidates("case", "", repo.root)
    assert len(help_text) <= completion.HELP_WIDTH and help_text.endswith("…")
    assert completion._clean("a\x1b[31mb\n c\u202e") == "a\\x1b[31mb c\\u202e"


def test_unknown_kind_or_no_repository_gives_nothing(tmp_path):
    assert completion.candidates("nosuch", "") == []
    assert completion.candidates("case", "", tmp_path / "none") == []
    assert completion.candidates("worker", "", tmp_path) == []
    assert completion.candidates("stage", "") != []  # needs no repository


def test_a_slow_index_gives_the_ids_without_names(office, monkeypatch):
    repo, mr, siti = office

    def slow(*_args, **_kwargs):
        time.sleep(2)
        raise AssertionError("never reached in time")

    monkeypatch.setattr(completion, "INDEX_SECONDS", 0.05)
    monkeypatch.setattr(index, "opened", slow)
    started = time.monotonic()
    assert completion.candidates("case", "", repo.root) == sorted([(mr, ""), (siti, "")])
    assert time.monotonic() - started < 1


def test_a_large_index_build_is_left_to_the_commands(office, monkeypatch):
    repo, mr, siti = office
    index.index_path(repo.root).unlink()
    monkeypatch.setattr(completion, "MAX_READ", 1)  # two cases to read: too many
    assert completion.candidates("case", "", repo.root) == sorted([(mr, ""), (siti, "")])
    with index.connection(repo) as conn:
        assert conn.execute("SELECT COUNT(*) FROM cases").fetchone() == (0,)
    monkeypatch.setattr(completion, "MAX_READ", 2)
    assert dict(completion.candidates("case", "", repo.root))[siti] == "Siti Aminah (Butet)"


def test_completing_writes_nothing_but_the_index(office):
    repo, _mr, _siti = office
    before = snapshot(repo.root)
    for kind in completion.KINDS:
        completion.candidates(kind, "", repo.root)
    assert snapshot(repo.root) == before


@pytest.mark.parametrize(
    ("value", "bash", "powershell"),
    [("2024-K7Q3M", "2024-K7Q3M", "2024-K7Q3M"),
     ("Wati Sembiring", "Wati\\ Sembiring", "'Wati Sembiring'"),
     ("Ma'ruf $x", "Ma\\'ruf\\ \\$x", "'Ma''ruf $x'")],
)  # fmt: skip
def test_values_are_quoted_for_the_shell(value, bash, powershell):
    assert _shell.bash_quoted(value) == bash
    assert _shell.powershell_quoted(value) == powershell


# --- the shells' protocol, in-process --------------------------------------------------------


def complete(shell: str, line: str, cwd=None) -> tuple[int, str]:
    """What ``ppks`` answers the completion script of ``shell`` for the command ``line``
    (completing its last word, empty after a trailing space), in-process."""
    _shell.register()
    if shell == "bash":
        words = line.split(" ")
        env = {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
    else:
        env = {"_TYPER_COMPLETE_ARGS": line, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    env["_PPKS_COMPLETE"] = f"complete_{shell}"
    old = os.getcwd()
    os.chdir(cwd or old)
    try:
        result = invoke(CliRunner(), [], env=env, prog_name="ppks")
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout


def test_bash_completes_case_ids_by_prefix_and_by_name(office):
    repo, mr, siti = office
    code, out = complete("bash", f"ppks --root {repo.root} show ")
    assert code == 0 and out.split() == sorted([mr, siti])
    assert complete("bash", f"ppks show {siti[:7].lower()}", cwd=repo.root)[1].split() == [siti]
    assert complete("bash", "ppks show siti", cwd=repo.root)[1].split() == [siti]
    assert complete("bash", f"ppks -C {repo.root} note butet")[1].split() == [siti]


def test_zsh_and_fish_show_the_client_next_to_the_id(office):
    repo, _mr, siti = office
    _code, out = complete("zsh", f"ppks --root {repo.root} show {siti[:7]}")
    assert out.startswith("_arguments") and f'"{siti}":"Siti Aminah (Butet)"' in out
    _code, out = complete("fish", f"ppks --root {repo.root} assess ")
    assert f"{siti}\tSiti Aminah (Butet)" in out.splitlines()


def test_help_that_looks_like_markup_is_shown_as_it_is(repo):
    odd = create_case(repo, prepare(dataclasses.replace(MR, name="Ani [/] [bold]")))
    _code, out = complete("fish", f"ppks --root {repo.root} show ")
    assert out.splitlines() == [f"{odd.id}\tAni [/] [bold]"]
    _code, out = complete("zsh", f"ppks --root {repo.root} show ")
    assert '"Ani [/] [bold]"' in out


def test_categories_stages_and_workers_through_the_protocol(office):
    repo, _mr, _siti = office
    assert complete("bash", "ppks list --stage as")[1].split() == ["assessment"]
    assert complete("bash", "ppks new-case --category anak-j")[1].split() == ["anak-jalanan"]
    _code, out = complete("fish", "ppks list --category lansia")
    assert out.splitlines() == ["lansia-terlantar\tLanjut Usia Terlantar"]
    _code, out = complete("bash", f"ppks --root {repo.root} list --worker W")
    assert out.splitlines() == ["Wati\\ Sembiring"]
    _code, out = complete("bash", f"ppks --root {repo.root} list --worker = W")  # --worker=W
    assert out.splitlines() == ["Wati\\ Sembiring"]


def test_powershell_gets_quoted_values_and_their_help(office):
    repo, _mr, _siti = office
    _shell.register()
    env = {"_PPKS_COMPLETE": "complete_powershell", "_TYPER_COMPLETE_WORD_TO_COMPLETE": "W",
           "_TYPER_COMPLETE_ARGS": f"ppks --root {repo.root} list --worker W"}  # fmt: skip
    result = invoke(CliRunner(), [], env=env, prog_name="ppks")
    assert result.stdout.splitlines() == ["'Wati Sembiring':::kasus terbuka: 1"]


def test_the_language_of_the_help_follows_the_line(office):
    repo, _mr, _siti = office
    i18n.set_language("en")  # as the entry point chooses it from --lang en
    _code, out = complete("fish", f"ppks --lang en --root {repo.root} list --stage ev")
    assert out.splitlines() == ["evaluation\tEvaluation"]


def test_version_is_not_printed_while_completing():
    _code, out = complete("bash", "ppks --version ")
    assert "ppks 0." not in out and "show" in out.split()


# --- the installed program -----------------------------------------------------------------------


def installed_completion(line: str, cwd, env=None) -> subprocess.CompletedProcess:
    words = line.split(" ")
    return run_installed(
        cwd=cwd,
        env={"_PPKS_COMPLETE": "complete_bash", "COMP_WORDS": line,
             "COMP_CWORD": str(len(words) - 1), **(env or {})},
    )  # fmt: skip


def test_the_installed_program_completes_a_case_id(office, tmp_path):
    repo, mr, siti = office
    done = installed_completion(f"ppks show {siti[:7]}", cwd=repo.root)
    assert (done.returncode, done.stdout.split(), done.stderr) == (0, [siti], "")
    done = installed_completion(f"ppks --root {repo.root} show siti", cwd=tmp_path)
    assert (done.returncode, done.stdout.split(), done.stderr) == (0, [siti], "")
    # and where there is no repository: nothing at all (the other damages: below)
    done = installed_completion("ppks refer X --to ", cwd=tmp_path)
    assert (done.returncode, done.stdout.split(), done.stderr) == (0, [], "")


def completed_by_main(line: str, cwd, monkeypatch, capsys, env=None) -> tuple[int, str]:
    """:func:`installed_completion` in-process: the console script's entry point itself
    (``main``), which answers the shell and exits; (exit code, standard output). Its
    standard error goes nowhere by design (the installed program's: checked above)."""
    from ppks_cli.commands.app import main

    words = line.split(" ")
    values = {"_PPKS_COMPLETE": "complete_bash", "COMP_WORDS": line,
              "COMP_CWORD": str(len(words) - 1), **(env or {})}  # fmt: skip
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("PYDANTIC_DISABLE_PLUGINS", raising=False)  # main sets it
    monkeypatch.setattr(sys, "argv", ["ppks"])
    monkeypatch.setattr(sys, "stderr", sys.stderr)  # main silences it for good
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    try:
        with pytest.raises(SystemExit) as exited:
            main()
    finally:
        if sys.stderr is not sys.__stderr__ and sys.stderr.name == os.devnull:
            sys.stderr.close()
    return exited.value.code, capsys.readouterr().out


@pytest.mark.parametrize("damage", ["no repository", "ppks.toml", "cases", "bad words"])
def test_a_broken_repository_or_request_prints_nothing(office, tmp_path, damage, monkeypatch,
                                                       capsys):  # fmt: skip
    """Run by the entry point in-process (each installed run costs a new interpreter);
    that the installed program's standard error stays empty: the test above."""
    repo, _mr, _siti = office
    root, env = repo.root, {}
    if damage == "no repository":
        root = tmp_path / "empty"
        root.mkdir()
    elif damage == "ppks.toml":
        (root / "ppks.toml").write_text("[[[ not toml", encoding="utf-8")
        (root / "cases" / next(iter(os.listdir(root / "cases"))) / "case.toml").write_text("x =")
    elif damage == "cases":
        (root / "cases").rename(root / "elsewhere")
        (root / "cases").write_text("a file where the folder was")
    else:
        env = {"COMP_CWORD": "not a number"}
    for line in ("ppks show ", "ppks refer X --to "):
        code, out = completed_by_main(line, root, monkeypatch, capsys, env)
        assert code == 0, (line, out)
        assert "Traceback" not in out and "Galat" not in out


def test_importing_the_command_tree_does_not_import_the_completion_code():
    code = (
        "import sys\n"
        "from ppks_cli.commands.app import build_app\n"
        "import typer.main\n"
        "typer.main.get_command(build_app())\n"
        "loaded = [m for m in ('ppks_cli.completion', 'ppks_cli.commands._shell') if m in sys.modules]\n"
        "print(loaded)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


# --- --install-completion and --show-completion ---------------------------------------------------


def test_show_completion_prints_the_script_of_the_shell(monkeypatch, cli):
    monkeypatch.setattr(_shell, "detect_shell", lambda: "zsh")
    result = cli("--show-completion")
    assert result.exit_code == 0
    assert "compdef _ppks_completion ppks" in result.stdout
    assert "_PPKS_COMPLETE=complete_zsh" in result.stdout


def test_install_completion_writes_the_script_for_bash(monkeypatch, cli, tmp_path):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(_shell, "detect_shell", lambda: "bash")
    result = cli("--install-completion")
    assert result.exit_code == 0, result.output
    script = home / ".bash_completions" / "ppks.sh"
    assert "complete -o default -F _ppks_completion ppks" in script.read_text()
    assert f"source '{script}'" in (home / ".bashrc").read_text()
    assert f"Penyelesaian otomatis bash dipasang di {script}." in result.stdout


def test_an_unknown_shell_is_one_clear_error(monkeypatch, cli):
    monkeypatch.setattr(_shell, "detect_shell", lambda: None)
    monkeypatch.setenv("SHELL", "/bin/tcsh")
    result = cli("--install-completion")
    assert result.exit_code == 3
    assert result.stderr.strip().startswith("Galat: shell tidak dikenali (tcsh)")


def test_the_shell_is_detected_or_read_from_shell_variable(monkeypatch):
    import shellingham

    def undetected():
        raise shellingham.ShellDetectionFailure

    monkeypatch.setattr(shellingham, "detect_shell", undetected)
    monkeypatch.setenv("SHELL", "/usr/bin/fish")
    assert _shell.detect_shell() == "fish"
    monkeypatch.setenv("SHELL", "/bin/sh")
    assert _shell.detect_shell() is None
    monkeypatch.setattr(shellingham, "detect_shell", lambda: ("zsh", "/bin/zsh"))
    assert _shell.detect_shell() == "zsh"
