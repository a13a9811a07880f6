"""Working days for the publication deadline (`sitegen/workdays.py`), against a count day by
day with chinese_calendar, the way the function was first written."""

from __future__ import annotations

import datetime as dt
import random

import chinese_calendar
import pytest

from sitegen import workdays
from sitegen.config import Calendar
from sitegen.workdays import workdays_between

NO_CALENDAR = Calendar()


def by_day(start: dt.date, end: dt.date, calendar: Calendar = NO_CALENDAR) -> tuple[int, bool]:
    days = [start + dt.timedelta(days=n) for n in range(1, (end - start).days + 1)]
    if not calendar.years:
        try:
            return len(chinese_calendar.get_workdays(days[0], days[-1])) if days else 0, True
        except NotImplementedError:
            return sum(d.weekday() < 5 for d in days), False
    count, covered = 0, True
    for day in days:
        if day in calendar.workdays:
            count += 1
        elif day in calendar.holidays:
            continue
        else:
            try:
                count += chinese_calendar.is_workday(day)
            except NotImplementedError:
                count += day.weekday() < 5
                covered = covered and day.year in calendar.years
    return count, covered


OWN_2031 = Calendar(holidays=(dt.date(2031, 1, 22), dt.date(2031, 1, 23)),
                    workdays=(dt.date(2031, 2, 8),))


@pytest.mark.parametrize("calendar", [NO_CALENDAR, OWN_2031], ids=["library", "site-2031"])
def test_the_count_is_the_day_by_day_count(calendar: Calendar):
    rng = random.Random(7)
    for _ in range(600):  # from 2000, before the tables, to 2034, after them
        start = dt.date(2000, 1, 1) + dt.timedelta(days=rng.randint(0, 12500))
        end = start + dt.timedelta(days=rng.randint(-3, rng.choice([40, 40, 400, 1500])))
        expected = by_day(start, end, calendar) if end > start else (0, True)
        assert workdays_between(start, end, calendar) == expected, (start, end)


def test_a_year_typed_wrong_is_counted_without_looking_up_its_days(monkeypatch):
    """Found by review: 生成日期 0209-09-08 (for 2009) looked up 660 000 days one by one, each
    an exception from the library; a build of the example took 14 s instead of 1."""
    asked = []
    real = chinese_calendar.is_workday
    monkeypatch.setattr(chinese_calendar, "is_workday", lambda day: asked.append(day) or real(day))
    workdays._official_workday.cache_clear()
    count, official = workdays_between(dt.date(209, 9, 8), dt.date(2025, 1, 1))
    assert not official and asked == []
    assert count == sum((dt.date(209, 9, 9) + dt.timedelta(days=n)).weekday() < 5
                        for n in range((dt.date(2025, 1, 1) - dt.date(209, 9, 8)).days))


def test_a_year_typed_wrong_on_a_site_with_its_own_calendar(monkeypatch):
    """The same with a [calendar] (sites add the next year's arrangement there): only the days
    of the library's years are looked up, the years before them counted by weeks."""
    start, end = dt.date(1909, 9, 8), dt.date(2025, 1, 1)  # (1909: a reference that ends)
    expected = by_day(start, end, OWN_2031)
    asked = []
    real = chinese_calendar.is_workday
    monkeypatch.setattr(chinese_calendar, "is_workday", lambda day: asked.append(day) or real(day))
    workdays._official_workday.cache_clear()
    assert workdays_between(start, end, OWN_2031) == expected
    tables = workdays._table_years()
    assert asked and all(day.year in tables for day in asked)
