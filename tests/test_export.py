"""``ppks export``: stable columns, every format read back with its own reader (csv,
openpyxl, json), owner-only files that never overwrite or follow a link, the filters of
``list``, and the anonymised export of the sample repository holding none of its identity
values (collected here from the TOML files, independently of the export code)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import stat
import tomllib
from pathlib import Path

import pytest

from ppks_cli import exports
from ppks_cli.exports import Pseudonyms, Scrubber, age_on, kecamatan

from conftest import PROJECT, SAMPLE, run_ppks

FORMATS = ("csv", "xlsx", "jsonl")

CASE_COLUMNS = [
    "id", "name", "alias", "sex", "birth_date", "birth_year", "age_at_intake", "age_group",
    "nik", "kk_number", "phone", "has_nik", "category", "tags", "stage", "closed", "episode",
    "worker", "intake_worker", "source", "found_at", "kecamatan", "intake_date", "created_at",
    "termination_date", "next_due", "overdue", "damaged_records", "note",
]
ANONYMOUS_CASE_COLUMNS = [
    "id", "sex", "age_group", "has_nik", "category", "tags", "stage", "closed", "episode",
    "worker", "intake_worker", "source", "kecamatan", "intake_date", "termination_date",
    "next_due", "overdue", "damaged_records",
]
RECORD_COLUMNS = [
    "case", "id", "kind", "date", "recorded_at", "worker", "episode", "category", "code",
    "destination", "related", "related_case", "new_worker", "text",
]
LETTER_COLUMNS = [
    "case", "id", "letter", "number", "year", "seq", "date", "recorded_at", "worker", "about",
    "edited", "category",
]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """A copy of the sample repository (``cases/``) with two letters issued."""
    root = tmp_path_factory.mktemp("export") / "kasus"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".ppks-cache"))
    for case, kind, date in (("2024-W07T4", "referral", "2024-05-31"),
                             ("2024-9EHTW", "termination", "2024-06-30")):  # fmt: skip
        done = run_ppks("--root", str(root), "letter", case, kind, "--issue", "--date", date,
                        "-o", str(root.parent / f"{kind}.md"), "--worker", "Saskia")  # fmt: skip
        assert done.returncode == 0, done.stderr
    return root


def export(root: Path, *args: str, out: Path, expect: int = 0):
    done = run_ppks("--root", str(root), "export", *args, "-o", str(out))
    assert done.returncode == expect, done.stdout + done.stderr
    return done


def read_back(path: Path, fmt: str) -> tuple[list[str], list[dict]]:
    """The header and the rows of an export, each read with its format's own reader."""
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            return list(reader.fieldnames or []), list(reader)
    if fmt == "jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        return (list(rows[0]) if rows else []), rows
    import openpyxl

    book = openpyxl.load_workbook(path)
    sheet = book.worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    header = list(values[0])
    return header, [dict(zip(header, row, strict=True)) for row in values[1:]]


def all_text(path: Path, fmt: str) -> str:
    """Everything an export holds, as one text: the file itself for CSV and JSON lines
    (JSON with its escapes undone), every cell and the sheet's name for XLSX."""
    if fmt == "csv":
        return path.read_text(encoding="utf-8-sig")
    if fmt == "jsonl":
        return "\n".join(
            json.dumps(json.loads(line), ensure_ascii=False)
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    import openpyxl

    book = openpyxl.load_workbook(path)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for v in row if v is not None]  # fmt: skip
    return "\n".join([*book.sheetnames, *cells])


# --- columns -------------------------------------------------------------------------------


def test_columns_are_stable():
    assert [c.name for c in exports.columns("cases")] == CASE_COLUMNS
    assert [c.name for c in exports.columns("cases", anonymise=True)] == ANONYMOUS_CASE_COLUMNS
    assert [c.name for c in exports.columns("cases", anonymise=True, keep_text=True)] == [
        *ANONYMOUS_CASE_COLUMNS, "note"]
    assert [c.name for c in exports.columns("records")] == RECORD_COLUMNS
    assert [c.name for c in exports.columns("records", anonymise=True)] == [
        c for c in RECORD_COLUMNS if c not in ("recorded_at", "text")]
    assert [c.name for c in exports.columns("letters")] == LETTER_COLUMNS
    assert [c.name for c in exports.columns("letters", anonymise=True)] == [
        c for c in LETTER_COLUMNS if c not in ("number", "seq", "recorded_at")]
    for table in exports.TABLES.values():
        for column in table:
            assert column.type in exports.TYPES


