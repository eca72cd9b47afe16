"""One language at a time (issue 12): the command-line framework's own words (Typer's and
Click's "Usage:", "Options", "[required]", "Missing argument", the metavars...) are in
the user's language in every ``--help`` and every usage error; the English help holds no
Indonesian besides proper names, codes and quoted examples."""

import re
from pathlib import Path
from typing import Annotated, Literal

import pytest
import typer
import typer.core
from typer.testing import CliRunner

from ppks_cli import i18n
from ppks_cli.commands import _framework
from ppks_cli.errors import ExitCode

from conftest import invoke, ppks_app

# English words the framework writes; none may show in Indonesian help or errors
ENGLISH = [
    "Usage", "Options", "Arguments", "Commands", "required", "default", "Show this",
    "message", "exit", "OPTIONS", "COMMAND", "ARGS", "TEXT", "INTEGER", "PATH", "FILE",
    "NAME", "CASE", "DATE", "<str>", "<int>", "<path>", "env var", "Error", "Missing",
    "Try", "Invalid value", "No such", "not one of", "Did you mean", "Possible options",
    "Got unexpected", "argument", "requires",
    # and any English sentence (Typer's completion options, a help text left untranslated)
    "the", "and", "for", "with", "this", "of", "to", "is", "when", "from", "current", "completion",
]  # fmt: skip

# common Indonesian words and the month names that differ from English
INDONESIAN = [
    "dan", "atau", "untuk", "dengan", "yang", "tidak", "dari", "pada", "ini", "itu",
    "boleh", "berulang", "contoh", "bawaan", "wajib", "kasus", "tanggal", "hari", "tahun",
    "bila", "mis", "lihat", "klien", "catatan", "rujukan", "lembaga", "perintah", "opsi",
    "argumen", "penggunaan", "galat", "peringatan", "keluar", "tampilkan", "bantuan",
    "nama", "alamat", "pekerja", "sebagai", "sudah", "harus", "juga", "lalu", "dalam",
    "baru", "semua", "setiap", "tahap", "rencana", "evaluasi", "penerimaan", "kantor",
    "nilai", "pilihan", "bukan", "Januari", "Februari", "Maret", "Mei", "Juni", "Juli",
    "Agustus", "Oktober", "Desember",
]  # fmt: skip

# proper names an English text keeps (offices, documents, places)
PROPER_NAMES = [
    "Dinas Sosial Kota Medan", "Kartu Keluarga", "Laporan Hasil Asesmen", "Surat Rujukan",
    "Berita Acara Terminasi", "Bahasa Indonesia", "Simpang Pos",
]  # fmt: skip


def found(words: list[str], text: str, *, ignore_case: bool = False) -> list[str]:
    """The words of ``words`` that stand as words in ``text`` (not inside a word or a
    hyphenated code such as ``belum-kawin``)."""
    flags = re.IGNORECASE if ignore_case else 0
    return [
        word
        for word in words
        if re.search(r"(?<![\w-])" + re.escape(word) + r"(?![\w-])", text, flags)
    ]


def command_paths() -> list[list[str]]:
    """Every command and group of ppks, as typed (``[]`` is ppks itself)."""
    root = typer.main.get_command(ppks_app())

    def walk(command, path):
        yield path
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    return list(walk(root, []))


def help_pages(lang: str) -> dict[str, str]:
    i18n.set_language(lang)
    pages = {}
    for path in command_paths():
        result = invoke(CliRunner(), ["--lang", lang, *path, "--help"], prog_name="ppks")
        assert result.exit_code == 0, (path, result.output)
        pages[" ".join(["ppks", *path])] = result.output
    return pages


def test_every_command_and_group_translates_the_framework():
    root = typer.main.get_command(ppks_app())
    for path in command_paths():
        command = root
        for name in path:
            command = command.commands[name]
        assert isinstance(command, (_framework.PpksCommand, _framework.PpksGroup)), path


def test_indonesian_help_holds_no_english_framework_words():
    pages = help_pages("id")
    assert len(pages) > 30  # the walk reaches every command and sub-command
    for name, page in pages.items():
        assert page.startswith(f"Penggunaan: {name} [OPSI]"), name
        assert "Opsi:" in page and "Tampilkan bantuan ini lalu keluar." in page, name
        assert not found(ENGLISH, page), (name, found(ENGLISH, page), page)
    assert "Argumen:" in pages["ppks show"] and "KASUS" in pages["ppks show"]
    assert "[wajib]" in pages["ppks show"]
    assert "Perintah:" in pages["ppks"] and "PERINTAH [ARGUMEN]..." in pages["ppks"]
    assert "[bawaan: 20]" in pages["ppks search"]
    assert "--name NAMA" in pages["ppks new-case"] and "--kk 16-DIGIT" in pages["ppks new-case"]


def test_english_help_holds_no_indonesian_words_outside_names_and_quoted_data():
    pages = help_pages("en")
    for name, page in pages.items():
        text = " ".join(page.split())  # quoted examples may be wrapped over two lines
        text = re.sub(r'"[^"]*"', '""', text)
        for proper in PROPER_NAMES:
            text = text.replace(proper, "")
        hits = found(INDONESIAN, text, ignore_case=True)
        assert not hits, (name, hits, page)
    assert pages["ppks show"].startswith("Usage: ppks show [OPTIONS] {CASE}")


