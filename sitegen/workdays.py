"""Working-day arithmetic for the publication deadline (条例 第二十六条; domain.md §b.4).

Statutory limits count 工作日, and China moves weekend days around public holidays (调休), so
plain Monday–Friday counting is wrong; `chinese_calendar` carries the State Council's tables,
and a site's `[calendar]` (`config.Calendar`) adds a year the installed release lacks.
"""

from __future__ import annotations

import datetime as dt
import functools

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
    days = [first + dt.timedelta(days=n) for n in range((end - start).days)]
    if not calendar.years:
        official = list(map(_official_workday, days))
        if None in official:  # (the library has no table for some day: none is used)
            return sum(day.weekday() < 5 for day in days), False
        return sum(map(bool, official)), True
    holidays, workdays, years = set(calendar.holidays), set(calendar.workdays), calendar.years
    count, covered = 0, True
    for day in days:
        if day in workdays:
            count += 1
            continue
        if day in holidays:
            continue
        is_workday = _official_workday(day)
        if is_workday is None:  # a year the release has no table for
            count += day.weekday() < 5
            covered = covered and day.year in years
        else:
            count += is_workday
    return count, covered


@functools.lru_cache(maxsize=1 << 16)
def _official_workday(day: dt.date) -> bool | None:
    """`chinese_calendar.is_workday`, None outside its tables; remembered, as every item asks
    about the days of its own range and the library checks each date against the bounds of
    all its tables (a quarter of reading and checking an item, when not remembered)."""
    import chinese_calendar  # its holiday tables are large; only needed when validating

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None
