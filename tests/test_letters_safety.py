"""Letters read only what they are given (issue 8, section 2).

- Typst compiles in a fresh root holding the source and a copy of the logo: no file of the
  repository, no file through a committed symlink, no package, no network.
- Templates and the logo are regular files inside their folders; a symlink is refused.
- ``templates export`` and ``-o`` never write through a symlink.
- Jinja: any error inside a template is one message naming the template and line; the
  sandbox, sizes and time are bounded.
- PDF letters refuse characters their fonts lack; bidi controls never reach a letter.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import socket
import struct
import threading
import time
import zlib
from importlib import metadata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_letters import office, papers_case  # noqa: F401  (a fixture and a helper)

from ppks_cli import letters, templating
from ppks_cli.errors import ExternalToolError, InvalidInput, NotFound, Refused
from ppks_cli.store import Repository

from conftest import Cli, snapshot

SECRET = "RAHASIA-KLIEN-LAIN"


def png_1x1() -> bytes:
    """A valid one-pixel PNG (for the logo)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\0"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def issued(office, tmp_path):  # noqa: F811
    """The papers case, a secret file outside the repository, a secret inside it, and a
    letter draft of the case (to compile with hostile Typst sources)."""
    case = papers_case(office)
    outside = tmp_path / "outside.txt"
    outside.write_text(SECRET)
    (office.root / "rahasia.txt").write_text(SECRET)
    (office.root / "link-keluar").symlink_to(outside)
    made = letters.draft(office, case, "referral", preview=True)
    return office, case, made


# --- 1. Typst sees only the source and the logo ------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        '#read("rahasia.txt")',
        '#read("/rahasia.txt")',
        '#read("ppks.toml")',
        '#read(".git/config")',
        '#read("../outside.txt")',
        '#read("link-keluar")',
        '#read("/etc/hostname")',
        '#include "rahasia.txt"',
        '#toml("ppks.toml")',
        '#image("link-keluar")',
        '#read("cases/" + "{case}" + "/case.toml")',
        '#read("/proc/self/environ")',
    ],
)
def test_typst_reads_nothing_of_the_repository_or_the_machine(issued, body):
    repo, case, made = issued
    source = made.texts["typ"] + "\n" + body.replace("{case}", case.id) + "\n"
    with pytest.raises(ExternalToolError) as err:
        letters.to_pdf(repo, dataclasses.replace(made, edited_source=source))
    assert SECRET not in str(err.value) and "ppks-typst" not in str(err.value)


def test_a_crafted_edited_source_is_not_read_by_reissue(issued, tmp_path):
    repo, case, made = issued
    issue = letters.draft(repo, case, "referral")
    issue.edited_source = made.texts["typ"] + '\n#read("link-keluar")\n'
    letters.issue(repo, case, issue, worker="Saskia")
    out = tmp_path / "lagi.pdf"
    result = Cli(repo.root)(
        "letter", case.id, "--reissue", issue.number, "--format", "pdf", "-o", str(out)
    )
    assert result.exit_code == 9, result.output
    assert SECRET not in result.output and not out.exists()


def test_an_office_template_cannot_read_another_case(issued, tmp_path):
    repo, case, _ = issued
    repo.paths.templates.mkdir()
    (repo.paths.templates / "referral.typ.j2").write_text(
        '{% extends "base.typ.j2" %}{% block body %}#read("cases/'
        + case.id
        + '/case.toml"){% endblock %}\n'
    )
    out = tmp_path / "r.pdf"
    result = Cli(repo.root)(
        "letter", case.id, "referral", "--draft", "--format", "pdf", "-o", str(out)
    )
    assert result.exit_code == 9 and not out.exists()
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "line",
    [
        '#import "@preview/cetz:0.2.2"',
        '#import "@preview/cetz:0.2.2": canvas',
        '#include "@local/surat:0.1.0"',
        '#import ("@pre" + "view/cetz:0.2.2"): *',
        '#let p = "@" + "preview/tablex:0.0.8"\n#import p: *',
    ],
)
def test_typst_packages_fail_fast_without_network(issued, line, monkeypatch):
    repo, _, made = issued
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.kantor.invalid:3128")
    before = dict(os.environ)
    started = time.monotonic()
    with pytest.raises(Refused) as err:
        letters.to_pdf(repo, dataclasses.replace(made, edited_source=line + "\nHalo\n"))
    assert err.value.key == "error.typst_package"
    assert time.monotonic() - started < 5
    assert dict(os.environ) == before  # the proxy settings are given back


