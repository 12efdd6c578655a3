"""Hours to resolve: exact medians and 90th percentiles for any window and scope, without sorting.

The figures are those of `queries/orders_hours.sql`, their definition: of the orders resolved in the
window (status 'resolved', resolved_at on a day from start to end) in the scope, `quantile_cont` of the
time to resolve (linear interpolation between the order statistics at 0-based position (n − 1)·p), and
how many were resolved within their category's deadline. Tests hold the two equal.

Why not the query: DuckDB sorts the window's times again for every new window and every breakdown,
which at city scale was the one page figure too slow for a filter change. Here the resolved orders
are held in memory once per dataset version (from the rollup `orders_resolved`, ranked by time to
resolve here, at load: one sort of the times, so that the rollup is kept current month by month):

- rows in order of resolution, so a window of days is one run of rows [r0, r1);
- each row's rank by time to resolve, so `values[rank]` is the sorted times and a run of ranks, a *block*,
  is a run of times; `row_of_rank` finds the rows of a block;
- per street office, per category and district-wide, the count of rows per block, summed over fixed
  chunks of rows (prefix sums), so the counts for a window are a difference plus its two partial chunks.

The k-th smallest time of a group in a window is then found in two steps: the cumulative block counts name
the block that holds it and its place in that block; the rows of that one block (about a thousandth of
all rows), kept in rank order, give the row. With a street or community filter the counts come instead
from one pass over the window's rows in scope. The cost is memory, a fixed number of bytes per
resolved order, and a load once per dataset version (kept by coopdash/app/cache.py).

Measured figures (time per window, memory, load time at 10 M orders; the SQL it replaces): docs/scale.md,
item 6, and "What is still short", items 3 and 4.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from coopdash.data import rollups
from coopdash.data.errors import DataError
from coopdash.data.settings import settings

ROLLUP = "orders_resolved"
US_PER_HOUR = 3600e6
KINDS = ("district", "category", "street")  # the breakdowns: one group, per category, per street office


@dataclass(frozen=True)
class _Groups:
    codes: np.ndarray  # the group's code by group number (object array of str)
    of_row: np.ndarray | None  # each row's group number; None: one group (district)
    prefix: np.ndarray  # [chunk boundary, group, block] → rows before that boundary (int32)


class Index:
    """The resolved orders of one dataset version, arranged to answer order statistics of any window."""

    def __init__(self, n: int, batches: Callable[[str], Iterable[pa.Array]]):
        """n rows; `batches(name)` reads one column of the rollup (`COLUMNS`) in batches, so that
        loading holds one batch beside the index, not the whole table."""
        self.n = n
        day = _ints(n, batches("day"), np.int32)  # days since 1970-01-01
        step = np.diff(day)
        self.day_first_row = np.concatenate([[0], np.flatnonzero(step) + 1]) if n else np.zeros(0, np.int64)
        self.days = day[self.day_first_row]
        del day
        # each row's rank by time to resolve, worked out here (not stored in the rollup, so that a publish
        # recomputes only the months it touched): equal times in any order give the same figures
        resolve = _ints(n, batches("resolve_us"), np.int64)
        # ranked and held in whole seconds when every time is (ingest keeps timestamps to the second): int32,
        # 36 MB less than the microseconds at 10 M orders and a lower peak while loading; `unit`: µs per held
        # step (kth gives µs either way)
        chunk = 1 << 20
        whole = n and not any((resolve[i:i + chunk] % 1_000_000).any() for i in range(0, n, chunk)) \
            and -(1 << 31) < int(resolve.min()) // 1_000_000 and int(resolve.max()) // 1_000_000 < 1 << 31
        self.unit = 1_000_000 if whole else 1
        if whole:
            resolve = (resolve // 1_000_000).astype(np.int32)
        order = np.argsort(resolve)  # the row of each rank
        self.values = resolve[order]  # times to resolve, sorted
        del resolve
        self.row_of_rank = order.astype(np.int32)
        rank = np.empty(n, np.int32)
        rank[order] = np.arange(n, dtype=np.int32)
        del order
        if (step < 0).any():
            raise DataError(f"汇总表 {ROLLUP} 未按解决日排序", f"rollup {ROLLUP}: not in order of day resolved")
        del step
        # blocks of 2**shift consecutive ranks: about a thousand of them
        self.shift = max(0, math.ceil(math.log2(max(n, 1) / 1024)))
        self.blocks = max(1, -(-n // (1 << self.shift)))
        self.block_of_row = (rank >> self.shift).astype(_small(self.blocks))
        del rank
        # chunks of 2**chunk_shift rows: about 64 of them
        self.chunk_shift = max(0, math.ceil(math.log2(max(n, 1) / 64)))
        self.chunks = -(-n // (1 << self.chunk_shift))
        # each community's rows, in row order (`community_first[c]` … `community_first[c + 1]`): a street or
        # community filter reads the rows of its own communities within the window, not every row of the window
        # (one street office's window took 50–70 ms that way at 10 M orders, the filter's mask over all of them)
        self.community_codes, self.community_of_row = _codes(n, batches("community_code"))
        self.rows_by_community = np.argsort(self.community_of_row, kind="stable").astype(np.int32)
        self.community_first = np.concatenate(
            [[0], np.cumsum(np.bincount(self.community_of_row.astype(np.int64), minlength=len(self.community_codes)))])
        self.groups = {"district": self._groups(np.array([""], dtype=object), None)}
        for kind, name in (("category", "category"), ("street", "street_code")):
            self.groups[kind] = self._groups(*_codes(n, batches(name)))
        # each community's street office (number): a community lies in one (the rollup takes it from `communities`)
        self.street_of_community = self.groups["street"].of_row[self.rows_by_community[self.community_first[:-1]]] \
            if n else np.zeros(0, np.int64)
        # the ranking's per-day sums (_within_by_street_days), built with the index rather than at the first view
        self._street_days: tuple[np.ndarray, np.ndarray] | None = self._street_day_sums()

    # ------------------------------------------------------------------------------------ building
    def _groups(self, codes: np.ndarray, of_row: np.ndarray | None) -> _Groups:
        g, b = len(codes), self.blocks
        prefix = np.zeros((self.chunks + 1, g, b), np.int32)
        step = 1 << self.chunk_shift
        for c in range(self.chunks):
            prefix[c + 1] = prefix[c] + self._count(of_row, slice(c * step, (c + 1) * step), g)
        return _Groups(codes, of_row, prefix)

    def _count(self, of_row: np.ndarray | None, rows, groups: int) -> np.ndarray:
        """Rows per group and block among `rows` (a slice or an index array)."""
        block = self.block_of_row[rows].astype(np.int64)
        key = block if of_row is None else of_row[rows].astype(np.int64) * self.blocks + block
        return np.bincount(key, minlength=groups * self.blocks).reshape(groups, self.blocks)

    # ------------------------------------------------------------------------------------ answering
    def window(self, start: dt.date, end: dt.date) -> tuple[int, int]:
        """The run of rows resolved on a day from start to end."""
        epoch = dt.date(1970, 1, 1)
        first = np.searchsorted(self.days, (start - epoch).days, side="left")
        last = np.searchsorted(self.days, (end - epoch).days, side="right")
        bounds = np.append(self.day_first_row, self.n)
        return int(bounds[first]), int(bounds[last])

    def summary(self, start: dt.date, end: dt.date, streets=(), communities=(),
                deadlines: dict[str, float] | None = None, kinds: tuple[str, ...] = KINDS) -> dict[str, pd.DataFrame]:
        """Per breakdown (`kinds`, all of KINDS by default), one row per group with resolved orders: resolved,
        median_hours, p90_hours, within_deadline and within_deadline_share (not by street office: deadlines
        are per category). The district row is there even when nothing was resolved."""
        sel = _Selection(self, *self.window(start, end), streets, communities)
        cats = sel.counts(self.groups["category"])
        counts = {"category": cats, "district": cats.sum(axis=0, keepdims=True)}  # every row has a category
        if "street" in kinds:
            counts["street"] = sel.counts(self.groups["street"])
        out = {}
        for kind in kinds:
            groups, cnt = self.groups[kind], counts[kind]
            resolved = cnt.sum(axis=1)
            present = np.flatnonzero(resolved) if kind != "district" else np.array([0])
            median, p90 = (sel.quantile(groups, cnt, resolved, present, p) for p in (0.5, 0.9))
            out[kind] = pd.DataFrame({"code": groups.codes[present], "resolved": resolved[present],
                                      "median_hours": median / US_PER_HOUR, "p90_hours": p90 / US_PER_HOUR})
        within = sel.within(cats, deadlines or settings().deadlines)
        if "category" in out:
            frame = out["category"]
            frame["within_deadline"] = within[np.searchsorted(self.groups["category"].codes, frame["code"])] \
                if len(frame) else np.zeros(0, np.int64)
        if "district" in out:
            out["district"]["within_deadline"] = int(within.sum())
        for kind in ("category", "district"):
            if kind in out:
                frame = out[kind]
                frame["within_deadline_share"] = frame["within_deadline"] / frame["resolved"].where(frame["resolved"] > 0)
        return out

    def totals(self, start: dt.date, end: dt.date, streets=(), communities=(),
               deadlines: dict[str, float] | None = None) -> dict:
        """`summary`'s district row as a dict (code, resolved, median_hours, p90_hours, within_deadline,
        within_deadline_share): what the cards and their comparisons read, without the per-street-office
        order statistics that are most of a summary's work (13 → 4 ms a window district-wide at 10 M orders)."""
        return self.summary(start, end, streets, communities, deadlines, kinds=("district",))["district"].iloc[0].to_dict()


    def within_by_street(self, start: dt.date, end: dt.date, streets=(), communities=(),
                         deadlines: dict[str, float] | None = None) -> pd.DataFrame:
        """Per street office with resolved orders in the window and scope: resolved, within_deadline
        (resolved within its category's deadline) and within_deadline_share — the street offices'
        figures of `queries/orders_hours.sql` with $by = 'street'. One pass over the window's rows (the
        per-block counts are per street or per category, not per both), so it is kept apart from
        `summary`: only the ranking asks for it."""
        if not communities and deadlines is None:  # the common case: per street office and day, summed once
            return self._within_by_street_days(start, end, streets)
        sel = _Selection(self, *self.window(start, end), streets, communities)
        rows = slice(sel.r0, sel.r1) if sel.scope is None else sel.scope
        street, category = self.groups["street"], self.groups["category"]
        s = len(street.codes)
        limits = sel.limits(deadlines or settings().deadlines)  # per category: the first rank over it
        limit_block = limits >> self.shift
        st_row = street.of_row[rows].astype(np.int64)
        cat_row = category.of_row[rows].astype(np.int64)
        blk = self.block_of_row[rows].astype(np.int64)
        resolved = np.bincount(st_row, minlength=s)
        below = blk < limit_block[cat_row]  # the whole blocks under the deadline
        within = np.bincount(st_row[below], minlength=s)
        for cat in np.flatnonzero((limits < self.n) & (limits > limit_block << self.shift)):
            ranks, of = sel.block(int(limit_block[cat]), category)  # the block the deadline cuts
            mine = (of == cat) & (ranks < limits[cat])
            within += np.bincount(street.of_row[self.row_of_rank[ranks[mine]]].astype(np.int64), minlength=s)
        present = np.flatnonzero(resolved)
        out = pd.DataFrame({"code": street.codes[present], "resolved": resolved[present],
                            "within_deadline": within[present]})
        out["within_deadline_share"] = out["within_deadline"] / out["resolved"]
        return out

    def _street_day_sums(self) -> tuple[np.ndarray, np.ndarray]:
        """Per day and street office, the rows resolved before that day and those of them within their
        category's deadline (settings), as two (days + 1) × street offices arrays of cumulative sums. Summed a
        chunk of rows at a time: built in one go, its int64 keys and weights had been a 230 MB peak of the
        server's first views at 10 M orders (docs/deploy.md)."""
        street, days = self.groups["street"], len(self.days)
        streets = len(street.codes)
        limits = _Selection(self, 0, self.n, (), ()).limits(settings().deadlines)
        category = self.groups["category"].of_row
        within = np.zeros(self.n, bool)
        for cat, limit in enumerate(limits.tolist()):  # the rows ranked under the category's limit
            rows = self.row_of_rank[:limit]
            within[rows[category[rows] == cat]] = True
        resolved, inside = np.zeros(days * streets, np.int64), np.zeros(days * streets, np.int64)
        bounds = np.append(self.day_first_row, self.n)
        chunk = 1 << 20
        for a in range(0, self.n, chunk):
            b = min(a + chunk, self.n)
            key = (np.searchsorted(bounds, np.arange(a, b), "right") - 1) * streets + street.of_row[a:b]
            resolved += np.bincount(key, minlength=days * streets)
            inside += np.bincount(key[within[a:b]], minlength=days * streets)

        def cumulative(per_day: np.ndarray) -> np.ndarray:
            return np.concatenate([np.zeros((1, streets), np.int64), np.cumsum(per_day.reshape(days, streets), axis=0)])

        return cumulative(resolved), cumulative(inside)

    def _within_by_street_days(self, start: dt.date, end: dt.date, streets=()) -> pd.DataFrame:
        """within_by_street with the settings' deadlines and no community filter, from the rows resolved and
        resolved within the deadline per street office before each day (built at the first call, once per
        index: whether a row is within its category's deadline does not depend on the window): a window
        is the difference of two rows, whatever its length (a whole-district ranking read every row of the
        window at each new window: 17 % of 总览's CPU at 10 M orders)."""
        street = self.groups["street"]
        if self._street_days is None:
            self._street_days = self._street_day_sums()
        resolved_before, within_before = self._street_days
        epoch = dt.date(1970, 1, 1)
        first = np.searchsorted(self.days, (start - epoch).days, side="left")
        last = np.searchsorted(self.days, (end - epoch).days, side="right")
        resolved = resolved_before[last] - resolved_before[first]
        within = within_before[last] - within_before[first]
        if streets:
            resolved = np.where(np.isin(street.codes, list(streets)), resolved, 0)
        present = np.flatnonzero(resolved)
        out = pd.DataFrame({"code": street.codes[present], "resolved": resolved[present],
                            "within_deadline": within[present]})
        out["within_deadline_share"] = out["within_deadline"] / out["resolved"]
        return out


