"""The periods a window's figures are compared with: the previous period of the same length (环比)
and the same period a year before (同比). Pure dates, no Streamlit."""

from __future__ import annotations

import datetime as dt


def previous(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The days just before [start, end], as many as it has: 2023-11-01…30 → 2023-10-02…31."""
    days = (end - start).days + 1
    return start - dt.timedelta(days=days), start - dt.timedelta(days=1)


def _year_back(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_before(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The same days one year earlier: 2024-02-01…29 → 2023-02-01…28."""
    return _year_back(start), _year_back(end)
