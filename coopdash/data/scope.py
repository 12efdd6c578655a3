"""What a user may see of the data: every street office, or only those on their account.

The named-query runner (coopdash/data/db.py), the hours index and the explorer's SQL builder take a
`Scope` and apply it where the query runs, so no page can forget it: a scoped user's street offices
are intersected with every request's `$streets` before the query is bound. No Streamlit here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from coopdash.data.errors import Refused


@dataclass(frozen=True)
class Scope:
    streets: tuple[str, ...] | None = None  # street codes the user may see; None: every street office
    district: bool = True  # may see district-wide figures (rankings, shares of the district)

    @property
    def limited(self) -> bool:
        return self.streets is not None

    def streets_for(self, requested: Iterable[str]) -> tuple[str, ...]:
        """The street offices a request may read: the requested ones within the scope; a scoped user
        who asked for none (or only for streets outside the scope) gets all of their own."""
        requested = tuple(dict.fromkeys(requested))
        if self.streets is None:
            return requested
        inside = tuple(s for s in requested if s in self.streets)
        return inside or self.streets

    def bind(self, params: dict) -> dict:
        """`params` with `streets` replaced by `streets_for(params["streets"])` (a copy)."""
        if self.streets is None:
            return params
        return {**params, "streets": list(self.streets_for(params.get("streets") or ()))}

    def require_everything(self, what_zh: str, what_en: str) -> None:
        """Refuse what only an unscoped user may do (raw SQL over every table, for one)."""
        if self.limited:
            raise Refused(f"本账号只能查看所属街道的数据，不能{what_zh}",
                          f"this account sees its own street offices only and may not {what_en}")


EVERYTHING = Scope()


def scoped(streets: Iterable[str], district: bool = False) -> Scope:
    """The scope of an account limited to `streets` (at least one)."""
    codes = tuple(dict.fromkeys(streets))
    if not codes:
        raise Refused("受限账号至少需要一个街道", "a scoped account needs at least one street office")
    return Scope(codes, district)
