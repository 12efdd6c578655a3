"""Accounts, sessions, lockout and the audit trail (coopdash/auth/accounts.py), the cookie signature
(coopdash/auth/tokens.py) and the accounts command (python -m coopdash.users).

Every test works in its own state folder (COOP_STATE_DIR = tmp_path), never the repo's state/. Most
tests hash with argon2id at a low cost (FAST) to stay quick; the hash-format and rehash tests use the
library's defaults, as the app does.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from argon2 import PasswordHasher
from itsdangerous import Signer

from coopdash import ROOT
from coopdash.auth import accounts as accounts_module
from coopdash.auth import tokens
from coopdash.auth.accounts import HASHER, WRONG, Accounts, LoginRefused, User
from coopdash.auth.roles import ROLES
from coopdash.data import views
from coopdash.data.errors import CoopError, Refused
from coopdash.data.settings import settings

T0 = 1_700_000_000.0
PW = "correct-horse-密码-8731"
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)  # argon2id, cheap


class Clock:
    def __init__(self, t: float = T0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class CountingHasher(PasswordHasher):
    def __init__(self):
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def verify(self, hash, password):
        self.verified += 1
        return super().verify(hash, password)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def acc(tmp_path, monkeypatch, clock):
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path))
    a = Accounts(tmp_path, clock=clock)
    a.hasher = FAST
    return a


def raw(acc: Accounts) -> sqlite3.Connection:
    con = sqlite3.connect(acc.path)
    con.row_factory = sqlite3.Row
    return con


def db_bytes(acc: Accounts) -> bytes:
    """The database file and its WAL, as bytes."""
    return b"".join(p.read_bytes() for p in acc.path.parent.glob(acc.path.name + "*") if p.is_file())


def refusal(fn, *args) -> LoginRefused:
    with pytest.raises(LoginRefused) as e:
        fn(*args)
    return e.value


# ------------------------------------------------------------------------------- storage and hashing
def test_database_is_wal_versioned_and_private(acc):
    con = raw(acc)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA user_version").fetchone()[0] == accounts_module.SCHEMA_VERSION == 2
    assert accounts_module._connection(acc.path).execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert accounts_module._connection(acc.path).execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert stat.S_IMODE(acc.path.stat().st_mode) == 0o600
    assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} >= {
        "users", "sessions", "failures", "locks", "audit"}
    # a second Accounts on the same folder opens the same database without re-creating anything
    Accounts(acc.path.parent).add("second", "leader", (), PW, "test")
    assert acc.count() == 1


def test_state_dir_is_the_default_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path / "nested" / "state"))
    a = Accounts()
    assert a.path == tmp_path / "nested" / "state" / "accounts.sqlite3"
    assert a.path.exists()


def test_hash_is_argon2id_and_no_secret_is_stored(acc):
    acc.hasher = HASHER  # the library's defaults, as in the app
    acc.add("alice", "leader", (), PW, "test")
    stored = raw(acc).execute("SELECT hash FROM users WHERE name = 'alice'").fetchone()[0]
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    user, token = acc.login("alice", PW, "10.0.0.1")
    assert user == User("alice", "leader")
    data = db_bytes(acc)
    assert PW.encode() not in data
    assert token.encode() not in data  # only the token's SHA-256 is kept
    assert hashlib.sha256(token.encode()).hexdigest().encode() in data
    assert raw(acc).execute("SELECT count(*) FROM sessions WHERE token_hash = ?",
                            (hashlib.sha256(token.encode()).hexdigest(),)).fetchone()[0] == 1


def test_rehash_on_login_when_the_costs_changed(acc):
    acc.add("alice", "leader", (), PW, "test")  # FAST: cheaper than the defaults
    before = raw(acc).execute("SELECT hash FROM users").fetchone()[0]
    assert before.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    acc.hasher = HASHER
    acc.login("alice", PW)
    after = raw(acc).execute("SELECT hash FROM users").fetchone()[0]
    assert after.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert acc.audit_rows(action="login_ok")[0]["details"] == {"rehashed": True}
    acc.login("alice", PW)  # verified against the new hash; no second rehash
    assert acc.audit_rows(action="login_ok")[0]["details"] == {}


# ---------------------------------------------------------------------------------------- users
def test_add_get_users_count(acc):
    acc.add("zed", "analyst", (), PW, "cli:root")
    acc.add("张三", "street", ["S2", "S1", "S2"], PW, "cli:root")
    acc.add("a.b-c_d@e", "admin", None, PW, "cli:root")
    assert acc.count() == 3
    assert [u.name for u in acc.users()] == sorted(["zed", "张三", "a.b-c_d@e"])
    assert acc.get("张三") == User("张三", "street", ("S2", "S1"))
    assert acc.get("张三").scope.streets == ("S2", "S1")
    assert acc.get("zed").scope.streets is None
    assert acc.get("nobody") is None


@pytest.mark.parametrize("name", ["", "a b", " alice", "a" * 65, "a/b", "a'b", "ａｂｃ", "tab\there", None])
def test_bad_names_refused(acc, name):
    with pytest.raises(Refused) as e:
        acc.add(name, "leader", (), PW, "test")
    assert "用户名无效" in e.value.zh and "invalid user name" in e.value.en
    assert acc.count() == 0


def test_name_of_64_characters_allowed(acc):
    assert acc.add("名" * 64, "leader", (), PW, "test").name == "名" * 64


@pytest.mark.parametrize("role, streets, zh, en", [
    ("boss", (), "角色无效", "invalid role"),
    ("street", (), "至少需要一个街道", "needs at least one street"),
    ("leader", ("S1",), "不能指定街道", "takes no street"),
    ("analyst", ("S1",), "不能指定街道", "takes no street"),
])
def test_bad_roles_refused(acc, role, streets, zh, en):
    with pytest.raises(Refused) as e:
        acc.add("alice", role, streets, PW, "test")
    assert zh in e.value.zh and en in e.value.en
    assert acc.get("alice") is None


@pytest.mark.parametrize("password", ["", "short", "1234567", None])
def test_short_passwords_refused(acc, password):
    with pytest.raises(Refused) as e:
        acc.add("alice", "leader", (), password, "test")
    assert "至少需要 8 个字符" in e.value.zh and "at least 8 characters" in e.value.en
    assert acc.get("alice") is None
    acc.add("alice", "leader", (), "12345678", "test")  # exactly 8 is enough


def test_duplicates_and_unknown_names_refused(acc):
    acc.add("alice", "leader", (), PW, "test")
    with pytest.raises(Refused, match="already exists"):
        acc.add("alice", "analyst", (), PW, "test")
    assert acc.get("alice").role == "leader"
    for call in (lambda: acc.set_disabled("bob", True, "test"), lambda: acc.set_password("bob", PW, "test"),
                 lambda: acc.set_role("bob", "admin", (), "test"), lambda: acc.remove("bob", "test")):
        with pytest.raises(Refused) as e:
            call()
        assert e.value.zh == "没有这个账号：bob" and e.value.en == "no such account: bob"


def test_set_role(acc):
    acc.add("alice", "leader", (), PW, "admin1")
    _, token = acc.login("alice", PW)
    acc.set_role("alice", "street", ["S1"], "admin1", "10.0.0.9")
    assert acc.get("alice") == User("alice", "street", ("S1",))
    assert acc.session(token) is None  # the role changed: sign in again
    with pytest.raises(Refused):
        acc.set_role("alice", "street", [], "admin1")
    assert acc.get("alice").streets == ("S1",)
    row = acc.audit_rows(action="user_changed")[0]
    assert row["user"] == "admin1" and row["client"] == "10.0.0.9"
    assert row["details"]["changed"] == ["role", "streets"]
    assert row["details"]["previous"] == {"role": "leader", "streets": []}


# ---------------------------------------------------------------------------------------- lockout
def test_lockout_after_exactly_max_failures(acc, clock):
    cfg = settings()
    n = cfg.max_failures
    assert n >= 2
    acc.add("alice", "leader", (), PW, "test")
    for _ in range(n - 1):
        e = refusal(acc.login, "alice", "wrong-password")
        assert (e.zh, e.en, e.locked) == (*WRONG, False)
        clock.advance(1)
    acc.login("alice", PW)  # n - 1 failures: the right password still works, and clears them
    for _ in range(n - 1):
        assert not refusal(acc.login, "alice", "wrong-password").locked
        clock.advance(1)
    e = refusal(acc.login, "alice", "wrong-password")  # the n-th locks
    minutes = -(-cfg.lock_seconds // 60)
    assert e.locked and e.minutes == minutes
    assert e.zh == f"尝试次数过多，账号已暂时锁定，请 {minutes} 分钟后再试"
    assert e.en == f"too many attempts: locked, try again in {minutes} minutes"
    locked_at = clock.t
    clock.advance(1)
    assert refusal(acc.login, "alice", PW).locked  # even the right password while locked
    clock.t = locked_at + cfg.lock_seconds - 0.5
    e = refusal(acc.login, "alice", PW)
    assert e.locked and e.minutes == 1
    clock.t = locked_at + cfg.lock_seconds
    user, _ = acc.login("alice", PW)
    assert user.name == "alice"
    actions = [r["action"] for r in acc.audit_rows(user="alice")][::-1]
    assert actions == (["login_failed"] * (n - 1) + ["login_ok"] + ["login_failed"] * n + ["login_locked"]
                       + ["login_locked"] * 2 + ["login_ok"])


def test_failures_outside_the_window_do_not_count(acc, clock):
    cfg = settings()
    acc.add("alice", "leader", (), PW, "test")
    for _ in range(cfg.max_failures - 1):
        refusal(acc.login, "alice", "wrong-password")
    clock.advance(cfg.failure_window_seconds + 1)
    assert not refusal(acc.login, "alice", "wrong-password").locked
    acc.login("alice", PW)


def test_unknown_names_look_the_same_and_lock_the_same(acc, clock):
    acc.hasher = CountingHasher()
    acc.add("alice", "leader", (), PW, "test")
    known, unknown = [], []
    for _ in range(settings().max_failures + 1):
        known.append(str(refusal(acc.login, "alice", "wrong-password")))
        before = acc.hasher.verified
        unknown.append(str(refusal(acc.login, "nobody", "wrong-password")))
        if not unknown[-1].startswith("尝试次数过多"):
            assert acc.hasher.verified == before + 1  # a dummy verify for the name that does not exist
        clock.advance(1)
    assert known == unknown
    assert known[0] == "用户名或密码错误 / wrong user name or password"
    assert known[-2].startswith("尝试次数过多") and known[-1].startswith("尝试次数过多")
    assert [r["details"]["reason"] for r in acc.audit_rows(user="nobody", action="login_failed")][-1] == "unknown_user"
    # a name no account could have is refused the same way
    assert str(refusal(acc.login, "no such name!", "x")) == known[0]


def test_disabled_user(acc):
    acc.add("alice", "leader", (), PW, "admin1")
    _, token = acc.login("alice", PW)
    assert acc.session(token) == User("alice", "leader")
    acc.set_disabled("alice", True, "admin1")
    assert acc.get("alice").disabled
    assert acc.session(token) is None
    e = refusal(acc.login, "alice", PW)
    assert (e.zh, e.en, e.locked) == (*WRONG, False)
    assert acc.proxy_user("alice") is None
    acc.set_disabled("alice", False, "admin1")
    assert acc.session(token) is None  # disabling ended it for good
    assert acc.proxy_user("alice") == User("alice", "leader")
    _, token2 = acc.login("alice", PW)
    assert acc.session(token2).name == "alice"


def test_proxy_user(acc):
    acc.add("alice", "street", ["S1"], PW, "test")
    assert acc.proxy_user("alice") == User("alice", "street", ("S1",))
    assert acc.proxy_user("bob") is None
    assert acc.proxy_user("") is None
    assert acc.proxy_user("alice bob") is None


# ---------------------------------------------------------------------------------------- sessions
def test_idle_timeout(acc, clock):
    idle = settings().idle_seconds
    acc.add("alice", "leader", (), PW, "test")
    _, kept = acc.login("alice", PW)
    _, dropped = acc.login("alice", PW)
    clock.t = T0 + idle - 1
    assert acc.session(kept).name == "alice"
    clock.t = T0 + idle
    assert acc.session(dropped) is None
    clock.t = T0 + idle + 1
    assert acc.session(dropped) is None
    assert acc.session(kept).name == "alice"  # it was used at idle - 1


def test_last_seen_is_written_at_most_once_a_minute(acc, clock):
    acc.add("alice", "leader", (), PW, "test")
    _, token = acc.login("alice", PW)

    def last_seen():
        return raw(acc).execute("SELECT last_seen FROM sessions").fetchone()[0]

    for step in (1, 30, 59):
        clock.t = T0 + step
        assert acc.session(token).name == "alice"
        assert last_seen() == T0
    clock.t = T0 + 60
    acc.session(token)
    assert last_seen() == T0 + 60
    clock.t = T0 + 100
    acc.session(token)
    assert last_seen() == T0 + 60


def test_logout_ends_the_session(acc):
    acc.add("alice", "leader", (), PW, "test")
    _, token = acc.login("alice", PW)
    _, other = acc.login("alice", PW)
    acc.logout(token, "10.0.0.2")
    assert acc.session(token) is None
    assert acc.session(other).name == "alice"
    acc.logout(token)  # again: nothing more
    acc.logout("not-a-token")
    acc.logout("")
    rows = acc.audit_rows(action="logout")
    assert [(r["user"], r["role"], r["client"]) for r in rows] == [("alice", "leader", "10.0.0.2")]


def test_session_rejects_junk(acc):
    for junk in (None, "", "x", "x" * 10_000, 42):
        assert acc.session(junk) is None


def test_set_password_ends_sessions(acc):
    acc.add("alice", "leader", (), PW, "test")
    _, token = acc.login("alice", PW)
    with pytest.raises(Refused):
        acc.set_password("alice", "short", "test")
    assert acc.session(token) is not None  # a refused change ends nothing
    acc.set_password("alice", "another-password", "test")
    assert acc.session(token) is None
    assert not refusal(acc.login, "alice", PW).locked
    assert acc.login("alice", "another-password")[0].name == "alice"


def test_remove_ends_sessions(acc):
    acc.add("alice", "leader", (), PW, "test")
    _, token = acc.login("alice", PW)
    acc.remove("alice", "test")
    assert acc.get("alice") is None and acc.count() == 0
    assert acc.session(token) is None
    assert raw(acc).execute("SELECT count(*) FROM sessions").fetchone()[0] == 0
    e = refusal(acc.login, "alice", PW)
    assert (e.zh, e.en) == WRONG
    acc.add("alice", "analyst", (), PW, "test")  # the name is free again; the old session stays gone
    assert acc.session(token) is None


# ---------------------------------------------------------------------------------------- audit trail
def test_audit_rows_for_each_action(acc, clock):
    acc.add("admin1", "admin", (), PW, "cli:root")
    acc.add("alice", "leader", (), PW, "admin1", "10.0.0.5")
    acc.set_role("alice", "street", ["S1"], "admin1", "10.0.0.5")
    acc.set_password("alice", "new-password-1", "admin1")
    acc.set_disabled("alice", True, "admin1")
    acc.set_disabled("alice", False, "admin1")
    refusal(acc.login, "alice", "wrong-password")
    _, token = acc.login("alice", "new-password-1", "10.0.0.6")
    acc.logout(token, "10.0.0.6")
    acc.audit("alice", "street", "10.0.0.6", "download", {"file": "orders.csv"})
    acc.remove("alice", "admin1")
    rows = acc.audit_rows()
    got = [(r["user"], r["role"], r["action"]) for r in rows][::-1]
    assert got == [
        ("cli:root", "", "user_added"),
        ("admin1", "admin", "user_added"),
        ("admin1", "admin", "user_changed"),
        ("admin1", "admin", "user_changed"),
        ("admin1", "admin", "user_disabled"),
        ("admin1", "admin", "user_enabled"),
        ("alice", "street", "login_failed"),
        ("alice", "street", "login_ok"),
        ("alice", "street", "logout"),
        ("alice", "street", "download"),
        ("admin1", "admin", "user_removed"),
    ]
    by_action = {}
    for r in rows[::-1]:
        by_action.setdefault(r["action"], []).append(r)
    assert by_action["user_added"][1]["details"] == {"name": "alice", "role": "leader", "streets": []}
    assert by_action["user_added"][1]["client"] == "10.0.0.5"
    assert by_action["user_changed"][1]["details"] == {"name": "alice", "changed": ["password"], "sessions_ended": 0}
    assert by_action["login_failed"][0]["details"] == {"reason": "wrong_password", "failures": 1}
    assert by_action["download"][0]["details"] == {"file": "orders.csv"}
    assert by_action["user_removed"][0]["details"]["name"] == "alice"
    assert all(r["id"] > s["id"] for r, s in zip(rows, rows[1:]))  # newest first
    assert rows[0]["at"] == datetime.fromtimestamp(T0).astimezone().isoformat(timespec="milliseconds")
    text = json.dumps(rows, ensure_ascii=False)
    for secret in (PW, "new-password-1", "wrong-password", token):
        assert secret not in text
        assert secret.encode() not in db_bytes(acc)


def test_audit_rows_filters(acc, clock):
    for i in range(6):
        clock.t = T0 + i * 3600
        acc.audit("u1" if i % 2 else "u2", "leader", "", "page_view" if i < 4 else "download", {"i": i})
    assert [r["details"]["i"] for r in acc.audit_rows()] == [5, 4, 3, 2, 1, 0]
    since = datetime.fromtimestamp(T0 + 2 * 3600)  # naive: local time
    until = datetime.fromtimestamp(T0 + 4 * 3600).astimezone()
    assert [r["details"]["i"] for r in acc.audit_rows(since=since)] == [5, 4, 3, 2]
    assert [r["details"]["i"] for r in acc.audit_rows(since=since, until=until)] == [3, 2]
    # the same instant in another offset selects the same rows
    other = until.astimezone(timezone(timedelta(hours=-5)))
    assert [r["details"]["i"] for r in acc.audit_rows(since=since, until=other)] == [3, 2]
    assert [r["details"]["i"] for r in acc.audit_rows(user="u1")] == [5, 3, 1]
    assert [r["details"]["i"] for r in acc.audit_rows(action="download")] == [5, 4]
    assert [r["details"]["i"] for r in acc.audit_rows(user="u2", action="page_view")] == [2, 0]
    assert [r["details"]["i"] for r in acc.audit_rows(limit=2)] == [5, 4]
    assert set(acc.audit_rows()[0]) == {"id", "at", "user", "role", "client", "action", "details"}


def test_audit_is_append_only(acc):
    acc.audit("u", "leader", "", "page_view", {"page": "overview"})
    con = raw(acc)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("UPDATE audit SET action = 'nothing'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("DELETE FROM audit")
    con.rollback()
    assert [r["action"] for r in acc.audit_rows()] == ["page_view"]


WRITER = """
import sys, time
from pathlib import Path
from coopdash.auth.accounts import Accounts
folder, who, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
acc = Accounts(folder)
while not go.exists():
    time.sleep(0.005)