def test_the_checks_can_fail():
    assert found(ENGLISH, "Usage: ppks show [OPTIONS] CASE") == ["Usage", "OPTIONS", "CASE"]
    assert found(INDONESIAN, "the date (bawaan: today)", ignore_case=True) == ["bawaan"]
    assert not found(INDONESIAN, "belum-kawin, tidak-sekolah", ignore_case=True)


def test_every_metavar_word_has_a_translation():
    """A new metavar must come with its words in the ``metavar`` section of both
    catalogs, or Indonesian help would show it in English."""
    i18n.set_language("en")  # the tree built in English holds the words as written
    root = typer.main.get_command(ppks_app())

    def params(command):
        yield from command.params
        for sub in getattr(command, "commands", {}).values():
            yield from params(sub)

    words = set()
    for param in params(root):
        words |= set(re.findall(r"[0-9A-Z]+(?:-[0-9A-Z]+)*", param.metavar or ""))
    assert {"CASE", "NAME", "16-DIGITS", "YYYY-MM-DD"} <= words
    for lang in ("id", "en"):
        missing = {word for word in words if f"metavar.{word}" not in i18n.catalog(lang)}
        assert not missing, (lang, missing)


def test_metavar_words_are_translated_one_by_one():
    i18n.set_language("id")
    assert _framework.metavar_text("N=STATUS[:NOTE]") == "N=STATUS[:CATATAN]"
    assert _framework.metavar_text("WHAT;WHO;WHEN") == "APA;SIAPA;KAPAN"
    assert _framework.metavar_text("md|pdf") == "md|pdf"  # value codes stay
    assert _framework.metavar_text("[CASE]") == "[KASUS]"


def test_typers_own_translatable_words_all_have_a_translation():
    """Typer's gettext calls (typer/core.py): a new one after an upgrade must be added to
    the table, or it would stay English."""
    source = Path(typer.core.__file__).read_text()
    ids = set(re.findall(r'\b_\("((?:[^"\\]|\\.)*)"\)', source))
    assert "Options" in ids and "required" in ids
    assert ids <= set(_framework.TYPER_TEXTS), ids - set(_framework.TYPER_TEXTS)
    for lang in ("id", "en"):
        for key in _framework.TYPER_TEXTS.values():
            assert key in i18n.catalog(lang)


# --- usage errors -------------------------------------------------------------------------

USAGE_ERRORS = [
    # (command line, the Indonesian message, its English counterpart)
    (["show"], "Galat: Argumen 'KASUS' belum diberikan.", "Error: Missing argument 'CASE'."),
    (["show", "--bogus", "x"], "Galat: Tidak ada opsi --bogus.", "There is no option --bogus."),
    (["search", "x", "--limt", "3"], "(Mungkin maksud Anda: --limit)", "(Did you mean: --limit)"),
    (
        ["search", "x", "--limit", "abc"],
        "Galat: Nilai untuk '--limit' tidak sah: 'abc' bukan bilangan bulat.",
        "Error: Invalid value for '--limit': 'abc' is not a whole number.",
    ),
    (["search", "a", "b"], "Ada argumen lebih yang tidak dikenal: b", "Unexpected extra argument(s): b"),
    (["sho"], "Tidak ada perintah 'sho'. Mungkin maksud Anda: 'show'?", "Did you mean 'show'?"),
    (["new-case", "--name"], "Opsi '--name' memerlukan nilai.", "Option '--name' needs a value."),
    (["templates", "bogus"], "Tidak ada perintah 'bogus'.", "There is no command 'bogus'."),
    (["--lang"], "Opsi '--lang' memerlukan nilai.", "Option '--lang' needs a value."),
]  # fmt: skip


@pytest.mark.parametrize(("args", "indonesian", "english"), USAGE_ERRORS)
def test_usage_errors_speak_the_users_language(args, indonesian, english):
    i18n.set_language("id")
    result = invoke(CliRunner(), args, prog_name="ppks")
    assert result.exit_code == ExitCode.USAGE, result.output
    assert indonesian in result.stderr, result.stderr
    assert not found(ENGLISH, result.stderr), result.stderr
    if len(args) > 1 or args == ["show"]:  # the usage line and the hint, translated
        assert "Penggunaan: ppks" in result.stderr and "untuk bantuan." in result.stderr

    i18n.set_language("en")
    result = invoke(CliRunner(), ["--lang", "en", *args] if args != ["--lang"] else args)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert english in result.stderr, result.stderr
    assert not found(["Galat", "Penggunaan", "Lihat", "bantuan"], result.stderr)


def test_usage_errors_of_the_installed_program(tmp_path):
    """The same through the console script (the language chosen before the tree is
    built, one command's module only)."""
    from conftest import run_installed

    result = run_installed("show", cwd=tmp_path, env={"PPKS_LANG": "id"})
    assert result.returncode == ExitCode.USAGE
    assert result.stderr.splitlines() == [
        "Penggunaan: ppks show [OPSI] {KASUS}",
        "Lihat 'ppks show -h' untuk bantuan.",
        "",
        "Galat: Argumen 'KASUS' belum diberikan.",
    ]


