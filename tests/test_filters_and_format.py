"""The filter model's URL round trip, number/date formats, and the generated contract document."""

import datetime as dt

from coopdash import ROOT
from coopdash.data.contract import to_markdown
from coopdash.data.filters import Filters, from_query
from coopdash.data.settings import settings
from coopdash.i18n import fmt

D = dt.date
DEFAULT = Filters(D(2023, 4, 1), D(2026, 10, 31))


def test_filters_round_trip_through_the_url():
    f = Filters(D(2023, 4, 1), D(2023, 11, 30), ("S1", "S2"), ("C1",))
    query = {k: v if isinstance(v, list) else [v] for k, v in f.to_query().items()}
    assert from_query(query, DEFAULT, {"S1", "S2"}, {"C1"}) == (f, [])


def test_empty_link_gives_the_default():
    assert from_query({}, DEFAULT, set(), set()) == (DEFAULT, [])


def test_bad_dates_and_unknown_codes_are_dropped_with_a_message():
    f, problems = from_query({"from": ["2023-02-30"], "to": ["2023-11-30"], "street": ["S1", "X"],
                              "community": ["C9"]}, DEFAULT, {"S1"}, {"C1"})
    assert f == Filters(D(2023, 4, 1), D(2023, 11, 30), ("S1",), ())
    assert len(problems) == 2 and "from=2023-02-30" in problems[0] and "X, C9" in problems[1]


def test_reversed_dates_in_a_link_are_swapped():
    f, problems = from_query({"from": ["2024-01-01"], "to": ["2023-01-01"]}, DEFAULT, set(), set())
    assert (f.start, f.end) == (D(2023, 1, 1), D(2024, 1, 1)) and problems


def test_params_carry_lists_and_the_launch_date():
    p = Filters(D(2023, 4, 1), D(2023, 11, 30), ("S1",)).params()
    assert p == {"start": D(2023, 4, 1), "end": D(2023, 11, 30), "streets": ["S1"], "communities": [],
                 "launch": settings().launch}  # [program] launch


def test_numbers_keep_meaningful_decimals_only():
    assert [fmt.number(v) for v in (12.0, 10.24, 2.3000000001, 1234567, 0.125, None, float("nan"))] == \
        ["12", "10.24", "2.3", "1,234,567", "0.13", "—", "—"]


def test_percent_and_chinese_dates():
    assert (fmt.percent(77 / 99), fmt.percent(None)) == ("77.8%", "—")
    assert fmt.date_zh(D(2023, 11, 30)) == "2023年11月30日"
    assert fmt.window(D(2023, 4, 1), D(2023, 11, 30)) == "2023年4月1日至2023年11月30日"


def test_contract_document_is_generated_from_the_code():
    committed = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    assert committed == to_markdown(), "docs/data-contract.md is stale: python -m coopdash.data.contract > docs/data-contract.md"


def test_label_keys_are_unique_across_the_catalogue_modules():
    from coopdash.i18n.catalogue import CATALOGUE, MODULES
    assert sum(len(m.LABELS) for m in MODULES) == len(CATALOGUE)
    assert all(zh and en for zh, en in CATALOGUE.values())
