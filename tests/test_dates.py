import datetime as dt

import pytest

from ppks_cli import dates
from ppks_cli.errors import InvalidInput


@pytest.mark.parametrize(
    "typed", ["2024-02-16", "16-02-2024", "16/02/2024", "16.2.2024", "2024-2-16"]
)
def test_accepted_forms(typed):
    assert dates.parse_date(typed, option="--date") == dt.date(2024, 2, 16)


def test_impossible_day_names_the_month_and_its_last_day():
    with pytest.raises(InvalidInput) as err:
        dates.parse_date("2024-02-30", option="--intake-date")
    message = str(err.value)
    assert "--intake-date" in message and "Februari 2024" in message and "29" in message


@pytest.mark.parametrize("typed", ["kemarin", "2024/02", "20240216", "2024-13-01"])
def test_malformed_dates_are_rejected(typed):
    with pytest.raises(InvalidInput):
        dates.parse_date(typed, option="--date")


def test_future_dates_are_refused_unless_allowed():
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    with pytest.raises(InvalidInput) as err:
        dates.parse_date(tomorrow, option="--date")
    assert err.value.key == "error.future_date"
    assert dates.parse_date(tomorrow, option="--target-date", allow_future=True)


def test_long_indonesian_date_does_not_depend_on_locale():
    assert dates.long_date(dt.date(2024, 6, 30)) == "30 Juni 2024"
    assert dates.long_date(dt.date(2024, 8, 1)) == "1 Agustus 2024"
    assert dates.day_name(dt.date(2024, 6, 30)) == "Minggu"
