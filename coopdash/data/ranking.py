"""The street-office ranking (考核 / 红黑榜): the indicators of `queries/street_ranking.sql` and the hours
index's share within the deadline, scored with the [ranking] weights of config/dashboard.toml.

The method, stated under the table on the overview and in the briefing:
- each indicator is scaled to 0–100 across the ranked street offices, (x − lowest) / (highest − lowest)
  × 100, reversed for the overdue orders (fewer is better); an indicator on which every street office is
  equal gives each 100;
- the composite score is the weighted mean of a street office's scaled indicators; an indicator it lacks
  (no ratings, no resolved orders) is left out and the other weights scale up;
- a street office with no order submitted in the window is listed without a rank or score;
- rank 1 is the highest score (equal scores share a rank); the top three are 红榜, the bottom three
  黑榜 (fewer when fewer than six are ranked, so none is both).

Who sees it (issue 16): the ranking compares street offices with one another, a district-wide figure.
An account whose scope does not allow district figures (`Scope.district`, the `street` role) is refused;
a scoped account that may see them gets the district's ranking cut to its own street offices' rows.
No Streamlit here: the overview caches `street_ranking` in coopdash/app/cache.py, the briefing calls it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from coopdash.data import db
from coopdash.data.errors import Refused
from coopdash.data.scope import EVERYTHING, Scope
from coopdash.data.settings import RANKING_INDICATORS, settings

LOWER_IS_BETTER = frozenset({"overdue"})
TOP = 3  # street offices highlighted at each end


def refuse_unless_allowed(scope: Scope) -> None:
    if scope.limited and not scope.district:
        raise Refused("街道排名比较全区各街道，本账号只能查看所属街道的数据，不显示排名",
                      "the ranking compares every street office of the district; this account sees its "
                      "own street offices only, so it is not shown")


def street_ranking(con, index, params: dict, scope: Scope = EVERYTHING,
                   weights: dict[str, float] | None = None, district=None) -> pd.DataFrame:
    """One row per street office in the ranking (see the module's docstring), best first: rank (None when
    not ranked), band ("top", "bottom" or ""), score, the indicators and their inputs. `district`: the
    district index of the same dataset version (coopdash/data/district.py), which gives every indicator
    of queries/street_ranking.sql without a statement (with a community filter from the places' rows of
    coopdash/data/places.py; without one from its street arrays, the overdue orders as
    queries/street_overdue.sql counts them; tests hold each way equal to the query)."""
    refuse_unless_allowed(scope)
    # a scoped account that may see district figures is ranked among the whole district
    params = {**params, "streets": [], "communities": []} if scope.limited else params
    if district is not None and not params.get("communities"):
        overdue = district.answer("street_overdue", None, params["end"], params.get("streets") or ())
        frame = district.ranking_indicators(params["start"], params["end"], params.get("streets") or (), overdue)
    elif district is not None:  # a community filter: from the places' rows (coopdash/data/places.py)
        frame = district.places.ranking_indicators(params["start"], params["end"], params.get("streets") or (),
                                                   params["communities"])
    else:
        frame = db.execute(con, "street_ranking", params, EVERYTHING)
    times = index.within_by_street(params["start"], params["end"], params.get("streets") or (),
                                   params.get("communities") or ())
    share = dict(zip(times["code"], times["within_deadline_share"]))
    frame["within_deadline_share"] = frame["street_code"].map(share).astype(float)
    ranked = score(frame, weights or settings().ranking_weights)
    if scope.limited:
        ranked = ranked[ranked["street_code"].isin(scope.streets)].reset_index(drop=True)
    return ranked


def score(frame: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """`frame` (one row per street office with the RANKING_INDICATORS and `submitted`) with each
    indicator's points, the composite score, rank and band, best first."""
    frame = frame.copy()
    ranked = frame["submitted"] > 0
    total = np.zeros(len(frame))
    weight_sum = np.zeros(len(frame))
    for name in RANKING_INDICATORS:
        values = frame[name].astype(float).where(ranked)
        low, high = values.min(), values.max()
        if pd.isna(low):
            points = values  # nobody has it: left out for everyone
        elif high == low:
            points = values.where(values.isna(), 100.0)
        else:
            points = (values - low) / (high - low) * 100
            if name in LOWER_IS_BETTER:
                points = 100 - points
        frame[f"points_{name}"] = points
        has = points.notna().to_numpy()
        total += np.where(has, points.fillna(0).to_numpy() * weights[name], 0)
        weight_sum += np.where(has, weights[name], 0)
    frame["score"] = pd.Series(total / np.where(weight_sum > 0, weight_sum, np.nan), index=frame.index).where(ranked)
    frame["rank"] = frame["score"].rank(method="min", ascending=False).astype("Int64")
    frame = frame.sort_values(["rank", "street_code"], na_position="last", kind="stable").reset_index(drop=True)
    n = int(frame["rank"].notna().sum())
    ends = min(TOP, n // 2)
    order = np.arange(len(frame))
    frame["band"] = np.where(order < ends, "top", np.where((order >= n - ends) & (order < n), "bottom", ""))
    return frame