def test_readme_documents_every_column():
    """Each table of the README's "Export columns" lists every column with its type, what
    it holds (word for word as the code says it) and what --anonymise makes of it, in the
    order of the file."""
    text = (PROJECT / "README.md").read_text()
    block = text.split("<!-- export-columns:begin -->")[1].split("<!-- export-columns:end -->")[0]
    for name, table in exports.TABLES.items():
        part = block.split(f"`ppks export {name}`")[1].split("`ppks export")[0]
        rows = [line.strip("|").split("|") for line in part.splitlines()
                if line.startswith("| `")]  # fmt: skip
        documented = [(re.findall(r"`([a-z_]+)`", r[0])[0], r[1].strip(), r[2].strip(),
                       r[3].strip()) for r in rows]  # fmt: skip
        assert documented == [(c.name, c.type, c.meaning, c.anonymised) for c in table], name


def test_descriptions_name_the_codes_the_program_takes():
    """A column whose values come from a fixed list names them from that list: a new kind
    of letter, or other age groups by default, change the description (and the README,
    checked above)."""
    from ppks_cli import ages, choices

    letter = next(c for c in exports.LETTER_COLUMNS if c.name == "letter")
    assert letter.meaning.endswith(", ".join(choices.LETTER_KINDS[:-1]) + " or "
                                   + choices.LETTER_KINDS[-1])  # fmt: skip
    age_group = next(c for c in exports.CASE_COLUMNS if c.name == "age_group")
    assert ages.describe(ages.DEFAULT) in age_group.meaning


# --- every format read back ----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_reads_back(sample, tmp_path, fmt):
    out = tmp_path / f"kasus.{fmt}"
    done = export(sample, "cases", "--format", fmt, out=out)
    assert "6 baris (kasus)" in done.stdout
    header, rows = read_back(out, fmt)
    assert header == CASE_COLUMNS
    by_id = {row["id"]: row for row in rows}
    assert sorted(by_id) == sorted(p.name for p in (sample / "cases").iterdir()
                                   if p.is_dir())  # fmt: skip
    # oldest intake first
    assert [row["id"] for row in rows][0] == "2024-9EHTW"
    rina, tiurma = by_id["2024-5BQB1"], by_id["2024-YF8SM"]
    assert rina["name"] == "Rina M." and tiurma["kecamatan"] == "Medan Sunggal"
    if fmt == "xlsx":  # numbers as numbers, dates as dates, booleans as booleans
        assert rina["birth_date"] == dt.datetime(1990, 7, 5)
        assert rina["intake_date"] == dt.datetime(2024, 6, 3)
        assert rina["age_at_intake"] == 33 and isinstance(rina["age_at_intake"], int)
        assert rina["has_nik"] is True and rina["closed"] is False
        assert rina["nik"] == "1275994507900002"  # text: no digit lost to a float
        assert isinstance(rina["created_at"], dt.datetime)
    elif fmt == "jsonl":
        assert rina["birth_date"] == "1990-07-05" and rina["age_at_intake"] == 33
        assert rina["has_nik"] is True and rina["alias"] is None and rina["tags"] == []
        assert by_id["2024-W07T4"]["tags"] == ["odgj"]
    else:
        assert rina["birth_date"] == "1990-07-05" and rina["age_at_intake"] == "33"
        assert rina["has_nik"] == "true" and rina["alias"] == ""
    assert out.read_bytes().startswith(b"\xef\xbb\xbf" if fmt == "csv" else b"")


