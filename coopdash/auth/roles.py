"""The four roles: which pages each may open and which data each sees (issue 14's table).

| role      | sees                          | may use                                                   |
|-----------|-------------------------------|-----------------------------------------------------------|
| `leader`  | every street office           | every report page, projection, downloads                  |
| `street`  | the street offices on the account | every report page, downloads, the explorer            |
| `analyst` | every street office           | the above, projection, the explorer and the SQL console   |
| `admin`   | every street office           | everything, plus data management and user management      |
"""

from __future__ import annotations

from dataclasses import dataclass

from coopdash.data.scope import EVERYTHING, Scope, scoped
from coopdash.i18n.labels import pick

REPORT_PAGES = frozenset({"overview", "compound_map", "service_orders", "environment", "organisation"})
ALL_PAGES = REPORT_PAGES | {"explorer", "sql_console", "data_admin", "users"}


@dataclass(frozen=True)
class Role:
    name: str
    zh: str
    en: str
    pages: frozenset[str]
    scoped: bool  # sees only the street offices on the account
    district: bool  # sees district-wide figures (rankings, shares of the district)
    present: bool  # projection mode and the carousel

    @property
    def label(self) -> str:
        return pick(self.zh, self.en)


ROLES: dict[str, Role] = {r.name: r for r in (
    Role("leader", "区领导", "district leader", REPORT_PAGES, False, True, True),
    Role("street", "街道", "street office", REPORT_PAGES | {"explorer"}, True, False, False),
    Role("analyst", "分析人员", "analyst", REPORT_PAGES | {"explorer", "sql_console"}, False, True, True),
    Role("admin", "数据管理员", "data administrator", ALL_PAGES, False, True, True),
)}


def scope_of(role: str, streets: tuple[str, ...]) -> Scope:
    """The data a user of `role` with `streets` on the account may see."""
    r = ROLES[role]
    return scoped(streets, r.district) if r.scoped else EVERYTHING
