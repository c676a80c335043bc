"""`ORND_VISMA_FULL_REFRESH_DAYS`: how often an incremental collection is pulled in full."""

from datetime import timedelta

import pytest

from ornd_visma.config import DEFAULT_FULL_REFRESH_DAYS, full_refresh_days, full_refresh_interval


def test_a_week_by_default_and_zero_is_never():
    assert DEFAULT_FULL_REFRESH_DAYS == 7
    assert full_refresh_interval({}) == timedelta(days=7)
    assert full_refresh_interval({"ORND_VISMA_FULL_REFRESH_DAYS": " 30 "}) == timedelta(days=30)
    assert full_refresh_interval({"ORND_VISMA_FULL_REFRESH_DAYS": "0"}) is None


@pytest.mark.parametrize("value", ["-1", "7.5", "week", "²"])
def test_anything_but_whole_days_is_one_line_naming_the_variable(value):
    with pytest.raises(ValueError) as error:
        full_refresh_days({"ORND_VISMA_FULL_REFRESH_DAYS": value})
    assert str(error.value) == (
        f"ORND_VISMA_FULL_REFRESH_DAYS={value!r} is not a whole number of days (0: never)"
    )