def test_a_package_built_at_run_time_only_reaches_the_dead_end_proxy(issued, monkeypatch):
    """Typst's download goes to the proxy ppks sets, not to the internet: a listening
    socket in its place receives the CONNECT, and the compile still fails."""
    repo, _, made = issued
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)
    seen: list[bytes] = []

    def serve():
        try:
            conn, _ = listener.accept()
            conn.settimeout(5)
            seen.append(conn.recv(200))
            conn.close()
        except OSError:
            pass

    thread = threading.Thread(target=serve)
    thread.start()
    monkeypatch.setattr(letters, "_NOWHERE", f"http://127.0.0.1:{listener.getsockname()[1]}")
    try:
        with pytest.raises(Refused):
            letters.to_pdf(
                repo,
                dataclasses.replace(
                    made, edited_source='#let p = "@pre" + "view/cetz:0.2.2"\n#import p: *\n'
                ),
            )
    finally:
        thread.join(15)
        listener.close()
    assert seen and seen[0].startswith(b"CONNECT packages.typst.org:443")


def test_a_typst_compile_is_bounded_in_time(issued, monkeypatch):
    repo, _, made = issued
    monkeypatch.setattr(letters, "MAX_TYPST_SECONDS", 0.05)
    for name in (*letters._PROXY_VARIABLES, "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)  # given back after the test
    started = time.monotonic()
    with pytest.raises(ExternalToolError) as err:
        letters.to_pdf(
            repo, dataclasses.replace(made, edited_source="#for i in range(2000000) { }\n")
        )
    assert time.monotonic() - started < 3
    assert "lama" in str(err.value)
    assert os.environ["HTTPS_PROXY"] == letters._NOWHERE  # the runaway compile stays offline


def test_the_logo_is_copied_and_the_letter_compiles(office, tmp_path):  # noqa: F811
    case = papers_case(office)
    (office.root / "gambar").mkdir()
    (office.root / "gambar" / "logo.png").write_bytes(png_1x1())
    config = office.paths.config
    config.write_text(
        config.read_text().replace("[office]\n", '[office]\nlogo = "gambar/logo.png"\n', 1)
    )
    office = Repository.open(office.root)
    made = letters.draft(office, case, "referral", preview=True)
    assert 'image("gambar/logo.png"' in made.texts["typ"]
    assert letters.to_pdf(office, made).startswith(b"%PDF")


@pytest.mark.parametrize(
    ("setup", "logo", "key"),
    [
        ("file-link", "logo.png", "error.logo_refused"),
        ("folder-link", "gambar/logo.png", "error.logo_refused"),
        ("fifo", "logo.png", "error.logo_refused"),
        ("outside", "../outside.png", "error.logo_missing"),
        ("outside", "/etc/hostname", "error.logo_missing"),
        ("none", "tidak-ada.png", "error.logo_missing"),
    ],
)
def test_the_logo_is_a_regular_file_inside_the_repository(office, tmp_path, setup, logo, key):  # noqa: F811
    case = papers_case(office)
    outside = tmp_path / "outside.png"
    outside.write_bytes(png_1x1())
    if setup == "file-link":
        (office.root / "logo.png").symlink_to(outside)
    elif setup == "folder-link":
        (office.root / "gambar").symlink_to(tmp_path)
        (tmp_path / "logo.png").write_bytes(png_1x1())
    elif setup == "fifo":
        os.mkfifo(office.root / "logo.png")
    config = office.paths.config
    config.write_text(config.read_text().replace("[office]\n", f'[office]\nlogo = "{logo}"\n', 1))
    result = Cli(office.root)(
        "letter", case.id, "referral", "--draft", "--format", "pdf", "-o", str(tmp_path / "x.pdf")
    )
    assert result.exit_code == (6 if key == "error.logo_refused" else 3), result.output
    assert logo in result.stderr and "Traceback" not in result.output
    with pytest.raises((Refused, InvalidInput)) as err:
        letters.read_logo(Repository.open(office.root), logo)
    assert err.value.key == key


# --- 2. templates: regular files inside the template folders -------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        "file-link-outside",
        "file-link-inside",
        "folder-link",
        "include-link",
        "extends-link",
        "import-link",
    ],
)
def test_a_symlink_anywhere_on_a_template_path_is_refused(office, tmp_path, kind):  # noqa: F811
    case = papers_case(office)
    secret = tmp_path / "secret.md.j2"
    secret.write_text(SECRET)
    folder = office.paths.templates
    if kind == "folder-link":
        real = tmp_path / "real-templates"
        real.mkdir()
        (real / "referral.md.j2").write_text("kantor")
        folder.symlink_to(real)
    else:
        folder.mkdir()
    if kind == "file-link-outside":
        (folder / "referral.md.j2").symlink_to(secret)
    if kind == "file-link-inside":
        (folder / "asli.md.j2").write_text("asli")
        (folder / "referral.md.j2").symlink_to(folder / "asli.md.j2")
    if kind.endswith("-link") and kind != "folder-link":
        (folder / "bagian.md.j2").symlink_to(secret)
        body = {
            "include-link": '{% include "bagian.md.j2" %}',
            "extends-link": '{% extends "bagian.md.j2" %}',
            "import-link": '{% import "bagian.md.j2" as b %}{{ b }}',
        }[kind]
        (folder / "referral.md.j2").write_text(body)
    result = Cli(office.root)("letter", case.id, "referral", "--draft")
    assert result.exit_code == 6, result.output
    assert SECRET not in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    "body",
    [
        '{% include "../ppks.toml" %}',
        '{% include "../cases/' + "x" + '/case.toml" %}',
        '{% extends "/etc/hostname" %}',
        '{% import "../../outside.txt" as o %}',
        '{% from "../ppks.toml" import x %}',
        '{% include "..\\\\ppks.toml" %}',
    ],
)
def test_jinja_cannot_read_outside_the_template_folders(office, tmp_path, body):  # noqa: F811
    case = papers_case(office)
    (tmp_path / "outside.txt").write_text(SECRET)
    office.paths.templates.mkdir()
    (office.paths.templates / "referral.md.j2").write_text(body)
    with pytest.raises((InvalidInput, Refused, NotFound)) as err:
        letters.draft(office, case, "referral", preview=True)
    assert SECRET not in str(err.value) and "Dinas Sosial" not in str(err.value)


