"""The briefing as a sequence of blocks (headings, paragraphs, tables, charts) in the session's language,
written from a `content.Briefing`; coopdash/briefing/render.py turns the same blocks into .docx and PDF,
so the two files say the same thing. Units and number formats are the pages' (coopdash/i18n/fmt.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from coopdash.briefing import charts
from coopdash.briefing.content import INDICATOR_FLOWS, INDICATOR_STOCKS, Briefing
from coopdash.data import metrics
from coopdash.data.contract import ORDER_CATEGORY
from coopdash.data.settings import RANKING_INDICATORS, settings
from coopdash.i18n import fmt
from coopdash.i18n.labels import pick, t

OVERDUE_SHOWN = 20  # the appendix lists the oldest overdue orders
ENDS = 10  # with more than twice as many ranked, section 5 shows this many at each end (all in the appendix)


@dataclass
class Heading:
    text: str
    level: int = 1


@dataclass
class Paragraph:
    text: str
    small: bool = False


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[str]]
    marks: list[str] = field(default_factory=list)  # per row: "top", "bottom" or "" (highlighted rows)


@dataclass
class Chart:
    caption: str
    png: bytes


@dataclass
class Document:
    title: str
    subtitle: str
    meta: str
    blocks: list


def number(value, decimals: int = 2) -> str:
    return fmt.number(value, decimals)


def share(value) -> str:
    return fmt.percent(value)


def change(now, before, is_share: bool = False, decimals: int = 2) -> str:
    """'+3', '-0.5', '0', '+2.5 个百分点'; '—' when either side has no value (as the cards)."""
    if before is None or now is None or pd.isna(now) or pd.isna(before):
        return "—"
    diff = (float(now) - float(before)) * (100 if is_share else 1)
    text = fmt.number(diff, 1 if is_share else decimals)
    text = text if diff <= 0 or text.startswith("+") else "+" + text
    return t("delta.points", n=text) if is_share else text


def ranking_method() -> str:
    """The ranking's method and weights in words (under the table on the overview and in the briefing)."""
    weights = settings().ranking_weights
    sep = pick("、", ", ")
    listed = sep.join(f"{t('ranking.weight.' + k)} {fmt.number(weights[k])}" for k in RANKING_INDICATORS)
    return t("ranking.method", weights=listed)


def _rate_change(b: Briefing) -> str:
    now, before = b.period.get("resolution_rate"), (b.previous or {}).get("resolution_rate")
    if b.previous is None or before is None or pd.isna(before) or now is None or pd.isna(now):
        return t("brief.change.mom_none")
    diff = (float(now) - float(before)) * 100
    points = t("brief.points", n=fmt.number(abs(diff), 1))
    if fmt.number(abs(diff), 1) == "0":
        return t("brief.change.mom_flat")
    return t("brief.change.mom_up" if diff > 0 else "brief.change.mom_down", d=points)


def _names(frame: pd.DataFrame, column: str, limit: int = 12) -> str:
    names = frame[column].astype(str).tolist()
    sep = pick("、", ", ")
    more = pick(f"等 {len(names)} 个", f" and {len(names) - limit} more") if len(names) > limit else ""
    return sep.join(names[:limit]) + more