class _Selection:
    """One window and scope of an Index: its counts per block, and the blocks it has read."""

    def __init__(self, index: Index, r0: int, r1: int, streets, communities):
        self.ix, self.r0, self.r1 = index, r0, r1
        self.in_scope: np.ndarray | None = None  # per community: in the scope (with a street or community filter)
        self.scope = self._scope(streets, communities)
        self._blocks: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _scope(self, streets, communities) -> np.ndarray | None:
        """The rows of the window in scope (row numbers, in order), or None: no street/community filter."""
        if not streets and not communities:
            return None
        ix = self.ix
        keep = np.ones(len(ix.community_codes), bool)  # the communities in scope
        if communities:
            keep &= np.isin(ix.community_codes, list(communities))
        if streets:
            keep &= np.isin(ix.groups["street"].codes, list(streets))[ix.street_of_community]
        self.in_scope = keep
        runs = []
        for c in np.flatnonzero(keep).tolist():
            rows = ix.rows_by_community[ix.community_first[c]:ix.community_first[c + 1]]
            a, b = np.searchsorted(rows, np.array((self.r0, self.r1), rows.dtype))  # (in their type: no copy)
            runs.append(rows[a:b])
        return np.sort(np.concatenate(runs)).astype(np.int64) if runs else np.zeros(0, np.int64)

    def counts(self, groups: _Groups) -> np.ndarray:
        """Rows in the window and scope per group and block."""
        ix, r0, r1, g = self.ix, self.r0, self.r1, len(groups.codes)
        if self.scope is not None:
            return ix._count(groups.of_row, self.scope, g)
        step = 1 << ix.chunk_shift
        c0, c1 = -(-r0 // step), r1 // step  # the whole chunks inside the window
        if c0 >= c1:
            return ix._count(groups.of_row, slice(r0, r1), g)
        counts = groups.prefix[c1].astype(np.int64) - groups.prefix[c0]
        return (counts + ix._count(groups.of_row, slice(r0, c0 * step), g)
                + ix._count(groups.of_row, slice(c1 * step, r1), g))

    def block(self, b: int, groups: _Groups) -> tuple[np.ndarray, np.ndarray]:
        """Block b's ranks in the window and scope, in order, with their group numbers."""
        if b not in self._blocks:
            first = b << self.ix.shift
            rows = self.ix.row_of_rank[first:first + (1 << self.ix.shift)]
            keep = (rows >= self.r0) & (rows < self.r1)
            if self.in_scope is not None:  # (a look-up per row: searching the scope's rows for each was 37 ms a window)
                keep &= self.in_scope[self.ix.community_of_row[rows]]
            keep = np.flatnonzero(keep)
            self._blocks[b] = (first + keep, rows[keep])
        ranks, rows = self._blocks[b]
        return ranks, (np.zeros(len(rows), np.int64) if groups.of_row is None else groups.of_row[rows])

    def kth(self, groups: _Groups, counts: np.ndarray, group: np.ndarray, k: np.ndarray) -> np.ndarray:
        """The k-th smallest time (0-based) of each group number in the window and scope."""
        if not len(k):
            return np.zeros(0, np.int64)
        cum = counts[group].cumsum(axis=1)
        block = (cum <= k[:, None]).sum(axis=1)  # the first block whose cumulative count exceeds k
        before = np.where(block > 0, cum[np.arange(len(k)), np.maximum(block - 1, 0)], 0)
        nth = k - before
        rank = np.empty(len(k), np.int64)
        for b in np.unique(block):
            ranks, of = self.block(int(b), groups)
            order = np.argsort(of, kind="stable")
            mine = block == b
            start = np.searchsorted(of[order], group[mine])
            rank[mine] = ranks[order[start + nth[mine]]]
        return self.ix.values[rank].astype(np.int64) * self.ix.unit  # µs

    def quantile(self, groups: _Groups, counts: np.ndarray, n: np.ndarray, present: np.ndarray,
                 p: float) -> np.ndarray:
        """quantile_cont(p) per present group (NaN where a group has nothing)."""
        out = np.full(len(present), np.nan)
        has = n[present] > 0
        group = present[has]
        pos = (n[group] - 1) * p
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, n[group] - 1)
        both = self.kth(groups, counts, np.concatenate([group, group]), np.concatenate([lo, hi]))
        low, high = both[:len(group)].astype(np.float64), both[len(group):].astype(np.float64)
        out[has] = low + (high - low) * (pos - lo)
        return out

    def limits(self, deadlines: dict[str, float]) -> np.ndarray:
        """Per category, the first rank over its deadline (0 for a category without one: none within)."""
        ix, codes = self.ix, self.ix.groups["category"].codes
        return np.array([0 if deadlines.get(code) is None else
                         int(np.searchsorted(ix.values,  # the key in the values' type: else numpy converts them all
                                             ix.values.dtype.type(math.floor(deadlines[code] * US_PER_HOUR) // ix.unit),
                                             side="right"))
                         for code in codes], np.int64)

    def within(self, counts: np.ndarray, deadlines: dict[str, float]) -> np.ndarray:
        """Per category, the orders in the window and scope resolved within the category's deadline."""
        ix = self.ix
        groups = ix.groups["category"]
        out = np.zeros(len(groups.codes), np.int64)
        for c, limit in enumerate(self.limits(deadlines)):
            limit = int(limit)
            if not limit:
                continue
            block = limit >> ix.shift  # blocks before it count whole; in it, the ranks below the limit
            out[c] = counts[c, :block].sum()
            if block < ix.blocks and limit > block << ix.shift:
                ranks, of = self.block(block, groups)
                out[c] += np.count_nonzero((of == c) & (ranks < limit))
        return out


# ---------------------------------------------------------------------------------------- loading
def _small(count: int):
    """The smallest integer type that numbers `count` things."""
    return np.int8 if count < 1 << 7 else np.int16 if count < 1 << 15 else np.int32


def _ints(n: int, batches: Iterable[pa.Array], dtype) -> np.ndarray:
    out, at = np.empty(n, dtype), 0
    for batch in batches:
        if pa.types.is_date(batch.type):
            batch = batch.cast(pa.int32())
        out[at:at + len(batch)] = batch.to_numpy()
        at += len(batch)
    if at != n:
        raise DataError(f"汇总表 {ROLLUP} 的列长度不一", f"rollup {ROLLUP}: columns of different lengths")
    return out


def _codes(n: int, batches: Iterable[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """A code column as (sorted distinct codes, each row's number among them)."""
    seen: dict[str, int] = {}  # code → number in order of appearance
    of_row, at = np.empty(n, np.int32), 0
    for batch in batches:
        if not pa.types.is_dictionary(batch.type):
            batch = pc.dictionary_encode(batch)
        number = np.array([seen.setdefault(code, len(seen)) for code in batch.dictionary.to_pylist()], np.int32)
        of_row[at:at + len(batch)] = number[batch.indices.to_numpy(zero_copy_only=False)]
        at += len(batch)
    codes = np.array(list(seen), dtype=object)
    order = np.argsort(codes)
    sorted_number = np.empty(len(order), _small(len(order)))
    sorted_number[order] = np.arange(len(order))
    return codes[order], sorted_number[of_row]


COLUMNS = ["day", "resolve_us", "street_code", "community_code", "category"]
CODES = ["street_code", "community_code", "category"]
BATCH = 1 << 20


def load(folder: Path, con) -> Index:
    """The index of the dataset in `folder`: from its rollup files when current, else from the rollup
    that `db.open_dataset` built in memory on `con`."""
    if rollups.is_current(folder, ROLLUP):  # one file per month resolved, in order
        files = [pq.ParquetFile(f, read_dictionary=CODES) for f in rollups.files(folder, ROLLUP)]
        return Index(sum(f.metadata.num_rows for f in files),
                     lambda name: (b.column(0) for f in files for b in f.iter_batches(BATCH, columns=[name])))
    cur = con.cursor()
    try:
        view = cur.table(rollups.view(ROLLUP))
        n = view.count("*").fetchall()[0][0]
        return Index(n, lambda name: (b.column(0) for b in view.select(name).to_arrow_reader(BATCH)))
    finally:
        cur.close()


def attach(frame: pd.DataFrame, times: pd.DataFrame, key: str) -> pd.DataFrame:
    """`frame` (one row per `key`) with its groups' hours to resolve from a summary breakdown (missing
    where a group resolved nothing in the window)."""
    pos = pd.Index(times["code"]).get_indexer(frame[key])  # one lookup for every column (2× faster than map)
    found = pos >= 0

    def column(values: np.ndarray) -> np.ndarray:
        if found.all():
            return values[pos]
        out = np.full(len(pos), np.nan)
        out[found] = values[pos[found]]
        return out

    return frame.assign(**{c: column(times[c].to_numpy()) for c in times.columns if c not in ("code", "resolved")})