# --- 3. no write through a symlink ------------------------------------------------------------------


def test_templates_export_refuses_a_linked_file_even_with_force(office, tmp_path):  # noqa: F811
    bashrc = tmp_path / "bashrc"
    bashrc.write_text("# mine\n")
    office.paths.templates.mkdir()
    (office.paths.templates / "base.md.j2").symlink_to(bashrc)
    before = snapshot(office.root)
    result = Cli(office.root)("templates", "export", "--force")
    assert result.exit_code == 6, result.output
    assert bashrc.read_text() == "# mine\n"
    assert snapshot(office.root) == before  # nothing written before the refusal


@pytest.mark.parametrize("dangling", [False, True])
def test_templates_export_refuses_a_linked_folder(office, tmp_path, dangling):  # noqa: F811
    elsewhere = tmp_path / "elsewhere"
    if not dangling:
        elsewhere.mkdir()
    office.paths.templates.symlink_to(elsewhere)
    result = Cli(office.root)("templates", "export")
    assert result.exit_code == 6, result.output
    assert not elsewhere.exists() or list(elsewhere.iterdir()) == []


def test_templates_export_writes_regular_files(office):  # noqa: F811
    assert Cli(office.root)("templates", "export").exit_code == 0
    written = sorted(office.paths.templates.iterdir())
    assert written and all(p.is_file() and not p.is_symlink() for p in written)
    assert not list(office.paths.templates.glob("*.tmp*"))


def test_letter_output_never_goes_through_a_symlink(office, tmp_path):  # noqa: F811
    case = papers_case(office)
    target = tmp_path / "penting.txt"
    target.write_text("jangan ditimpa")
    link = tmp_path / "surat.md"
    link.symlink_to(target)
    result = Cli(office.root)("letter", case.id, "referral", "--draft", "-o", str(link))
    assert result.exit_code == 6, result.output
    assert target.read_text() == "jangan ditimpa"
    (office.root / "keluar").symlink_to(tmp_path)
    result = Cli(office.root)(
        "letter", case.id, "referral", "--draft", "-o", str(office.root / "keluar" / "s.md")
    )
    assert result.exit_code == 6, result.output
    assert not (tmp_path / "s.md").exists()


# --- 4. Jinja: one message, bounded ------------------------------------------------------------------

