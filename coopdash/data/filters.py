"""The filter model shared by every page: a date window, street offices and communities.

Pure Python (no Streamlit): the URL round trip and the SQL parameters it yields. The sidebar
(coopdash/app/sidebar.py) draws it; tests use it directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from coopdash.data.settings import settings

# URL keys: ?from=2023-04-01&to=2023-11-30&street=220203013&community=220203013001
URL_START, URL_END, URL_STREET, URL_COMMUNITY = "from", "to", "street", "community"


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date
    streets: tuple[str, ...] = field(default_factory=tuple)
    communities: tuple[str, ...] = field(default_factory=tuple)

    def params(self) -> dict:
        """Parameters for the named queries ($start, $end, $streets, $communities, $launch)."""
        return {"start": self.start, "end": self.end, "streets": list(self.streets),
                "communities": list(self.communities), "launch": settings().launch}

    def to_query(self) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {URL_START: self.start.isoformat(), URL_END: self.end.isoformat()}
        if self.streets:
            out[URL_STREET] = list(self.streets)
        if self.communities:
            out[URL_COMMUNITY] = list(self.communities)
        return out


def parse_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def from_query(query: Mapping[str, Sequence[str]], default: Filters,
               street_codes: set[str], community_codes: set[str],
               outside: str | None = None) -> tuple[Filters, list[str]]:
    """Filters from URL parameters (each key → its list of values), falling back to `default`.

    Returns the filters and a list of problems (unreadable dates, unknown codes) to show the user.
    `outside`: the problem's text ({codes} for the codes) when the codes are those of a scoped user,
    who is told they are outside their scope (not whether they exist).
    """
    problems = []

    def one(key: str) -> str | None:
        values = query.get(key) or []
        return values[-1] if values else None

    start, end = parse_date(one(URL_START)), parse_date(one(URL_END))
    for key, raw, value in ((URL_START, one(URL_START), start), (URL_END, one(URL_END), end)):
        if raw and value is None:
            problems.append(f"链接中的日期无法识别 / unreadable date in the link: {key}={raw}")
    start, end = start or default.start, end or default.end
    if start > end:
        problems.append("链接中的开始日期晚于结束日期，已对调 / start after end in the link; swapped")
        start, end = end, start
    streets = tuple(dict.fromkeys(query.get(URL_STREET) or []))
    communities = tuple(dict.fromkeys(query.get(URL_COMMUNITY) or []))
    unknown = [c for c in streets if c not in street_codes] + [c for c in communities if c not in community_codes]
    if unknown and outside:
        problems.append(outside.format(codes=", ".join(unknown)))
    elif unknown:
        problems.append(f"链接中有未知代码，已忽略 / unknown codes in the link ignored: {', '.join(unknown)}")
    return Filters(start, end, tuple(c for c in streets if c in street_codes),
                   tuple(c for c in communities if c in community_codes)), problems
