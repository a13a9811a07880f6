"""Working-day arithmetic for the publication deadline (条例 第二十六条; domain.md §b.4).

Statutory limits count 工作日, and China moves weekend days around public holidays (调休), so
plain Monday–Friday counting is wrong; `chinese_calendar` carries the State Council's tables,
and a site's `[calendar]` (`config.Calendar`) adds a year the installed release lacks.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

from sitegen.config import Calendar

_NONE = Calendar()
# China keeps one time zone and no daylight saving: a fixed offset needs no tz database.
BEIJING = dt.timezone(dt.timedelta(hours=8), "北京时间")


def today() -> dt.date:
    """Today in Beijing, whatever the machine's zone: a CI runner on UTC would otherwise hold
    back an item dated today until 08:00 北京时间."""
    return dt.datetime.now(BEIJING).date()


def workdays_between(start: dt.date, end: dt.date, calendar: Calendar = _NONE) -> tuple[int, bool]:
    """Working days after `start` up to and including `end` ("自……之日起" excludes the start day).

    Returns the count and whether an official holiday table (the library's, or the site's own
    entries for a year) covered the whole range; outside them, Monday–Friday is used and the
    caller says so."""
    if end <= start:
        return 0, True
    first = start + dt.timedelta(days=1)
    years = _table_years()
    if not calendar.years:
        if not (years.start <= first.year and end.year < years.stop):
            return _weekdays(first, end), False  # (no day of it is looked up: a typed 0209 is fast)
        return sum(map(_official_workday, _days(first, end))), True
    holidays, workdays, own_years = set(calendar.holidays), set(calendar.workdays), calendar.years
    count, covered = 0, True
    for year in range(first.year, end.year + 1):
        part = (max(first, dt.date(year, 1, 1)), min(end, dt.date(year, 12, 31)))
        if year not in years and year not in own_years:  # no table at all: by whole weeks
            count += _weekdays(*part)
            covered = False
            continue
        for day in _days(*part):
            if day in workdays:
                count += 1
            elif day in holidays:
                continue
            elif year in years:
                count += _official_workday(day)
            else:  # a year the site's own entries cover, the library's tables not
                count += day.weekday() < 5
    return count, covered


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    return (first + dt.timedelta(days=n) for n in range((last - first).days + 1))


def _weekdays(first: dt.date, last: dt.date) -> int:
    """Monday to Friday from `first` to `last`, both included, counted by whole weeks."""
    days = (last - first).days + 1
    weeks, rest = divmod(days, 7)
    return weeks * 5 + sum((first.weekday() + n) % 7 < 5 for n in range(rest))


@functools.lru_cache(maxsize=1)
def _table_years() -> range:
    """The years chinese_calendar has tables for (it raises for any other)."""
    from chinese_calendar.constants import holidays

    return range(min(holidays).year, max(holidays).year + 1)


@functools.lru_cache(maxsize=1 << 14)  # (the days of the tables: some 8 000)
def _official_workday(day: dt.date) -> bool:
    """`chinese_calendar.is_workday` for a day of its tables (`_table_years`); remembered, as
    every item asks about the days of its own range and the library checks each date against
    the bounds of all its tables (a quarter of reading and checking an item, when not)."""
    import chinese_calendar  # its holiday tables are large; only needed when validating

    return bool(chinese_calendar.is_workday(day))