DATA = {"client": {"name": "Siti Rahmawati", "nik": "1271010101010001"}, "n": 5}


def render(repo: Repository, body: str | bytes, **extra: str):
    repo.paths.templates.mkdir(exist_ok=True)
    path = repo.paths.templates / "referral.md.j2"
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    path.with_name("referral.typ.j2").write_bytes(path.read_bytes())
    for name, text in extra.items():
        (repo.paths.templates / name.replace("_", ".")).write_text(text)
    return letters._render(repo, "referral", DATA)


@pytest.mark.parametrize(
    ("body", "key", "line"),
    [
        ("a\n{{ 1/0 }}", "error.template_failed", 2),
        ("{{ client.name|tanggal }}", "error.template_failed", 1),
        ("{{ client.name|terbilang }}", "error.template_failed", 1),
        ("{{ client.name / 2 }}", "error.template_failed", 1),
        ("{{ client.nik|int * 1000000000000 | terbilang }}", "error.template_limit", 1),
        ("{{ (10**20)|terbilang }}", "error.template_limit", 1),
        ('{% include "referral.md.j2" %}', "error.template_failed", 1),
        ("{% macro f() %}{{ f() }}{% endmacro %}\n{{ f() }}", "error.template_failed", 0),
        ('{% extends "a.md.j2" %}', "error.template_failed", 0),
        ("{{ client.__class__ }}", "error.template_unsafe", 1),
        ("{{ client.name.__class__.__mro__[1].__subclasses__() }}", "error.template_unsafe", 1),
        ("{{ [].append(1) }}", "error.template_unsafe", 1),
        ('{{ "{0.__class__}"|attr("format")(client) }}', "error.template_unsafe", 1),
        (
            '{% set f = "{0.__init__.__globals__[os].environ}"|attr("format") %}{{ f(cycler.next) }}',
            "error.template_unsafe",
            1,
        ),
        ("{{ client.name|attr('__class__') }}", "error.template_unsafe", 1),
    ],
)
def test_any_error_inside_a_template_is_one_message_with_template_and_line(repo, body, key, line):
    (repo.paths.templates).mkdir()
    (repo.paths.templates / "a.md.j2").write_text('{% extends "b.md.j2" %}')
    (repo.paths.templates / "b.md.j2").write_text('{% extends "a.md.j2" %}')
    with pytest.raises((InvalidInput, Refused)) as err:
        render(repo, body)
    assert err.value.key == key
    assert ".md.j2" in str(err.value)
    if line:
        assert err.value.params["line"] == line
    assert "Siti" not in str(err.value) and "PATH" not in str(err.value)


def test_jinja_is_at_least_3_1_6():
    version = tuple(int(x) for x in metadata.version("jinja2").split(".")[:3])
    assert version >= (3, 1, 6)


def test_a_non_utf8_template_names_its_line(repo):
    with pytest.raises(InvalidInput) as err:
        render(repo, b"baris satu\nbaris \xff dua\n")
    assert err.value.key == "error.template_not_utf8" and err.value.params["line"] == 2


@pytest.mark.parametrize(
    "body",
    [
        "{{ 'a' * 10**9 }}",
        "{{ 10**9 * 'a' }}",
        "{{ ['a'] * 10**9 }}",
        "{{ ['a' * 1000] * 1000 }}",
        "{{ 10 ** 10 ** 10 }}",
        "{{ 9 ** 999999 }}",
        "{% for i in range(10**9) %}{% endfor %}",
        "{% for i in range(90000) %}{% for j in range(90000) %}{% endfor %}{% endfor %}",
        "{{ 'x'|center(10**9) }}",
        "{{ 'x'.center(10**9) }}",
        "{{ 'x'.ljust(10**9) }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '%.999999999f'|format(1) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '{0:{1}}'.format(1, 10**9) }}",
        "{{ '{a:>{w}}'.format_map({'a': 1, 'w': 10**9}) }}",
        "{{ '%*d' % (10**9, 1) }}",
        "{{ '%(a)999999999s' % {'a': 1} }}",
        "{{ '%(a)s'|format(a='x' * 90000)|replace('x', 'yy') }}",
        "{{ 'x'|wordwrap(10**9) }}",
        "{{ 'x'|truncate(10**9) }}",
        "{{ range(10)|batch(10**9)|list }}",
        "{% set l = (range(1000)|list) * 100 %}{% for i in l %}{% for j in range(1000) %}{% endfor %}{% endfor %}",
        "{{ ('a' * 90000)|replace('', 'xxxxxxxxxx') }}",
        "{{ ('a' * 90000).replace('a', 'xxxxxxxxxx') }}",
        "{% set s = 'a' * 90000 %}{{ s ~ s }}",
        "{% set s = 'a' * 90000 %}{{ s + s }}",
        "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set s = 'a\\n' * 45000 %}{{ s|indent(100, true) }}",
        "{{ (['a' * 50000] * 2)|join }}{{ (['a' * 50000] * 2)|join }}",
        "{% for i in range(50000) %}{{ 'a' * 50 }}{% endfor %}",
        "{{ lipsum(10**9) }}",
    ],
)
def test_rendering_is_bounded_in_size_and_steps(repo, body):
    started = time.monotonic()
    with pytest.raises((InvalidInput, Refused)) as err:
        render(repo, body)
    assert time.monotonic() - started < 3
    # lipsum() is not offered at all: it is a missing value
    assert err.value.key in (
        "error.template_limit",
        "error.template_failed",
        "error.letter_missing_value",
    )
    assert "Traceback" not in str(err.value)


