import pytest

from ppks_cli import tomlio
from ppks_cli.errors import DamagedFile, Refused, WriteFailed


def test_write_is_deterministic_and_skipped_when_unchanged(tmp_path):
    path = tmp_path / "a.toml"
    data = {"schema": 1, "b": 2, "a": 1, "t": {"x": "y"}}
    assert tomlio.write_toml(path, data) is True
    first = path.read_bytes()
    mtime = path.stat().st_mtime_ns
    assert tomlio.write_toml(path, dict(data)) is False
    assert path.read_bytes() == first
    assert path.stat().st_mtime_ns == mtime
    # key order is the order given, never sorted or shuffled
    assert first.decode().splitlines()[:3] == ["schema = 1", "b = 2", "a = 1"]


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "a.toml"
    path.write_text("old = 1\n")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tomlio.os, "replace", broken_replace)
    with pytest.raises(WriteFailed) as caught:
        tomlio.atomic_write_text(path, "new = 2\n")
    assert caught.value.exit_code == 10
    assert "No space left on device" in caught.value.message()
    assert path.read_text() == "old = 1\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.toml"]


@pytest.mark.parametrize("layout", ["link-file", "link-folder", "dangling-folder"])
def test_writes_never_follow_a_symbolic_link(tmp_path, layout):
    root, outside = tmp_path / "repo", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (outside / "target.toml").write_text("precious = 1\n")
    if layout == "link-file":
        (root / "a.toml").symlink_to(outside / "target.toml")
        path = root / "a.toml"
    elif layout == "link-folder":
        (root / "templates").symlink_to(outside)
        path = root / "templates" / "target.toml"
    else:
        (root / "cases").symlink_to(tmp_path / "nowhere")
        path = root / "cases" / "X" / "case.toml"
    with pytest.raises(Refused) as caught:
        tomlio.atomic_write_text(path, "evil = 1\n", root=root)
    assert caught.value.key == "error.symlink_refused"
    assert (outside / "target.toml").read_text() == "precious = 1\n"
    assert sorted(p.name for p in outside.iterdir()) == ["target.toml"]
    assert not (tmp_path / "nowhere").exists()


def test_a_write_outside_the_repository_is_refused(tmp_path):
    with pytest.raises(Refused):
        tomlio.atomic_write_text(tmp_path / "elsewhere.toml", "a = 1\n", root=tmp_path / "repo")
    assert not (tmp_path / "elsewhere.toml").exists()


def test_multiline_text_is_written_readably(tmp_path):
    text = tomlio.dumps({"summary": "baris satu\nbaris dua"})
    assert '"""' in text


@pytest.mark.parametrize(
    "content, line, detail",
    [
        ('a = 1\nb = "unterminated\n', 2, "TOML"),
        ("a = 1\n<<<<<<< HEAD\nb = 1\n=======\nb = 2\n>>>>>>> other\n", 2, "git"),
        ("a = 1\na = 2\n", 2, "TOML"),
    ],
)
def test_damaged_files_name_the_line(tmp_path, content, line, detail):
    path = tmp_path / "x.toml"
    path.write_text(content)
    with pytest.raises(DamagedFile) as err:
        tomlio.read_toml(path, "x.toml")
    assert err.value.params["line"] == line
    assert str(err.value).startswith(f"x.toml:{line}: ")
    assert detail in str(err.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "x.toml"
    path.write_bytes(b'a = 1\nb = "\xff"\n')
    with pytest.raises(DamagedFile) as err:
        tomlio.read_toml(path, "x.toml")
    assert err.value.params["line"] == 2


def test_key_locator_finds_keys_in_tables_arrays_and_after_multiline_strings():
    text = '''schema = 1
summary = """
name = not a key
"""
problems = [
    "a",
    "b",
]

[client]
name = "MR"
family = [
    { name = "Sri", relation = "ibu" },
    { name = "Budi" },
]

[[goals]]
what = "x"

[[goals]]
what = "y"
'''
    locate = tomlio.KeyLocator(text).line
    assert locate(("summary",)) == 2
    assert locate(("problems", 1)) == 7
    assert locate(("client", "name")) == 11
    assert locate(("client", "family", 1, "name")) == 14
    assert locate(("goals", 1, "what")) == 21
    assert locate(("goals", 1, "missing")) == 20
    assert locate(("nothing",)) == 1
