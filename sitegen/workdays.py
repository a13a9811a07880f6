"""Working-day arithmetic for the publication deadline (条例 第二十六条; domain.md §b.4).

Statutory limits count 工作日, and China moves weekend days around public holidays (调休), so
plain Monday–Friday counting is wrong; `chinese_calendar` carries the State Council's tables.
"""

from __future__ import annotations

import datetime as dt


def workdays_between(start: dt.date, end: dt.date) -> tuple[int, bool]:
    """Working days after `start` up to and including `end` ("自……之日起" excludes the start day).

    Returns the count and whether the official holiday table covered the whole range (outside
    it, Monday–Friday is used and the caller says so)."""
    if end <= start:
        return 0, True
    import chinese_calendar  # its holiday tables are large; only needed when validating

    first = start + dt.timedelta(days=1)
    try:
        return len(chinese_calendar.get_workdays(first, end)), True
    except NotImplementedError:
        days = (end - start).days
        count = sum(1 for i in range(1, days + 1) if (start + dt.timedelta(days=i)).weekday() < 5)
        return count, False