for i in range(50):
    acc.audit(who, "analyst", "", "page_view", {"i": i})
"""


def test_concurrent_writers_lose_nothing(acc, tmp_path):
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), f"p{k}", str(go)], cwd=ROOT)
             for k in range(4)]
    time.sleep(0.3)
    go.touch()
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    rows = acc.audit_rows()
    assert len(rows) == 200
    for k in range(4):
        assert sorted(r["details"]["i"] for r in rows if r["user"] == f"p{k}") == list(range(50))


def test_concurrent_threads_lose_nothing(acc):
    errors = []

    def write(k):
        try:
            for i in range(25):
                acc.audit(f"t{k}", "analyst", "", "page_view", {"i": i})
                acc.session("no-such-token")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(acc.audit_rows()) == 200


def test_messages_are_bilingual(acc):
    acc.add("alice", "leader", (), PW, "test")
    caught: list[CoopError] = []
    for call in (lambda: acc.add("bad name", "leader", (), PW, "t"), lambda: acc.add("b", "x", (), PW, "t"),
                 lambda: acc.add("b", "leader", (), "short", "t"), lambda: acc.remove("nobody", "t"),
                 lambda: acc.login("alice", "wrong-password")):
        with pytest.raises(CoopError) as e:
            call()
        caught.append(e.value)
    for e in caught:
        assert e.zh and e.en and e.zh != e.en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in e.zh)
        assert not any("\u4e00" <= ch <= "\u9fff" for ch in e.en)
        assert str(e) == f"{e.zh} / {e.en}"
        assert PW not in str(e) and "wrong-password" not in str(e) and "short" not in e.zh


# ---------------------------------------------------------------------------------------- tokens
@pytest.fixture
def state(tmp_path, monkeypatch):
    monkeypatch.delenv("COOP_SECRET", raising=False)
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path))
    return tmp_path


def test_sign_unsign_round_trip(state):
    token = "abc-DEF_123" * 4
    value = tokens.sign(token)
    assert value != token and value.startswith(token + ".")
    assert tokens.unsign(value) == token
    key = (state / "secret.key").read_bytes()
    assert len(key) == 32
    assert stat.S_IMODE((state / "secret.key").stat().st_mode) == 0o600
    assert tokens.secret() == key
    assert list(state.iterdir()) == [state / "secret.key"]  # no temporary file left


def test_forged_values_refused(state):
    value = tokens.sign("the-token")
    body, sig = value.rsplit(".", 1)
    forged = body + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    other_key = Signer(b"x" * 32, salt=tokens.SALT, digest_method=hashlib.sha256).sign("the-token").decode()
    for bad in (None, "", "the-token", forged, "other-token." + sig, other_key, value + "x", "." * 2000):
        assert tokens.unsign(bad) is None


def test_coop_secret_overrides_the_key_file(state, monkeypatch):
    value = tokens.sign("t")
    monkeypatch.setenv("COOP_SECRET", "a shared secret for every server")
    assert tokens.secret() == b"a shared secret for every server"
    assert tokens.unsign(value) is None
    assert tokens.unsign(tokens.sign("t")) == "t"


KEYMAKER = """
import sys, time
from pathlib import Path
from coopdash.auth.tokens import secret
folder, go = Path(sys.argv[1]), Path(sys.argv[2])
while not go.exists():
    pass