def small_app() -> typer.Typer:
    """A command with what ppks's commands do not use yet: a required option, a choice,
    a bounded number."""
    app = typer.Typer(cls=_framework.PpksGroup)

    @app.command("rate", cls=_framework.PpksCommand)
    def rate(
        risk: Annotated[Literal["low", "high"], typer.Option("--risk", metavar="LEVEL")],
        days: Annotated[int, typer.Option("--days", min=1, metavar="DAYS")] = 7,
    ) -> None:
        """Rate."""

    @app.command("other", cls=_framework.PpksCommand)
    def other() -> None:
        """Other."""

    return app


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["rate"], "Galat: Opsi '--risk' wajib diberikan. Pilihan: low, high."),
        (["rate", "--risk", "tinggi"], "'tinggi' tidak termasuk pilihan: low, high."),
        (["rate", "--risk", "low", "--days", "0"], "Nilai untuk '--days' tidak sah: '0' paling kecil 1."),
        (["rate", "--risk", "low", "--days", "x"], "'x' bukan bilangan bulat."),
    ],
)  # fmt: skip
def test_errors_of_required_options_choices_and_ranges(args, expected):
    i18n.set_language("id")
    _framework.install()
    result = CliRunner().invoke(small_app(), args, prog_name="ppks")
    assert result.exit_code == ExitCode.USAGE, result.output
    assert expected in result.stderr, result.stderr
    assert not found(ENGLISH, result.stderr), result.stderr


def test_help_of_a_required_option_and_a_range():
    i18n.set_language("id")
    _framework.install()
    result = CliRunner().invoke(small_app(), ["rate", "--help"], prog_name="ppks")
    assert "--risk JENJANG" in result.output and "[wajib]" in result.output
    assert "[bawaan: 7; x>=1]" in result.output
    assert not found(ENGLISH, result.output), result.output


def test_typers_completion_options_are_translated():
    """Typer's ``--install-completion`` and ``--show-completion`` (``add_completion``)."""
    i18n.set_language("id")
    _framework.install()
    app = typer.Typer(cls=_framework.PpksGroup, add_completion=True)
    app.command("a", cls=_framework.PpksCommand)(lambda: None)
    app.command("b", cls=_framework.PpksCommand)(lambda: None)
    result = CliRunner().invoke(app, ["--help"], prog_name="ppks")
    assert "--install-completion" in result.output and "--show-completion" in result.output
    assert "pelengkapan perintah" in result.output
    assert not found(ENGLISH, result.output), result.output


def test_options_shared_by_commands_follow_the_language_of_each_tree(monkeypatch):
    """``--json``, ``--date``, ``--worker`` and CASE are made once, at import; a tree made
    later in another language (two languages in one process) still gets its own words."""
    from ppks_cli.commands.app import build_app

    i18n.set_language("id")
    build_app("approve")  # imports the shared options if not yet imported
    for info, key in _framework._SHARED:  # as if imported in Indonesian
        monkeypatch.setattr(info, "help", i18n.t(key))
    i18n.set_language("en")
    approve = typer.main.get_command(build_app("approve")).commands["approve"]
    helps = {param.name: param.help for param in approve.params}
    assert helps["json_output"] == i18n.t("help.option.json")
    assert helps["case_ref"] == i18n.t("help.option.case")
    assert "JSON output" in helps["json_output"]


def test_argument_names_follow_the_language_of_each_command_line(cli, mr_case):
    """Two languages in one process (the in-process runner): each command line names its
    arguments in its own language, not in the language the run before it left behind."""
    shown = {}
    for lang in ("id", "en", "id", "en"):
        result = cli("attach", mr_case.id, lang=lang)
        assert result.exit_code == ExitCode.USAGE
        shown.setdefault(lang, set()).add(result.stderr.splitlines()[0])
    assert shown == {
        "id": {"Penggunaan: ppks attach [OPSI] {KASUS} {BERKAS}"},
        "en": {"Usage: ppks attach [OPTIONS] {CASE} {FILE}"},
    }


@pytest.mark.parametrize(
    ("lang", "argument"), [("id", "KASUS"), ("en", "CASE"), ("id", "JENIS"), ("en", "KIND")]
)
def test_an_argument_named_in_an_error_of_ppks_is_written_as_help_writes_it(lang, argument):
    """``error.missing_option`` and ``error.invalid_option`` name an argument by its code
    word (``CASE``, ``KIND``); the message shows it as ``--help`` shows it; options stay."""
    from ppks_cli.errors import InvalidInput

    code = {"KASUS": "CASE", "JENIS": "KIND"}.get(argument, argument)
    i18n.set_language(lang)
    assert InvalidInput("error.missing_option", option=code).message().startswith(argument)
    detail = InvalidInput("error.invalid_option", option=code, detail="x").message()
    assert detail == f"{argument}: x."
    assert InvalidInput("error.missing_option", option="--to").message().startswith("--to ")