def test_xlsx_sheet_header_frozen_columns_sized(sample, tmp_path):
    import openpyxl

    out = tmp_path / "catatan.xlsx"
    export(sample, "records", out=out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["records"]
    sheet = book["records"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == RECORD_COLUMNS
    assert all(c.font.b for c in sheet[1])
    widths = {col: sheet.column_dimensions[col].width for col in ("A", "C", "N")}
    # in Excel's unit: characters of the widest digit, and the cell's padding (0.71)
    assert widths["A"] >= len("2024-9EHTW") and int(widths["N"]) == 60 and widths["C"] < 30
    kinds = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(kinds) == 26 + 2 and "letter" in kinds  # 4 shelter records, 1 raid catch, the child sent home
    dates = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(d, dt.datetime) for d in dates)
    assert sheet.cell(2, 4).number_format == "yyyy-mm-dd"


def test_records_and_letters(sample, tmp_path):
    out = tmp_path / "r.jsonl"
    export(sample, "records", out=out)
    header, rows = read_back(out, "jsonl")
    assert header == RECORD_COLUMNS
    referral = next(r for r in rows if r["kind"] == "referral" and r["case"] == "2024-W07T4")
    assert referral["destination"] == "RSUD Dr. Pirngadi Medan"
    update = next(r for r in rows if r["kind"] == "referral-update" and r["case"] == "2024-W07T4")
    assert update["related"] == referral["id"] and update["code"]
    assert any(r["kind"] == "intervention" and r["code"] == "family-tracing" for r in rows)
    assert all(r["episode"] == 1 for r in rows)
    letters_out = tmp_path / "l.csv"
    export(sample, "letters", out=letters_out)
    header, letters = read_back(letters_out, "csv")
    assert header == LETTER_COLUMNS
    assert {(r["case"], r["letter"], r["number"]) for r in letters} == {
        ("2024-W07T4", "referral", "462.2/1/Dinsos-Resos/V/2024"),
        ("2024-9EHTW", "termination", "460/2/Dinsos-Resos/VI/2024"),
    }


def test_the_filters_of_list(sample, tmp_path):
    for args in (["--stage", "intake"], ["--closed"], ["--worker", "dewi"], ["--tag", "odgj"],
                 ["--since", "2024-04-01", "--until", "2024-05-31"], ["--name", "rizki"]):
        listed = run_ppks("--root", str(sample), "list", "--json", *args)
        out = tmp_path / f"{len(list(tmp_path.iterdir()))}.jsonl"
        export(sample, "cases", *args, out=out)
        _, rows = read_back(out, "jsonl")
        assert sorted(r["id"] for r in rows) == sorted(r["id"] for r in json.loads(listed.stdout))
        assert rows, args


# --- the file: owner-only, atomic, never overwritten or followed ---------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_owner_only_and_says_personal_data(sample, tmp_path, fmt):
    out = tmp_path / f"x.{fmt}"
    done = export(sample, "cases", out=out)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert "berisi data pribadi" in done.stderr and "NIK" in done.stderr and "0600" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == [out.name]  # no temporary file left


def test_never_overwrites_without_force_and_never_follows_a_link(sample, tmp_path):
    out = tmp_path / "ada.csv"
    out.write_text("lama")
    out.chmod(0o644)
    done = export(sample, "cases", out=out, expect=6)
    assert "--force" in done.stderr and out.read_text() == "lama"
    export(sample, "cases", "--force", out=out)
    assert out.read_text(encoding="utf-8-sig").startswith("id,name")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    target = tmp_path / "target.txt"
    target.write_text("jangan")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    for extra in ([], ["--force"]):
        export(sample, "cases", *extra, out=link, expect=6)
        assert target.read_text() == "jangan" and link.is_symlink()
    export(sample, "cases", "--format", "csv", out=tmp_path, expect=6)  # a folder
    export(sample, "cases", out=tmp_path / "no" / "such.csv", expect=10)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ada.csv", "link.csv", "target.txt"]


def test_bad_input_is_one_message(sample, tmp_path):
    for args, code in ((["cases", "--keep-text"], 3), (["cases", "--format", "pdf"], 3),
                       (["kasus"], 3), (["cases", "--stage", "nope"], 3)):  # fmt: skip
        done = export(sample, *args, out=tmp_path / "x.csv", expect=code)
        assert "Traceback" not in done.stderr and done.stderr.startswith("Galat: ")
    done = export(sample, "cases", out=tmp_path / "x.txt", expect=3)
    assert "--format" in done.stderr
    assert not any(tmp_path.iterdir())


def test_a_text_is_never_a_formula(tmp_path, sample):
    root = tmp_path / "kasus"
    shutil.copytree(sample, root)
    case = root / "cases" / "2024-5BQB1" / "case.toml"
    case.write_text(case.read_text().replace(
        'worker = "Saskia"', 'worker = "Saskia"\nnote = "=HYPERLINK(\\"http://x\\")"'))
    export(root, "cases", out=tmp_path / "f.csv")
    _, rows = read_back(tmp_path / "f.csv", "csv")
    assert {r["note"] for r in rows if r["id"] == "2024-5BQB1"} == {"'=HYPERLINK(\"http://x\")"}
    export(root, "cases", out=tmp_path / "f.xlsx")
    import openpyxl

    sheet = openpyxl.load_workbook(tmp_path / "f.xlsx").worksheets[0]
    cell = next(c for row in sheet.iter_rows() for c in row
                if isinstance(c.value, str) and "HYPERLINK" in c.value)  # fmt: skip
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x")'


# --- anonymisation -------------------------------------------------------------------------

CITY = {"medan", "kota medan"} | {k.lower() for k in exports.KECAMATAN}
IDENTITY_FIELDS = ("name", "alias", "nik", "kk_number", "phone", "address",
                   "last_known_address", "birth_place")  # fmt: skip
PERSON_FIELDS = ("name", "phone", "address")


def collect_identity(root: Path) -> set[str]:
    """Every identity value of every case of ``root``, read from the TOML files here (not
    by the export code): the client's names, alias, NIK, No. KK, phone, addresses and birth
    place, each family member's and contact's name, phone and address, the place found
    (whole, and each part of it but the city and its kecamatan, which the kecamatan column
    names on purpose), and the old and new values of every correction of these fields."""
    found: set[str] = set()
    for folder in (root / "cases").iterdir():
        if not folder.is_dir():
            continue
        data = tomllib.loads((folder / "case.toml").read_text())
        client = data["client"]
        found |= {str(client[f]) for f in IDENTITY_FIELDS if f in client}
        for person in client.get("family", []) + client.get("contacts", []):
            found |= {str(person[f]) for f in PERSON_FIELDS if f in person}
        place = data["intake"].get("found_at")
        if place:
            found.add(place)
            found |= {p.strip() for p in place.split(",") if p.strip().lower() not in CITY}
        for record in (folder / "records").glob("*.toml"):
            rec = tomllib.loads(record.read_text())
            if rec.get("kind") == "correction":
                for change in rec["changes"]:
                    if change["field"] in (*IDENTITY_FIELDS, "found_at"):
                        found |= {str(change[k]) for k in ("old", "new") if k in change}
    return {value for value in found if value.strip().lower() not in CITY}


def leaks(text: str, values: set[str]) -> list[str]:
    """The values found in ``text``: each as a phrase (any case, whole words), and each
    number by its digits wherever they stand (spaces, dots and dashes ignored)."""
    found = []
    digits_of_text = re.sub(r"[^0-9]", "", text)
    flat = " ".join(text.split()).casefold()
    for value in values:
        digits = re.sub(r"[^0-9]", "", value)
        if len(digits) >= 6 and digits in digits_of_text:
            found.append(value)
            continue
        phrase = re.escape(" ".join(value.split()).casefold())
        if re.search(rf"(?<!\w){phrase}(?!\w)", flat):
            found.append(value)
    return found


def test_the_collector_finds_the_sample_values():
    values = collect_identity(SAMPLE)
    for value in ("Rina M.", "1275994507900002", "Kiki", "Sri W.", "081200000001",
                  "Kepala Lingkungan IV", "081200000002", "Simpang Pos", "Pasar Petisah, Medan",
                  "Kel. Sei Sikambing B", "Perempuan tanpa identitas (Pasar Petisah)", "MR"):
        assert value in values
    assert "Medan" not in values and "Medan Sunggal" not in values
    # and the check finds them where they are
    assert leaks("klien: rina m. di sini", values) == ["Rina M."]
    assert leaks("tel 0812-0000-0001", values) == ["081200000001"]


@pytest.mark.parametrize("table", ["cases", "records", "letters"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_anonymised_sample_holds_no_identity_value(sample, tmp_path, table, fmt):
    values = collect_identity(sample)
    plain_out = tmp_path / f"plain.{fmt}"
    export(sample, table, out=plain_out)
    if table != "letters":  # the check can fail: the plain export holds them
        assert leaks(all_text(plain_out, fmt), values)
    for extra in ([], ["--keep-text"]):
        out = tmp_path / f"anon{len(extra)}.{fmt}"
        done = export(sample, table, "--anonymise", *extra, out=out)
        assert "dianonimkan" in done.stderr and "berisi data pribadi" not in done.stderr
        assert stat.S_IMODE(out.stat().st_mode) == 0o600
        text = all_text(out, fmt)
        assert leaks(text, values) == [], (table, fmt, extra)
        assert not re.search(r"2024-[0-9A-Z]{5}", text)  # no real case ID
        assert "Saskia" not in text and "Dewi" not in text  # workers are pseudonyms too
        _, rows = read_back(out, fmt)
        assert len(rows) == {"cases": 6, "records": 28, "letters": 2}[table]  # with shelter, raid, child sent home


def test_keep_text_replaces_the_names_in_the_text(sample, tmp_path):
    out = tmp_path / "t.jsonl"
    export(sample, "records", "--anonymise", "--keep-text", out=out)
    texts = [r["text"] for r in read_back(out, "jsonl")[1] if r["text"]]
    assert any("[nama] kembali bersekolah" in t for t in texts)  # "Kiki kembali bersekolah"
    assert any("[nama] terpaksa hidup di jalan" in t for t in texts)  # "MR terpaksa …"
    assert any("Konseling individu" in t for t in texts)  # the rest of the text stays
    out = tmp_path / "n.jsonl"
    export(sample, "records", "--anonymise", out=out)
    assert all("text" not in r for r in read_back(out, "jsonl")[1])


def test_an_identity_rich_case_leaves_nothing(tmp_path, sample):
    """A case with every identity field, a family, a correction of the name, and text that
    repeats them (numbers written with spaces and dashes, the address in a sentence)."""
    root = tmp_path / "kasus"
    shutil.copytree(sample, root)
    cli = ["--root", str(root)]
    made = run_ppks(*cli, "new-case", "--name", "Butet Sinaga", "--alias", "Ucok",
                    "--sex", "P", "--category", "gelandangan", "--intake-date", "2024-03-01",
                    "--source", "outreach", "--found-at", "Gg. Buntu dekat Pajak Sore, Kec. Medan Tembung",
                    "--nik", "1271015502900003", "--kk", "1271010101900001",
                    "--birth-place", "Pematangsiantar", "--birth-date", "1990-02-15",
                    "--phone", "0813-7000-1234", "--address", "Jl. Mawar No. 7, Medan",
                    "--last-known-address", "Lorong Melati 2, Medan",
                    "--family", "Rosmawati Hutagalung;ibu;0852-1111-2222;Jl. Kenanga 9, Binjai", "--worker", "Saskia",
                    "--note", "Butet (Ucok) tinggal di Jl. Mawar No. 7; NIK 1271 0155 0290 0003, "
                              "ibu Rosmawati bisa ditelepon 0813 7000 1234.",
                    "--json")  # fmt: skip
    assert made.returncode == 0, made.stderr
    case_id = json.loads(made.stdout)["id"]
    edited = run_ppks(*cli, "edit", case_id, "--name", "Butet Br. Sinaga", "--reason",
                      "sesuai KTP", "--worker", "Saskia")  # fmt: skip
    assert edited.returncode == 0, edited.stderr
    noted = run_ppks(*cli, "note", case_id, "Kunjungan ke Lorong Melati 2 bersama Rosmawati "
                     "Hutagalung; Sinaga sehat.", "--worker", "Saskia")  # fmt: skip
    assert noted.returncode == 0, noted.stderr
    values = collect_identity(root)
    assert {"Butet Sinaga", "Butet Br. Sinaga", "Rosmawati Hutagalung",
            "Lorong Melati 2, Medan", "Gg. Buntu dekat Pajak Sore",
            "Jl. Kenanga 9, Binjai"} <= values
    assert any(re.sub(r"\D", "", v) == "085211112222" for v in values)
    for table in ("cases", "records"):
        for fmt in FORMATS:
            out = tmp_path / f"{table}.{fmt}"
            export(root, table, "--anonymise", "--keep-text", "--force", out=out)
            text = all_text(out, fmt)
            assert leaks(text, values) == [], (table, fmt)
            for word in ("Butet", "Ucok", "Rosmawati", "Hutagalung", "Sinaga", "Mawar",
                         "Pematangsiantar"):  # fmt: skip
                assert word.lower() not in text.lower(), (table, fmt, word)
    _, rows = read_back(tmp_path / "cases.jsonl", "jsonl")
    row = next(r for r in rows if r["kecamatan"] == "Medan Tembung")
    assert row["age_group"] == "18-59" and row["has_nik"] is True
    assert "[nama] ([nama]) tinggal di [alamat]" in row["note"] and "[nomor]" in row["note"]


def test_pseudonyms_stable_within_an_export_and_new_in_the_next(sample, tmp_path):
    def records():
        out = tmp_path / f"{len(list(tmp_path.iterdir()))}.jsonl"
        export(sample, "records", "--anonymise", out=out)
        return read_back(out, "jsonl")[1]

    first, second = records(), records()
    export(sample, "records", out=tmp_path / "real.jsonl")
    real = read_back(tmp_path / "real.jsonl", "jsonl")[1]
    # the same rows in the same order: one pseudonym per real case, per real record
    pairs = {(r["case"], a["case"]) for r, a in zip(real, first, strict=True)}
    assert len(pairs) == len({r["case"] for r in real}) == len({a["case"] for a in first})
    assert len({a["id"] for a in first}) == len(first)
    assert all(re.fullmatch(r"K-[0-9a-f]{16}", a["case"]) for a in first)
    # a referral update names its referral by the referral's pseudonym
    ids = {a["id"] for a in first}
    assert all(a["related"] in ids for a in first if a["kind"] == "referral-update")
    # the next export: other pseudonyms for everything
    assert not {a["case"] for a in first} & {b["case"] for b in second}
    assert not {a["id"] for a in first} & {b["id"] for b in second}
    assert not {a["worker"] for a in first} & {b["worker"] for b in second}


def test_pseudonyms_are_a_keyed_hash():
    import hashlib
    import hmac

    key = b"k" * 32
    expected = hmac.new(key, b"K:2024-9EHTW", hashlib.sha256).hexdigest()[:16]
    assert Pseudonyms(key)("K", "2024-9EHTW") == f"K-{expected}"
    assert Pseudonyms()("K", "2024-9EHTW") != Pseudonyms()("K", "2024-9EHTW")


# --- the parts -----------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("Kel. Sei Sikambing B, Medan Sunggal", "Medan Sunggal"),
    ("Kec. Medan Sunggal, Kota Medan", "Medan Sunggal"),
    ("Kecamatan Sunggal", "Medan Sunggal"),
    ("depan pasar, kec tembung", "Medan Tembung"),
    ("MEDAN BARU", "Medan Baru"),
    ("Medan Barat", "Medan Barat"),
    ("Simpang Pos, Medan", None),
    ("Pasar Petisah, Medan", None),
    ("Jl. Gatot Subroto, Medan, Kota Medan", None),  # not "Medan Kota"
    ("Jl. Medan Area Selatan No. 5", None),  # a street's name
    ("antara Medan Johor dan Medan Amplas", None),  # two: no guess
    ("", None),
    (None, None),
])  # fmt: skip
def test_kecamatan(text, expected):
    assert kecamatan(text) == expected


def test_ages():
    day = dt.date(2024, 6, 3)
    assert age_on(day, dt.date(2006, 6, 3), None) == 18
    assert age_on(day, dt.date(2006, 6, 4), None) == 17
    assert age_on(day, None, 1964) == 60 and age_on(day, None, None) is None


def test_scrubber():
    found = exports.Identity()
    for kind, value in (("names", "Tiurma Br. Siregar"), ("names", "MR"),
                        ("numbers", "0812 0000 0002"), ("places", "Kel. Sei Sikambing B, Medan")):
        found.add(kind, value)
    scrub = Scrubber(found)
    assert scrub("tiurma BR. siregar datang") == "[nama] datang"
    assert scrub("Siregar dan MR bertemu; mr. x") == "[nama] dan [nama] bertemu; [nama]. x"
    assert scrub("Br. tetap") == "Br. tetap"  # a particle alone is no name
    assert scrub("hubungi 0812-0000-0002 atau 1275 9945 0790 0002") == (
        "hubungi [nomor] atau [nomor]")
    assert scrub("di Kel. Sei Sikambing B, Medan") == "di [alamat]"
    assert scrub("dari kel. sei  sikambing b ke Medan") == "dari [alamat] ke Medan"
    assert scrub("rumah di Jl. Sisingamangaraja No. 12, dekat pasar") == (
        "rumah di [alamat], dekat pasar")
    assert scrub("tanggal 2024-05-03") == "tanggal 2024-05-03"  # a date is no number
    assert scrub(None) is None


def test_english_messages(sample, tmp_path):
    done = run_ppks("--lang", "en", "--root", str(sample), "export", "letters", "-o",
                    str(tmp_path / "l.csv"))  # fmt: skip
    assert done.returncode == 0
    assert "2 rows (letters) written to" in done.stdout
    assert "holds personal data (letter numbers, workers' names)" in done.stderr
    assert os.path.exists(tmp_path / "l.csv")


def test_json_output(sample, tmp_path):
    done = run_ppks("--root", str(sample), "export", "cases", "--anonymise", "--json", "-o",
                    str(tmp_path / "c.jsonl"))  # fmt: skip
    data = json.loads(done.stdout)
    assert data == {
        "what": "cases", "format": "jsonl", "file": str(tmp_path / "c.jsonl"), "rows": 6,
        "columns": ANONYMOUS_CASE_COLUMNS, "anonymised": True, "keep_text": False,
        "personal_data": [], "mode": "0600",
    }  # fmt: skip
    assert io.StringIO(done.stdout)