def compose(b: Briefing, made: dt.datetime | None = None, asof: dt.date | None = None) -> Document:
    f, p, c = b.filters, b.period, b.cumulative
    when = t("brief.this_month") if b.one_month else t("brief.this_period")
    period_text = fmt.month(f.start) if b.one_month else fmt.window(f.start, f.end)
    made = made or dt.datetime.now().replace(microsecond=0)
    doc = Document(
        title=t("brief.title", district=t("brief.district")),
        subtitle=t("brief.subtitle", scope=b.scope_name, period=period_text),
        meta=t("brief.meta", asof=fmt.date(asof) if asof else "—",
               made=made.strftime("%Y-%m-%d %H:%M")),
        blocks=[])
    add = doc.blocks.append
    tonnes = lambda row: (row.get("household_t") or 0) + (row.get("construction_t") or 0)  # noqa: E731

    # 一、总体情况
    add(Heading(t("brief.s.overall")))
    add(Paragraph(
        t("brief.p.orders", when=when, scope=b.scope_name, resolved=number(p["resolved"]),
          rate=share(p["resolution_rate"]), rate_change=_rate_change(b))
        + t("brief.p.meetings", meetings=number(p["meetings"]), problems=number(p["problems_resolved"]))
        + t("brief.p.environment", household=number(p["household_t"]), construction=number(p["construction_t"]),
            road=number(p["road_km"]), pipe=number(p["pipe_km"]))))
    add(Paragraph(
        t("brief.p.stock", end=fmt.date(f.end), scope=b.scope_name, coops=number(p["cooperatives"]),
          members=number(p["members"]), party=number(p["party_members"]), share=share(p["party_share"]))
        + t("brief.p.cumulative", launch=fmt.date(b.launch), resolved=number(c["resolved"]),
            tonnes=number(tonnes(c)), road=number(c["road_km"]), pipe=number(c["pipe_km"]),
            committees=number(c["owners_committees"]))))
    add(Paragraph(t("brief.p.attention", overdue=number(b.overdue_total), silent=number(len(b.silent)),
                    failing=number(len(b.failing)))))
    add(_indicators(b))

    # 二、点单服务
    add(Heading(t("brief.s.orders")))
    add(Paragraph(t("brief.p.orders_detail", when=when, submitted=number(p["submitted"]), resolved=number(p["resolved"]),
                    median=number(b.speed.get("median_hours"), 1), within=share(b.speed.get("within_deadline_share")),
                    rated=number(b.satisfaction.get("rated")), rating=number(b.satisfaction.get("mean_rating")))))
    figure = 1
    if len(b.trend) and b.trend["orders_resolved"].any():
        add(Chart(t("brief.c.orders", n=figure), charts.monthly_bars(
            b.trend, {"orders_resolved": t("kpi.orders_resolved")}, t("unit.times"))))
        figure += 1
    if len(b.categories):
        cats = b.categories[(b.categories["submitted"] > 0) | (b.categories["resolved"] > 0)]
        add(Table(t("brief.t.categories"), [t("orders.col.category"), t("orders.col.submitted"),
                                            t("orders.col.resolved"), t("orders.col.resolution_rate")],
                  [[ORDER_CATEGORY.label(r.category), number(r.submitted), number(r.resolved), share(r.resolution_rate)]
                   for r in cats.itertuples()]))

    # 三、环境整治与维修
    add(Heading(t("brief.s.environment")))
    add(Paragraph(t("brief.p.environment_detail", when=when, household=number(p["household_t"]),
                    construction=number(p["construction_t"]), road=number(p["road_km"]), pipe=number(p["pipe_km"]),
                    doors=number(p["building_doors"]), parking=number(p["parking_spaces"]))))
    if len(b.trend) and (b.trend["household_t"].any() or b.trend["construction_t"].any()):
        add(Chart(t("brief.c.tonnes", n=figure), charts.monthly_bars(
            b.trend, {"household_t": pick("生活垃圾", "household"), "construction_t": pick("建筑垃圾", "construction")},
            t("unit.t"), stacked=True)))
        figure += 1

    # 四、组织建设
    add(Heading(t("brief.s.organisation")))
    add(Paragraph(t("brief.p.organisation_detail", coops=number(p["cooperatives"]), five=number(p["five_standard"]),
                    members=number(p["members"]), share=share(p["party_share"]),
                    teams=number(p["work_team_headcount"]), when=when, meetings=number(p["meetings"]),
                    committees=number(p["owners_committees"]))))

    # 五、街道考核排名
    add(Heading(t("brief.s.ranking")))
    if b.ranking is None:
        add(Paragraph(t("ranking.refused_note")))
    else:
        ranked = b.ranking[b.ranking["rank"].notna()]
        if ranked.empty:
            add(Paragraph(t("brief.p.ranking_none")))
        else:
            top = _names(ranked[ranked["band"] == "top"], "street_name") or "—"
            bottom = _names(ranked[ranked["band"] == "bottom"], "street_name") or "—"
            add(Paragraph(t("brief.p.ranking", top=top, bottom=bottom)))
            ends = _ends(ranked)
            if len(ends) < len(ranked):  # a city's street offices: the two ends here, all in the appendix
                add(Paragraph(t("brief.p.ranking_ends", n=number(len(ranked)), k=number(ENDS)), small=True))
            add(ranking_table(ends if len(ends) < len(ranked) else b.ranking))
            if len(ranked) > 1:
                add(Chart(t("brief.c.ranking", n=figure), charts.ranking_bars(ends)))
                figure += 1
        add(Paragraph(t("brief.p.ranking_method", method=ranking_method()), small=True))

    # 六、需要关注的问题
    add(Heading(t("brief.s.attention")))
    add(Paragraph(t("brief.p.overdue_list", n=number(b.overdue_total), shown=number(min(len(b.overdue), OVERDUE_SHOWN)))
                  if b.overdue_total else t("brief.p.overdue_none")))
    add(Paragraph(t("brief.p.silent", names=_names(b.silent, "community_name")) if len(b.silent)
                  else t("brief.p.silent_none")))
    add(Paragraph(t("brief.p.failing", names=_names(b.failing, "coop_name")) if len(b.failing)
                  else t("brief.p.failing_none")))

    # 附表
    add(Heading(t("brief.s.appendix")))
    add(Table(t("brief.t.by_street"), [t("col.street_name"), t("col.cooperatives"), t("col.orders_resolved"),
                                       t("col.tonnes"), t("col.road_km"), t("col.pipe_km")],
              [[r.street_name, number(r.cooperatives), number(r.orders_resolved), number(r.tonnes),
                number(r.road_km), number(r.pipe_km)] for r in b.streets.itertuples()]))
    if b.ranking is not None and b.ranking["rank"].notna().sum() > 2 * ENDS:
        table = ranking_table(b.ranking)
        table.title = t("brief.t.ranking_all")
        add(table)
    if b.overdue_total:
        shown = b.overdue.head(OVERDUE_SHOWN)
        add(Table(t("brief.t.overdue", n=number(len(shown))),
                  [t("orders.col.order_id"), t("orders.col.street"), t("orders.col.community"), t("orders.col.category"),
                   t("orders.col.submitted_at"), t("orders.col.age_days")],
                  [[str(r.order_id), r.street_name, r.community_name, ORDER_CATEGORY.label(r.category),
                    pd.Timestamp(r.submitted_at).strftime("%Y-%m-%d %H:%M"), number(r.age_days, 1)]
                   for r in shown.itertuples()]))
    if len(b.failing):
        add(Table(t("brief.t.failing"), [t("org.col.coop"), t("org.col.members"), t("org.col.chairs"),
                                         t("org.col.vice_chairs"), t("org.col.party_share")],
                  [[r.coop_name, number(r.members), number(r.chairs), number(r.vice_chairs), share(r.party_share)]
                   for r in b.failing.itertuples()]))
    return doc


