"""Issue 24's findings, one test each where it is cheap (no server): the proxy's proof, the refusal to start
proxy mode unsafely. The ones that need a real server are in tests/test_browser_auth.py and
tests/test_console_sandbox.py."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest
from starlette.datastructures import Headers

from coopdash import ROOT
from coopdash.auth import tokens, web
from coopdash.data.errors import CoopError
from coopdash.data.settings import settings


# ---------------------------------------------------------------------------------------- 1. proxy mode
def _with(monkeypatch, **changes):
    changed = dataclasses.replace(settings(), **changes)
    monkeypatch.setattr(web, "settings", lambda: changed)


def test_the_proxy_secret_is_made_once_in_the_state_folder_and_deploy_makes_the_same(tmp_path, monkeypatch):
    monkeypatch.delenv("COOP_PROXY_SECRET", raising=False)
    from deploy import serve
    first = serve.proxy_secret(tmp_path)  # deploy/serve.py writes it into nginx.conf
    assert len(first) == 64 and int(first, 16) >= 0
    assert tokens.proxy_secret(tmp_path) == first  # the replicas read the same file
    assert (tmp_path / "proxy.key").stat().st_mode & 0o777 == 0o600
    monkeypatch.setenv("COOP_PROXY_SECRET", "given")
    assert tokens.proxy_secret(tmp_path) == "given" and serve.proxy_secret(tmp_path) == "given"


def test_the_rendered_nginx_conf_sends_the_secret_on_every_request(tmp_path, monkeypatch):
    monkeypatch.delenv("COOP_PROXY_SECRET", raising=False)
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path / "state"))
    from deploy import serve
    plan = serve.Plan(18511, (18611,), tmp_path / "run")
    monkeypatch.setattr(serve, "nginx_binary", lambda: "/usr/sbin/nginx")
    serve.render(plan)
    conf = (plan.run / "nginx.conf").read_text()
    secret = (tmp_path / "state" / "proxy.key").read_text()
    # on the server level (the locations set no header of their own, so they inherit it)
    server_level = conf.split("location /")[0]
    assert f'proxy_set_header X-Coop-Proxy-Secret "{secret}";' in server_level
    assert (plan.run / "nginx.conf").stat().st_mode & 0o777 == 0o600
    assert "proxy_set_header" not in conf.split("location / {")[1]


def test_the_header_needs_the_secret_or_a_trusted_address(monkeypatch, tmp_path):
    monkeypatch.setenv("COOP_PROXY_SECRET", "s" * 64)
    assert web.proxy_proof(Headers({"X-Coop-Proxy-Secret": "s" * 64}), "10.1.2.3")
    assert not web.proxy_proof(Headers({"X-Coop-Proxy-Secret": "s" * 63}), "10.1.2.3")
    assert not web.proxy_proof(Headers({}), "127.0.0.1")  # a local process proves nothing
    _with(monkeypatch, proxy_trusted=("10.0.0.5",))
    assert web.proxy_proof(Headers({}), "10.0.0.5") and not web.proxy_proof(Headers({}), "10.0.0.6")


@pytest.mark.parametrize("mode", ["proxy", "accounts"])
def test_the_middleware_strips_an_unproven_header_and_always_the_secret(monkeypatch, mode):
    import asyncio
    monkeypatch.setenv("COOP_AUTH", mode)
    monkeypatch.setenv("COOP_PROXY_SECRET", "k" * 64)
    seen = []

    async def app(scope, receive, send):
        seen.append(dict(scope["headers"]))

    def call(headers):
        scope = {"type": "websocket", "path": "/_stcore/stream", "client": ("127.0.0.1", 5000),
                 "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
        asyncio.run(web.ProxyProof(app)(scope, None, None))
        return seen[-1]

    proven = call({"X-Remote-User": "adm", "X-Coop-Proxy-Secret": "k" * 64})
    assert b"x-coop-proxy-secret" not in proven  # no script run ever sees the secret
    assert proven.get(b"x-remote-user") == (b"adm" if mode == "proxy" else None)
    assert b"x-remote-user" not in call({"X-Remote-User": "adm"})
    assert b"x-remote-user" not in call({"X-Remote-User": "adm", "X-Coop-Proxy-Secret": "wrong"})


def test_proxy_mode_on_a_public_interface_without_a_secret_refuses_to_start(monkeypatch):
    monkeypatch.setenv("COOP_AUTH", "proxy")
    _with(monkeypatch, proxy_secret_header="")
    for address in ("0.0.0.0", "", None, "10.0.0.2", "::"):
        with pytest.raises(CoopError) as refused:
            web.refuse_unsafe_proxy(address)
        assert "拒绝启动" in refused.value.zh and "refuses to start" in refused.value.en
    web.refuse_unsafe_proxy("127.0.0.1")  # only local processes reach it: allowed
    web.refuse_unsafe_proxy("::1")
    monkeypatch.setenv("COOP_AUTH", "accounts")
    web.refuse_unsafe_proxy("0.0.0.0")  # not proxy mode: nothing to forge


def test_the_server_process_refuses_to_start_and_says_why(tmp_path):
    """The real `streamlit run server.py` on every interface, proxy mode, the secret turned off by an
    empty COOP_PROXY_SECRET and a config without a secret header: it exits before listening."""
    config = tmp_path / "dashboard.toml"
    text = (ROOT / "config" / "dashboard.toml").read_text(encoding="utf-8")
    config.write_text(text.replace('proxy_secret_header = "X-Coop-Proxy-Secret"', 'proxy_secret_header = ""'))
    code = ("import sys; from coopdash.data import settings as s; from pathlib import Path; "
            f"s.CONFIG_FILE = Path({str(config)!r}); "
                        "sys.path.insert(0, '.'); import server")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COOP_AUTH": "proxy", "STREAMLIT_SERVER_ADDRESS": "0.0.0.0"})
    assert done.returncode != 0
    assert "拒绝启动" in done.stderr and "refuses to start" in done.stderr


# ------------------------------------------------------------------------------------ 3. one export path
def test_streamlits_own_table_download_is_off_in_the_served_configuration():
    import tomllib
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["disableDataExport"] is True


@pytest.mark.parametrize("text, written", [
    ("=HYPERLINK(\"http://evil.example\",\"x\")", "'=HYPERLINK(\"http://evil.example\",\"x\")"),
    ("＝1+1", "'＝1+1"),                  # full-width equals sign
    ("＋86 431", "'＋86 431"),
    ("－5", "'－5"),
    ("＠SUM(A1)", "'＠SUM(A1)"),
    ("  =1+1", "'  =1+1"),                # spaces before it
    ("\u3000＝1", "'\u3000＝1"),           # the ideographic space before a full-width one
    ("\n=1", "'\n=1"),
    ("甲街道", "甲街道"),                   # text stays text
    ("a=b", "a=b"),
    ("  甲", "  甲"),
])
def test_the_neutraliser_covers_full_width_signs_and_leading_whitespace(text, written):
    import pandas as pd

    from coopdash.app.export import to_csv
    from coopdash.data.spreadsheet import neutralise, restore
    assert neutralise(text) == written
    assert restore(written) == text
    csv = to_csv(pd.DataFrame({"名称": [text]})).decode("utf-8-sig")
    import csv as csv_module
    import io
    rows = list(csv_module.reader(io.StringIO(csv)))
    assert rows == [["名称"], [written]]