def test_rendering_is_bounded_in_time(repo, monkeypatch):
    monkeypatch.setattr(templating, "MAX_SECONDS", 0.3)
    started = time.monotonic()
    with pytest.raises(InvalidInput) as err:
        render(repo, "{% for x in 'a' * 90000 %}{% for y in 'a' * 90000 %}{% endfor %}{% endfor %}")
    assert err.value.key == "error.template_limit" and err.value.params["line"] == 1
    assert time.monotonic() - started < 3


def test_ordinary_arithmetic_and_formatting_still_work(repo):
    body = (
        "{{ '{:,}'.format(1500000) }} {{ 1500000|terbilang }} {{ '%05d' % 42 }} "
        "{{ 'ab' * 3 }} {{ 2 ** 10 }} {% for i in range(3) %}{{ i }}{% endfor %} "
        "{{ client.name|upper|center(20)|trim }} {{ (['x'] * 3)|join('-') }} "
        "{{ 'Kode pos: 20122, No. 114'|replace(',', ';') }} {{ '{}: {:>5}'.format('a', 7) }}"
    )
    texts, _ = render(repo, body)
    assert texts["md"].strip() == (
        "1,500,000 satu juta lima ratus ribu 00042 ababab 1024 012 SITI RAHMAWATI x-x-x "
        "Kode pos: 20122; No. 114 a:     7"
    ).replace("_", "\\_")


@pytest.mark.parametrize(
    "body",
    [
        "{{ 1/0 }}",
        "{{ client.name|terbilang }}",
        "{{ 'a' * 10**9 }}",
        "{{ client.__class__ }}",
        "{% include 'referral.md.j2' %}",
    ],
)
def test_template_errors_on_the_command_line(office, body):  # noqa: F811
    case = papers_case(office, name="Siti Rahmawati")
    office.paths.templates.mkdir()
    (office.paths.templates / "referral.md.j2").write_text("Surat\n" + body)
    result = Cli(office.root)("letter", case.id, "referral", "--draft")
    assert result.exit_code in (3, 6), result.output
    assert "referral.md.j2" in result.stderr and "baris 2" in result.stderr
    assert "Traceback" not in result.output and "Siti" not in result.output
    if "__class__" in body:
        assert "tidak aman" in result.stderr and "belum diisi" not in result.stderr


# --- 5. glyphs and bidi ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "char"), [("Tan 王小明", "王"), ("Budi 😀", "😀"), ("Ani \u0f00", "\u0f00")]
)
def test_a_pdf_letter_refuses_a_character_its_fonts_lack(office, tmp_path, name, char):  # noqa: F811
    case = papers_case(office, name=name)
    before = snapshot(office.root)
    out = tmp_path / "s.pdf"
    result = Cli(office.root)("letter", case.id, "referral", "--format", "pdf", "-o", str(out))
    assert result.exit_code == 3, result.output
    assert char in result.stderr and f"U+{ord(char):04X}" in result.stderr
    assert not out.exists() and snapshot(office.root) == before  # no letter recorded
    markdown = Cli(office.root)("letter", case.id, "referral", "--draft")
    assert markdown.exit_code == 0 and name in markdown.stdout