def _ends(ranked: pd.DataFrame) -> pd.DataFrame:
    """The ranked street offices, or at city scale the ENDS best and the ENDS last."""
    return ranked if len(ranked) <= 2 * ENDS else pd.concat([ranked.head(ENDS), ranked.tail(ENDS)])


def ranking_table(frame: pd.DataFrame) -> Table:
    band = {"top": t("ranking.band.top"), "bottom": t("ranking.band.bottom"), "": ""}
    return Table(t("brief.t.ranking"),
                 [t("ranking.col.rank"), t("col.street_name"), t("ranking.col.score"), t("ranking.col.resolution_rate"),
                  t("ranking.col.within_deadline"), t("ranking.col.mean_rating"), t("ranking.col.orders_per_1000"),
                  t("ranking.col.overdue"), t("ranking.col.band")],
                 [["—" if pd.isna(r.rank) else number(r.rank), r.street_name, number(r.score, 1),
                   share(r.resolution_rate), share(r.within_deadline_share), number(r.mean_rating),
                   number(r.orders_per_1000), number(r.overdue), band[r.band]] for r in frame.itertuples()],
                 marks=frame["band"].tolist())


def _indicators(b: Briefing) -> Table:
    """The headline flows with 环比, 同比 and the cumulative figure; the stocks at the end."""
    p, c = b.period, b.cumulative
    prev, year = b.previous or {}, b.year or {}
    rows = []
    for name in INDICATOR_FLOWS:
        m = metrics.metric(name)
        shown = (lambda v: share(v)) if m.share else (lambda v, u=m.unit: _with_unit(v, u))
        now = m.value(p)
        rows.append([t(m.label), shown(now),
                     change(now, m.value(prev) if b.previous else None, m.share),
                     change(now, m.value(year) if b.year else None, m.share),
                     "—" if m.share else shown(m.value(c))])
    for name in INDICATOR_STOCKS:
        m = metrics.metric(name)
        rows.append([t(m.label), _with_unit(m.value(p), m.unit), "", "", _with_unit(m.value(p), m.unit)])  # the end's
    return Table(t("brief.s.indicators"), [t("brief.col.indicator"), t("brief.col.period"), t("brief.col.mom"),
                                           t("brief.col.yoy"), t("brief.col.cumulative")], rows)


def _with_unit(value, unit_key: str) -> str:
    shown = number(value)
    return shown if shown == "—" else f"{shown} {t(unit_key)}"  # as the cards: '10.24 公里'
