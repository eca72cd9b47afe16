import datetime as dt

import pytest
from pydantic import ValidationError

from ppks_cli.models import CaseFile, Client, Intake, parse_sex
from ppks_cli.validation import describe


def client(**kw):
    return Client(**{"name": "MR", "sex": "L", **kw})


def test_only_name_and_sex_are_required():
    assert client().to_toml_dict() == {"name": "MR", "sex": "L"}


def test_empty_values_are_left_out_and_field_order_is_kept():
    c = client(nik="1275011602750001", birth_year=1975, family=[])
    assert list(c.to_toml_dict()) == ["name", "sex", "nik", "birth_year"]


@pytest.mark.parametrize("typed, sex", [("L", "L"), ("p", "P"), ("male", "L"), ("Perempuan", "P")])
def test_sex_words(typed, sex):
    assert parse_sex(typed) == sex


def test_bad_nik_is_a_validation_error_with_a_catalog_key():
    with pytest.raises(ValidationError) as err:
        client(nik="127501160275000")
    ((loc, msg),) = describe(err.value)
    assert loc == ("nik",)
    assert msg.key == "validation.field"
    assert "16" in str(msg)


def test_birth_year_must_agree_with_birth_date():
    with pytest.raises(ValidationError) as err:
        client(birth_date=dt.date(1975, 2, 16), birth_year=1976)
    ((loc, msg),) = describe(err.value)
    assert loc == ()
    assert msg.params["detail"].key == "validation.birth_year_mismatch"
    assert "1976" in str(msg) and "1975-02-16" in str(msg)


def test_nik_disagreeing_with_birth_date_is_only_a_warning():
    c = client(nik="1275011602750001", birth_date=dt.date(1975, 3, 1))
    assert [key for _, key, _ in c.warnings()] == ["warning.nik_birth_date"]


def test_strict_types_catch_hand_edits():
    data = {
        "schema": 1, "id": "2024-K7Q3M", "created_at": dt.datetime(2024, 2, 16, tzinfo=dt.UTC),
        "category": "pengemis", "client": {"name": "MR", "sex": "L", "birth_year": "1975"},
        "intake": {"date": "2024-02-16", "source": "street-raid", "worker": "S"},
        "colour": "red",
    }  # fmt: skip
    with pytest.raises(ValidationError) as err:
        CaseFile.model_validate(data)
    found = {loc: msg.key for loc, msg in describe(err.value)}
    assert found == {
        ("client", "birth_year"): "validation.wrong_type",
        ("intake", "date"): "validation.wrong_type",
        ("colour",): "validation.unknown_key",
    }


def test_unknown_category_and_newer_schema_are_errors():
    base = {
        "id": "2024-K7Q3M", "created_at": dt.datetime(2024, 2, 16, tzinfo=dt.UTC),
        "client": {"name": "MR", "sex": "L"},
        "intake": {"date": dt.date(2024, 2, 16), "source": "street-raid", "worker": "S"},
    }  # fmt: skip
    with pytest.raises(ValidationError) as err:
        CaseFile.model_validate({**base, "schema": 3, "category": "penyanyi"})
    keys = {loc: str(msg) for loc, msg in describe(err.value)}
    assert "ppks" in keys[("schema",)]
    assert "penyanyi" in keys[("category",)]


def test_intake_in_the_future_is_refused():
    with pytest.raises(ValidationError):
        Intake(date=dt.date.today() + dt.timedelta(days=2), source="walk-in", worker="S")