def test_latin_letters_with_marks_and_typst_escapes(issued):
    repo, case, made = issued
    letters.check_printable("Ñoño Ärzte Ğ ± · — “kutip” é")
    with pytest.raises(InvalidInput) as err:
        letters.check_printable('Nama #"\\u{738B}"')
    assert err.value.params["code"] == "U+738B"


def test_the_glyph_table_matches_the_fonts_of_the_installed_typst():
    """Read the fonts embedded in the typst package's binary with fontTools and compare
    their cmap union with the shipped table."""
    fontTools = pytest.importorskip("fontTools.ttLib")
    import io

    import typst

    from ppks_cli import glyphs

    binary = next(Path(typst.__file__).parent.glob("_typst*"))
    blob = binary.read_bytes()
    points: set[int] = set()
    for signature in (b"OTTO", b"\x00\x01\x00\x00"):
        at = blob.find(signature)
        while at != -1:
            count = struct.unpack(">H", blob[at + 4 : at + 6])[0]
            tags = (
                [blob[at + 12 + 16 * k : at + 16 + 16 * k] for k in range(count)]
                if 4 <= count <= 40
                else []
            )
            if (
                b"cmap" in tags
                and b"head" in tags
                and all(t.isascii() and t.isalnum() or b" " in t or b"/" in t for t in tags)
            ):
                end = max(
                    sum(struct.unpack(">II", blob[at + 20 + 16 * k : at + 28 + 16 * k]))
                    for k in range(count)
                )
                try:
                    points |= set(fontTools.TTFont(io.BytesIO(blob[at : at + end])).getBestCmap())
                except Exception:
                    pass
            at = blob.find(signature, at + 1)
    assert points and set(glyphs.covered()) == points


BIDI = "\u202e\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_bidi_controls_never_reach_a_letter():
    value = f"Budi{BIDI}gnihtemos"
    for fmt in ("md", "typ"):
        env = templating.build_environment([letters.paths.default_templates_dir()], fmt)
        out = env.from_string("{{ name }} {{ name|typst_str }} {{ name|upper }}").render(name=value)
        assert not set(out) & set(BIDI)
        assert "Budi" in out and "gnihtemos" in out
    assert templating.strip_bidi(value) == "Budignihtemos"


def test_bidi_controls_in_case_data_are_removed_from_both_formats(office, tmp_path):  # noqa: F811
    case = papers_case(office)
    # files refuse bidi controls when read (models.forbidden_character); letters remove
    # them again in case data reaches them some other way (a library caller, say)
    address = office.config.office.address
    object.__setattr__(office.config.office, "address", "\u202e" + address)
    made = letters.draft(office, case, "referral", preview=True)
    assert "Pinang" in made.markdown and "\u202e" not in made.markdown
    assert "\u202e" not in made.texts["typ"]
    assert letters.to_pdf(office, made).startswith(b"%PDF")


def test_dates_still_print(repo):
    env = templating.build_environment([letters.paths.default_templates_dir()], "md")
    assert env.from_string("{{ d }}").render(d=dt.date(2024, 6, 30)) == "30 Juni 2024"


@settings(max_examples=12, deadline=None)
@given(st.text(max_size=40))
def test_any_text_in_data_prints_exactly_or_is_refused_by_name(text):
    """Whatever a value holds, the Typst letter either compiles (bidi controls removed) or
    is refused naming a character its fonts lack; never a Typst error."""
    env = templating.build_environment([letters.paths.default_templates_dir()], "typ")
    source = env.from_string("Nama: {{ v }}\n#text({{ v|typst_str }})\n").render(v=text)
    assert not set(source) & set(BIDI)
    made = letters.Draft("referral", "DRAF", None, dt.date(2024, 6, 20), {}, {"typ": source}, "")
    try:
        assert letters.to_pdf(None, made).startswith(b"%PDF")
    except InvalidInput as err:
        assert err.key == "error.letter_glyph_missing"
        assert err.params["code"].startswith("U+")


@pytest.mark.parametrize("spec", ["%*d", "%.*f", "%-*s", "%(a)*s", "%0*.*f", "%5.*f"])
def test_a_width_taken_from_an_argument_is_refused_before_formatting(spec):
    # found when `'%*d' % (10**9, 1)` built a 1 GB string before the size check refused it
    from ppks_cli.templating import TemplateLimit, _check_format

    with pytest.raises(TemplateLimit):
        _check_format(spec)