print(secret(folder).hex())
"""


def test_processes_racing_for_the_key_agree(tmp_path):
    folder, go = tmp_path / "state", tmp_path / "go"
    env = {k: v for k, v in os.environ.items() if k != "COOP_SECRET"}
    procs = [subprocess.Popen([sys.executable, "-c", KEYMAKER, str(folder), str(go)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, text=True) for _ in range(4)]
    time.sleep(0.4)
    go.touch()
    keys = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0]
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert (folder / "secret.key").read_bytes().hex() == keys[0]
    assert [p.name for p in folder.iterdir()] == ["secret.key"]


# ---------------------------------------------------------------------------------------- command line
@pytest.fixture
def cli(tmp_path, fixture_dir):
    env = {k: v for k, v in os.environ.items() if k not in ("COOP_SECRET", "COOP_AUTH")}
    env.update(COOP_STATE_DIR=str(tmp_path), COOP_DATA_DIR=str(fixture_dir))

    def run(*args, stdin=""):
        return subprocess.run([sys.executable, "-m", "coopdash.users", *args], input=stdin, text=True,
                              capture_output=True, cwd=ROOT, env=env, timeout=120)
    return run


@pytest.fixture
def fixture_streets(fixture_dir):
    con = views.connect(fixture_dir)
    try:
        return dict(con.execute("SELECT street_code, street_name FROM streets ORDER BY street_code").fetchall())
    finally:
        con.close()


def test_cli_add_and_list(cli, tmp_path, fixture_streets):
    from coopdash.users import actor

    code = next(iter(fixture_streets))
    r = cli("add", "alice", "--role", "street", "--street", code, stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    assert "已添加账号 alice" in r.stdout and "added account alice" in r.stdout
    acc = Accounts(tmp_path)
    assert acc.get("alice") == User("alice", "street", (code,))
    assert acc.login("alice", PW)[0].name == "alice"  # the newline was not part of the password
    assert acc.audit_rows(action="user_added")[0]["user"] == actor() == "cli:" + getpass.getuser()

    assert cli("add", "boss", "--role", "leader", stdin=PW).returncode == 0  # no newline at the end
    assert Accounts(tmp_path).login("boss", PW)[0].role == "leader"

    r = cli("list")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert "用户名 / name" in lines[0] and "角色 / role" in lines[0]
    alice = next(line for line in lines if line.startswith("alice"))
    assert ROLES["street"].zh in alice and code in alice and "是 / yes" not in alice
    boss = next(line for line in lines if line.startswith("boss"))
    assert ROLES["leader"].zh in boss
    assert PW not in r.stdout + r.stderr


def test_cli_refusals(cli, tmp_path, fixture_streets):
    r = cli("add", "bob", "--role", "street", "--street", "NOPE", stdin=PW + "\n")
    assert r.returncode == 1
    assert "拒绝" in r.stderr and "refused" in r.stderr and "NOPE" in r.stderr
    for code, name in fixture_streets.items():
        assert code in r.stderr and name in r.stderr
    assert r.stdout == ""
    for args, stdin, zh, en in [
        (("add", "bob", "--role", "leader"), "short\n", "至少需要 8 个字符", "at least 8 characters"),
        (("add", "bob", "--role", "leader"), "", "至少需要 8 个字符", "at least 8 characters"),
        (("add", "bob", "--role", "leader", "--street", next(iter(fixture_streets))), PW, "不能指定街道",
         "takes no street"),
        (("add", "bob", "--role", "street"), PW, "至少需要一个街道", "needs at least one street"),
        (("add", "bob", "--role", "boss"), PW, "角色无效", "invalid role"),
        (("add", "bad name", "--role", "leader"), PW, "用户名无效", "invalid user name"),
        (("disable", "bob"), "", "没有这个账号", "no such account"),
        (("passwd", "bob"), PW, "没有这个账号", "no such account"),
        (("remove", "bob"), "", "没有这个账号", "no such account"),
    ]:
        r = cli(*args, stdin=stdin)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert zh in r.stderr and en in r.stderr, (args, r.stderr)
    assert Accounts(tmp_path).count() == 0
    r = cli("add", "bob", "--role", "leader", stdin=PW + "\n")
    assert r.returncode == 0
    r = cli("add", "bob", "--role", "leader", stdin=PW + "\n")
    assert r.returncode == 1 and "账号已存在" in r.stderr and "already exists" in r.stderr


def test_cli_disable_enable_passwd_remove(cli, tmp_path):
    assert cli("add", "carol", "--role", "analyst", stdin=PW + "\n").returncode == 0
    acc = Accounts(tmp_path)
    acc.hasher = FAST
    _, token = acc.login("carol", PW)

    r = cli("disable", "carol")
    assert r.returncode == 0 and "已停用" in r.stdout and "disabled" in r.stdout
    assert acc.get("carol").disabled and acc.session(token) is None
    assert "是 / yes" in next(line for line in cli("list").stdout.splitlines() if line.startswith("carol"))
    assert (refusal(acc.login, "carol", PW).zh, refusal(acc.login, "carol", PW).locked) == (WRONG[0], False)

    r = cli("enable", "carol")
    assert r.returncode == 0 and not acc.get("carol").disabled
    _, token = acc.login("carol", PW)

    r = cli("passwd", "carol", stdin="brand-new-password\r\n")
    assert r.returncode == 0, r.stderr
    assert acc.session(token) is None
    assert not refusal(acc.login, "carol", PW).locked
    assert acc.login("carol", "brand-new-password")[0].name == "carol"

    r = cli("remove", "carol")
    assert r.returncode == 0 and "已删除账号 carol" in r.stdout
    assert acc.get("carol") is None
    assert "没有账号" in cli("list").stdout
    actions = [row["action"] for row in acc.audit_rows() if row["user"].startswith("cli:")][::-1]
    assert actions == ["user_added", "user_disabled", "user_enabled", "user_changed", "user_removed"]


def test_cli_does_not_load_streamlit():
    code = "import sys, coopdash.users, coopdash.auth.tokens; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, timeout=60).returncode == 0


def test_shared_follows_the_state_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path / "a"))
    a = accounts_module.shared()
    assert a is accounts_module.shared() and a.path == tmp_path / "a" / "accounts.sqlite3"
    monkeypatch.setenv("COOP_STATE_DIR", str(tmp_path / "b"))
    b = accounts_module.shared()
    assert b is not a and b.path == tmp_path / "b" / "accounts.sqlite3"


# ------------------------------------------------------------------------ issue 24: lifetime, replace
def test_a_session_ends_after_its_absolute_lifetime_however_active(acc, clock):
    """[auth] session_max_days = 7: used every 10 minutes (never idle), it still ends 7 days after sign-in."""
    acc.add("alice", "leader", (), "pass-word-1", "test")
    _, token = acc.login("alice", "pass-word-1")
    began = clock.t
    while clock.t < began + 7 * 86400 - 600:
        assert acc.session(token) is not None
        clock.advance(600)
    clock.t = began + 7 * 86400 - 1
    assert acc.session(token) is not None
    clock.t = began + 7 * 86400
    assert acc.session(token) is None


def test_insert_or_replace_cannot_overwrite_an_audit_row(acc):
    acc.audit("alice", "leader", "10.0.0.1", "page_view", {"page": "overview"})
    con = raw(acc)
    first = dict(con.execute("SELECT * FROM audit ORDER BY id LIMIT 1").fetchone())
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        con.execute("INSERT OR REPLACE INTO audit (id, at, user, action) VALUES (?, '2020-01-01', 'mallory', 'x')",
                    (first["id"],))
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("REPLACE INTO audit (id, at, user, action) VALUES (?, '2020-01-01', 'mallory', 'x')", (first["id"],))
    assert dict(con.execute("SELECT * FROM audit WHERE id = ?", (first["id"],)).fetchone()) == first
    con.execute("INSERT INTO audit (at, action) VALUES ('2020-01-01', 'appended')")  # appending still works


def test_a_version_1_database_gets_the_replace_trigger(tmp_path):
    """A state folder from before issue 24 (user_version 1) is migrated on first open."""
    from coopdash.auth import accounts as module
    path = tmp_path / module.DB_NAME
    con = sqlite3.connect(path)
    for statement in module._statements(module.SCHEMA):
        con.execute(statement)
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO audit (at, action) VALUES ('2020-01-01', 'old')")
    con.commit()
    con.close()
    Accounts(tmp_path).audit("a", "admin", "", "new", {})
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == 2
    with pytest.raises(sqlite3.IntegrityError):
        con.execute("INSERT OR REPLACE INTO audit (id, at, action) VALUES (1, 'x', 'x')")
    assert [r[0] for r in con.execute("SELECT action FROM audit ORDER BY id")] == ["old", "new"]
