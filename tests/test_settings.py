"""config/dashboard.toml against its registry (coopdash/data/settings.py KEYS): an unknown key, a wrong
type or a missing required key stops the start, named; a key left out takes its default; every key is
documented (docs/settings.md is written from the registry); the upload limits are read through it."""

import datetime as dt
import os
import subprocess
import sys
import tomllib

import pytest

from coopdash import ROOT
from coopdash.data import settings as s

SHIPPED = (ROOT / "config" / "dashboard.toml").read_text(encoding="utf-8")


def checked(text: str) -> dict:
    return s.check(tomllib.loads(text), "dashboard.toml")


def refusal(text: str) -> s.SettingsError:
    with pytest.raises(s.SettingsError) as refused:
        checked(text)
    return refused.value


def test_the_shipped_file_checks_and_gives_what_the_app_reads():
    v = checked(SHIPPED)
    assert v["program"]["launch"] == dt.date(2023, 4, 1)
    assert v["query"]["pool_threads"] == 4
    assert v["upload"]["max_cells"] == 2_000_000
    assert v["service_deadlines"]["gas_safety"] == 24 and v["service_deadlines"]["parking"] is None  # → other's
    assert v["events"] == []
    assert s.settings().deadlines["parking"] == 168.0  # `other`


def test_an_unknown_key_is_refused_naming_the_section_the_key_and_the_allowed_ones():
    err = refusal(SHIPPED.replace("cache_ttl_seconds = 600", "cache_ttl = 600"))
    assert "dashboard.toml" in err.zh and "dashboard.toml" in err.en
    assert "[query] cache_ttl：不是已知的设置；可用：cache_ttl_seconds、cache_max_entries、memory_limit、threads、" \
           "pool_threads" in err.zh
    assert "[query] cache_ttl: not a known setting; allowed: cache_ttl_seconds, cache_max_entries, memory_limit, " \
           "threads, pool_threads" in err.en
    # a cache_ttl_seconds no longer given takes its default, but the misspelt one is still refused
    err = refusal(SHIPPED + "\n[querry]\nthreads = 2\n")
    assert "[querry]: not a known section; allowed: program, query," in err.en


@pytest.mark.parametrize("line, replaced, zh, en", [
    ("threads = 2", 'threads = "two"', "[query] threads = 'two'：应为整数", "[query] threads = 'two': must be an integer"),
    ("threads = 2", "threads = true", "[query] threads = True：应为整数", "must be an integer"),
    ("threads = 2", "threads = 2.5", "应为整数", "[query] threads = 2.5: must be an integer"),
    ('mode = "accounts"', 'mode = "open"', "取 accounts / proxy / none 之一",
     "[auth] mode = 'open': must be a quoted string, one of accounts / proxy / none"),
    ("launch = 2023-04-01", 'launch = "2023-04-01"', "[program] launch = '2023-04-01'：应为日期",
     "must be a date such as 2023-04-01"),
    ("proxy_trusted_addresses = []", 'proxy_trusted_addresses = "10.0.0.5"', "应为文本列表",
     "[auth] proxy_trusted_addresses = '10.0.0.5': must be a list of quoted strings"),
    ("gas_safety = 24", 'gas_safety = "24h"', "[service_deadlines] gas_safety = '24h'：应为数字", "must be a number"),
])
def test_a_value_of_the_wrong_type_is_refused_saying_what_is_allowed(line, replaced, zh, en):
    assert line in SHIPPED
    err = refusal(SHIPPED.replace(line, replaced, 1))
    assert zh in err.zh and en in err.en


def test_a_missing_required_key_is_refused_and_a_missing_optional_one_takes_its_default():
    err = refusal(SHIPPED.replace("other = 168", ""))
    assert "[service_deadlines] other：缺少此必填设置" in err.zh
    assert "[service_deadlines] other: this setting is required" in err.en
    v = checked(SHIPPED.replace("workers = 2", "").replace("job_memory_mb = 8192", "")
                .replace("[audit]\ntimezone = \"\"", ""))
    assert v["console"]["workers"] == 2 and v["upload"]["job_memory_mb"] == 8192 and v["audit"]["timezone"] == ""


def test_every_problem_is_listed_at_once():
    err = refusal(SHIPPED.replace("threads = 2", "threads = 'x'").replace("cookie_name", "cookie"))
    assert len(err.en.splitlines()) == 3  # the heading, then one line each
    assert "[auth] cookie: not a known setting" in err.en and "[query] threads = 'x'" in err.en


def test_events_are_an_array_of_tables_each_checked():
    good = SHIPPED + '\n[[events]]\ndate = 2023-06-15\nzh = "第二批挂牌"\nen = "second round"\n'
    assert checked(good)["events"] == [{"date": dt.date(2023, 6, 15), "zh": "第二批挂牌", "en": "second round"}]
    err = refusal(SHIPPED + '\n[[events]]\ndate = 2023-06-15\nzh = "第二批"\ntitle = "x"\n')
    assert "[[events]] #1 title: not a known setting" in err.en
    assert "[[events]] #1 en: this setting is required" in err.en
    assert "应写作 [[events]]" in refusal(SHIPPED + '\n[events]\ndate = 2023-06-15\n').zh


def test_every_key_is_documented_and_the_document_is_the_registry():
    assert (ROOT / "docs" / "settings.md").read_text(encoding="utf-8").rstrip() == s.markdown().rstrip(), \
        "python -m coopdash.data.settings > docs/settings.md"
    for section, keys in s.registry().items():
        for key in keys.values():
            zh, _, en = key.help.partition("/ ")
            assert zh and en, f"[{section}] {key.name}: help in Chinese / English"


def test_the_upload_limits_are_read_through_the_registry(tmp_path, monkeypatch):
    from ingest import uploads
    config = tmp_path / "dashboard.toml"
    config.write_text(SHIPPED.replace("max_files = 50", "max_files = 7").replace("job_memory_mb = 8192", ""),
                      encoding="utf-8")
    monkeypatch.setattr(s, "CONFIG_FILE", config)
    for f in (s.values, s.settings, uploads.limits):
        f.cache_clear()
    try:
        assert uploads.limits().max_files == 7 and uploads.limits().job_memory_mb == 8192
        config.write_text(SHIPPED.replace("max_files = 50", "max_files = \"many\""), encoding="utf-8")
        uploads.limits.cache_clear()
        s.values.cache_clear()
        with pytest.raises(s.SettingsError, match=r"\[upload\] max_files = 'many'"):
            uploads.limits()
    finally:
        monkeypatch.undo()
        for f in (s.values, s.settings, uploads.limits):
            f.cache_clear()


def test_the_server_refuses_to_start_on_a_bad_key(tmp_path):
    config = tmp_path / "dashboard.toml"
    config.write_text(SHIPPED.replace("row_limit = 10000", "row_limits = 10000"), encoding="utf-8")
    code = ("import sys; from coopdash.data import settings as s; from pathlib import Path; "
            f"s.CONFIG_FILE = Path({str(config)!r}); sys.path.insert(0, '.'); import server")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COOP_AUTH": "none"})
    assert done.returncode != 0
    assert "[explorer] row_limits：不是已知的设置；可用：row_limit、cache_entries" in done.stderr
    assert "[explorer] row_limits: not a known setting; allowed: row_limit, cache_entries" in done.stderr
