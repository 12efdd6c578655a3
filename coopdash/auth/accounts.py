"""Accounts, sessions, sign-in lockout and the audit trail: one SQLite database under the state folder.

`state_dir()/accounts.sqlite3` (WAL mode, foreign keys, a busy timeout) is shared by every server
process and every thread: each thread of each process opens its own connection (`_connection`), and
every write is one short transaction (`BEGIN IMMEDIATE` where it reads and then writes). The schema's
version is `PRAGMA user_version`.

- Passwords are hashed with argon2id (`argon2.PasswordHasher`, the library's defaults) and rehashed on
  a successful sign-in when the defaults have changed. A password is never stored, logged, audited or
  put in a message.
- Lockout: `max_failures` failed sign-ins of one name within `failure_window_seconds` lock that name
  for `lock_seconds`, counted from the failure that locked it; while it is locked even the right
  password is refused. Names that do not exist are counted and locked the same way, and a dummy hash is
  verified for them, so neither the messages nor the timing tell whether an account exists.
- Sessions: the browser holds a random token (`secrets.token_urlsafe(32)`, signed in the cookie by
  tokens.py); the table holds only its SHA-256. A session ends on sign-out, after `idle_seconds`
  without use, `session_max_seconds` after it began however active, and when its user is disabled, removed, or has the password or role changed.
- The audit trail is append-only: triggers refuse UPDATE, DELETE and an INSERT (OR REPLACE) that names
  an existing row.

Every time comparison reads the `clock` given to `Accounts` (the tests pass a fake one). No Streamlit.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from coopdash.auth.roles import ROLES, scope_of
from coopdash.data.errors import CoopError, Refused
from coopdash.data.scope import Scope
from coopdash.data.settings import settings, state_dir

DB_NAME = "accounts.sqlite3"
SCHEMA_VERSION = 2  # 2: audit_no_replace
BUSY_TIMEOUT_MS = 10_000
TOUCH_EVERY = 60.0  # seconds: session() writes last_seen at most this often
KEEP_SESSIONS = 30 * 86400.0  # ended or idle sessions older than this are pruned at sign-in
MIN_PASSWORD, MAX_PASSWORD = 8, 1024
MAX_NAME = 64
# ASCII letters and digits, . _ - @, and CJK ideographs (unified, extension A and B, compatibility)
NAME_RE = re.compile(r"[A-Za-z0-9._\-@\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002a6df]{1,64}")
STREET_RE = re.compile(r"[^\s]{1,64}")

HASHER = PasswordHasher()  # argon2id with the library's default costs

SCHEMA = """
CREATE TABLE users (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL,
    streets     TEXT NOT NULL DEFAULT '[]',  -- JSON list of street codes
    hash        TEXT NOT NULL,               -- argon2id
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    changed_at  REAL NOT NULL
);
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,            -- SHA-256 hex of the token; the token itself is never stored
    name        TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    created_at  REAL NOT NULL,
    last_seen   REAL NOT NULL,
    ended_at    REAL,
    client      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_by_name ON sessions(name);
CREATE TABLE failures (                      -- failed sign-ins within the window, by name as typed
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    at          REAL NOT NULL,
    client      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX failures_by_name ON failures(name, at);
CREATE TABLE locks (
    name        TEXT PRIMARY KEY,
    until       REAL NOT NULL
);
CREATE TABLE audit (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,               -- ISO 8601, local time with its UTC offset
    user        TEXT NOT NULL DEFAULT '',
    role        TEXT NOT NULL DEFAULT '',
    client      TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    details     TEXT NOT NULL DEFAULT '{}'   -- JSON object
);
CREATE INDEX audit_by_time ON audit(julianday(at));
CREATE INDEX audit_by_user ON audit(user, id);
CREATE INDEX audit_by_action ON audit(action, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit trail is append-only / 审计记录只能追加'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit trail is append-only / 审计记录只能追加'); END;
"""
# version 2: INSERT OR REPLACE over an existing row deletes it first (no DELETE trigger fires for that unless
# recursive triggers are on): an insert that names an existing id is refused instead
MIGRATIONS = {2: """
CREATE TRIGGER audit_no_replace BEFORE INSERT ON audit WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'audit trail is append-only / 审计记录只能追加'); END;
"""}

WRONG = ("用户名或密码错误", "wrong user name or password")


class LoginRefused(CoopError):
    """A refused sign-in: the generic wrong-name-or-password message, or `locked` with the wait."""

    def __init__(self, zh: str, en: str, locked: bool = False, minutes: int = 0):
        super().__init__(zh, en)
        self.locked, self.minutes = locked, minutes


def _wrong() -> LoginRefused:
    return LoginRefused(*WRONG)


def _locked(until: float, now: float) -> LoginRefused:
    minutes = max(1, math.ceil((until - now) / 60))
    return LoginRefused(f"尝试次数过多，账号已暂时锁定，请 {minutes} 分钟后再试",
                        f"too many attempts: locked, try again in {minutes} minutes", locked=True, minutes=minutes)


@dataclass(frozen=True)
class User:
    name: str
    role: str
    streets: tuple[str, ...] = ()  # street codes; non-empty iff role is "street"
    disabled: bool = False

    @property
    def scope(self) -> Scope:
        return scope_of(self.role, self.streets)

    @property
    def label(self) -> str:
        return ROLES[self.role].label


# ---------------------------------------------------------------------------------------- checks
def check_name(name: object) -> str:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise Refused(f"用户名无效：须为 1–{MAX_NAME} 个字符，只能包含字母、数字、汉字和 . _ - @，不能有空格",
                      f"invalid user name: 1–{MAX_NAME} characters, letters, digits, Chinese characters "
                      "and . _ - @ only, no spaces")
    return name


def check_role(role: object, streets: Iterable[str] | None) -> tuple[str, tuple[str, ...]]:
    """The role and the street codes (deduplicated, in order) if they fit together; refused otherwise."""
    if role not in ROLES:
        listed = ", ".join(ROLES)
        raise Refused(f"角色无效：{role}（可选：{listed}）", f"invalid role: {role} (one of {listed})")
    codes = tuple(dict.fromkeys(streets or ()))
    bad = [c for c in codes if not isinstance(c, str) or not STREET_RE.fullmatch(c)]
    if bad:
        raise Refused(f"街道代码无效：{bad[0]!r}", f"invalid street code: {bad[0]!r}")
    if ROLES[role].scoped and not codes:
        raise Refused(f"角色 {ROLES[role].zh} 至少需要一个街道", f"role {role} needs at least one street office")
    if not ROLES[role].scoped and codes:
        raise Refused(f"角色 {ROLES[role].zh} 不能指定街道（只有街道账号限定街道）",
                      f"role {role} takes no street offices (only street accounts are limited to streets)")
    return role, codes


def check_password(password: object) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise Refused(f"密码至少需要 {MIN_PASSWORD} 个字符", f"the password needs at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise Refused(f"密码不能超过 {MAX_PASSWORD} 个字符", f"the password may have at most {MAX_PASSWORD} characters")
    return password


def check_user(name: str, role: str, streets: Iterable[str] | None) -> tuple[str, str, tuple[str, ...]]:
    """Name, role and streets as `add` would accept them (for a caller that checks before asking for a
    password); refused otherwise."""
    return (check_name(name), *check_role(role, streets))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def iso(ts: float) -> str:
    """Epoch seconds as ISO 8601 in local time with the UTC offset, to the millisecond."""
    return datetime.fromtimestamp(ts).astimezone().isoformat(timespec="milliseconds")


def _iso_of(value: datetime) -> str:
    return (value if value.tzinfo else value.astimezone()).isoformat(timespec="microseconds")


# ----------------------------------------------------------------------------------- connections
_local = threading.local()


def _connection(path: Path) -> sqlite3.Connection:
    """This thread's connection to `path` (opened on first use; a forked child opens its own)."""
    conns = getattr(_local, "conns", None)
    if conns is None or getattr(_local, "pid", None) != os.getpid():
        conns = _local.conns = {}
        _local.pid = os.getpid()
    con = conns.get(path)
    if con is None:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=True)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: a power cut loses at most the last commits
        conns[path] = con
    return con


def _open(path: Path) -> None:
    """Create the folder, the file (mode 0600) and the schema if missing; WAL mode on."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass
    con = _connection(path)
    if con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise CoopError(f"账号数据库无法切换到 WAL 模式：{path}", f"the accounts database cannot use WAL mode: {path}")
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        version = con.execute("PRAGMA user_version").fetchone()[0]  # another process may have just made it
        if version == 0:
            for statement in _statements(SCHEMA):
                con.execute(statement)
            version = 1
        if version > SCHEMA_VERSION:
            raise CoopError(f"账号数据库版本 {version} 比本程序支持的 {SCHEMA_VERSION} 新：{path}",
                            f"the accounts database is version {version}, newer than this program's "
                            f"{SCHEMA_VERSION}: {path}")
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in _statements(MIGRATIONS[step]):
                con.execute(statement)
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _statements(script: str) -> Iterator[str]:
    """The statements of `script` one by one (a trigger's body kept whole; no `;` inside comments)."""
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                yield buf.strip()
            buf = ""


# ---------------------------------------------------------------------------------------- Accounts
class Accounts:
    """The accounts database of one state folder (`state_dir()` unless given)."""

    def __init__(self, folder: Path | None = None, clock: Callable[[], float] = time.time):
        self.path = Path(os.path.abspath(Path(folder if folder is not None else state_dir()) / DB_NAME))
        self.clock = clock
        self.hasher = HASHER
        self._dummy: tuple[PasswordHasher, str] | None = None
        _open(self.path)

    # ---------------------------------------------------------------- plumbing
    @property
    def _con(self) -> sqlite3.Connection:
        return _connection(self.path)

    @contextmanager
    def _tx(self, immediate: bool = True) -> Iterator[sqlite3.Connection]:
        con = self._con
        con.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")
        try:
            yield con
        except BaseException:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")

    def _dummy_hash(self) -> str:
        if self._dummy is None or self._dummy[0] is not self.hasher:
            self._dummy = (self.hasher, self.hasher.hash(secrets.token_urlsafe(24)))
        return self._dummy[1]

    @staticmethod
    def _user(row: sqlite3.Row) -> User:
        return User(row["name"], row["role"], tuple(json.loads(row["streets"])), bool(row["disabled"]))

    def _row(self, con: sqlite3.Connection, name: str) -> sqlite3.Row | None:
        return con.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()

    def _existing(self, con: sqlite3.Connection, name: str) -> sqlite3.Row:
        row = self._row(con, name) if isinstance(name, str) else None
        if row is None:
            raise Refused(f"没有这个账号：{name}", f"no such account: {name}")
        return row

    def _role_of(self, con: sqlite3.Connection, actor: str) -> str:
        row = con.execute("SELECT role FROM users WHERE name = ?", (actor,)).fetchone()
        return row["role"] if row else ""

    def _audit(self, con: sqlite3.Connection, user: str, role: str, client: str, action: str,
               details: dict | None = None) -> None:
        con.execute("INSERT INTO audit (at, user, role, client, action, details) VALUES (?, ?, ?, ?, ?, ?)",
                    (iso(self.clock()), str(user)[:256], str(role or ""), str(client or "")[:256], str(action),
                     json.dumps(details or {}, ensure_ascii=False, default=str)))

    def _end_sessions(self, con: sqlite3.Connection, name: str) -> int:
        return con.execute("UPDATE sessions SET ended_at = ? WHERE name = ? AND ended_at IS NULL",
                           (self.clock(), name)).rowcount

    # ---------------------------------------------------------------- users
    def add(self, name: str, role: str, streets: Iterable[str] | None, password: str, actor: str,
            client: str = "") -> User:
        name, role, codes = check_user(name, role, streets)
        password_hash = self.hasher.hash(check_password(password))
        now = self.clock()
        with self._tx() as con:
            if self._row(con, name) is not None:
                raise Refused(f"账号已存在：{name}", f"the account already exists: {name}")
            con.execute("INSERT INTO users (name, role, streets, hash, disabled, created_at, changed_at) "
                        "VALUES (?, ?, ?, ?, 0, ?, ?)", (name, role, json.dumps(list(codes)), password_hash, now, now))
            self._audit(con, actor, self._role_of(con, actor), client, "user_added",
                        {"name": name, "role": role, "streets": list(codes)})
        return User(name, role, codes)

    def get(self, name: str) -> User | None:
        if not isinstance(name, str):
            return None
        row = self._row(self._con, name)
        return self._user(row) if row else None

    def users(self) -> list[User]:
        return [self._user(r) for r in self._con.execute("SELECT * FROM users ORDER BY name")]

    def count(self) -> int:
        return self._con.execute("SELECT count(*) FROM users").fetchone()[0]

    def set_disabled(self, name: str, disabled: bool, actor: str, client: str = "") -> None:
        with self._tx() as con:
            self._existing(con, name)
            con.execute("UPDATE users SET disabled = ?, changed_at = ? WHERE name = ?",
                        (int(bool(disabled)), self.clock(), name))
            ended = self._end_sessions(con, name) if disabled else 0
            self._audit(con, actor, self._role_of(con, actor), client,
                        "user_disabled" if disabled else "user_enabled",
                        {"name": name, **({"sessions_ended": ended} if disabled else {})})

    def set_password(self, name: str, password: str, actor: str, client: str = "") -> None:
        check_password(password)
        self._existing(self._con, name)  # refuse before spending a hash
        password_hash = self.hasher.hash(password)
        with self._tx() as con:
            self._existing(con, name)
            con.execute("UPDATE users SET hash = ?, changed_at = ? WHERE name = ?", (password_hash, self.clock(), name))
            ended = self._end_sessions(con, name)
            con.execute("DELETE FROM failures WHERE name = ?", (name,))
            self._audit(con, actor, self._role_of(con, actor), client, "user_changed",
                        {"name": name, "changed": ["password"], "sessions_ended": ended})

    def set_role(self, name: str, role: str, streets: Iterable[str] | None, actor: str, client: str = "") -> None:
        role, codes = check_role(role, streets)
        with self._tx() as con:
            old = self._existing(con, name)
            old_streets = json.loads(old["streets"])
            con.execute("UPDATE users SET role = ?, streets = ?, changed_at = ? WHERE name = ?",
                        (role, json.dumps(list(codes)), self.clock(), name))
            ended = self._end_sessions(con, name)
            changed = [k for k, was, now in (("role", old["role"], role), ("streets", old_streets, list(codes)))
                       if was != now]
            self._audit(con, actor, self._role_of(con, actor), client, "user_changed",
                        {"name": name, "changed": changed, "role": role, "streets": list(codes),
                         "previous": {"role": old["role"], "streets": old_streets}, "sessions_ended": ended})

    def remove(self, name: str, actor: str, client: str = "") -> None:
        with self._tx() as con:
            old = self._existing(con, name)
            ended = self._end_sessions(con, name)
            actor_role = self._role_of(con, actor)  # before the row goes, should an account remove itself
            con.execute("DELETE FROM users WHERE name = ?", (name,))  # its sessions go with it (cascade)
            con.execute("DELETE FROM failures WHERE name = ?", (name,))
            self._audit(con, actor, actor_role, client, "user_removed",
                        {"name": name, "role": old["role"], "streets": json.loads(old["streets"]),
                         "sessions_ended": ended})

    # ---------------------------------------------------------------- sign-in
    def login(self, name: str, password: str, client: str = "") -> tuple[User, str]:
        """The user and a new session token; LoginRefused (generic, or `locked`) otherwise."""
        cfg = settings()
        name = name if isinstance(name, str) else ""
        key = name[:256]  # the name as typed, for counting failures (an invalid one can never sign in)
        now = self.clock()
        con = self._con
        lock = con.execute("SELECT until FROM locks WHERE name = ?", (key,)).fetchone()
        if lock and lock["until"] > now:
            self._refused_while_locked(key, lock["until"], now, client)
        row = self._row(con, name) if NAME_RE.fullmatch(name) else None
        ok, reason = False, "unknown_user"
        if row is None:
            self._verify(self._dummy_hash(), password)
        else:
            ok = self._verify(row["hash"], password)
            reason = "disabled" if ok and row["disabled"] else "wrong_password"
            ok = ok and not row["disabled"]
        if not ok:
            self._failed(key, reason, client, cfg)
        return self._succeeded(row, password, client, cfg)

    def _verify(self, stored: str, password: object) -> bool:
        if not isinstance(password, str) or not password:
            password = "\0"  # still spend the same time
        try:
            return self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _refused_while_locked(self, key: str, until: float, now: float, client: str) -> None:
        with self._tx() as con:
            row = self._row(con, key)
            self._audit(con, key, row["role"] if row else "", client, "login_locked",
                        {"event": "refused_while_locked", "until": iso(until)})
        raise _locked(until, now)

    def _failed(self, key: str, reason: str, client: str, cfg) -> None:
        now = self.clock()
        with self._tx() as con:
            lock = con.execute("SELECT until FROM locks WHERE name = ?", (key,)).fetchone()
            row = self._row(con, key)
            role = row["role"] if row else ""
            if lock and lock["until"] > now:  # locked by another attempt meanwhile
                self._audit(con, key, role, client, "login_locked",
                            {"event": "refused_while_locked", "until": iso(lock["until"])})
                until = lock["until"]
            else:
                con.execute("DELETE FROM failures WHERE at <= ?", (now - cfg.failure_window_seconds,))
                con.execute("DELETE FROM locks WHERE until <= ?", (now,))
                con.execute("INSERT INTO failures (name, at, client) VALUES (?, ?, ?)", (key, now, str(client)[:256]))
                count = con.execute("SELECT count(*) FROM failures WHERE name = ? AND at > ?",
                                    (key, now - cfg.failure_window_seconds)).fetchone()[0]
                self._audit(con, key, role, client, "login_failed", {"reason": reason, "failures": count})
                if count < cfg.max_failures:
                    until = None
                else:
                    until = now + cfg.lock_seconds
                    con.execute("INSERT OR REPLACE INTO locks (name, until) VALUES (?, ?)", (key, until))
                    con.execute("DELETE FROM failures WHERE name = ?", (key,))  # the lock replaces them
                    self._audit(con, key, role, client, "login_locked",
                                {"event": "locked", "failures": count, "until": iso(until)})
        raise _locked(until, now) if until is not None else _wrong()

    def _succeeded(self, row: sqlite3.Row, password: str, client: str, cfg) -> tuple[User, str]:
        name = row["name"]
        rehash = self.hasher.check_needs_rehash(row["hash"])
        new_hash = self.hasher.hash(password) if rehash else None
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self._tx() as con:
            lock = con.execute("SELECT until FROM locks WHERE name = ?", (name,)).fetchone()
            if lock and lock["until"] > now:  # locked by a failure elsewhere since we looked
                self._audit(con, name, row["role"], client, "login_locked",
                            {"event": "refused_while_locked", "until": iso(lock["until"])})
                until = lock["until"]
            else:
                until = None
                current = self._row(con, name)
                if current is None or current["disabled"] or current["hash"] != row["hash"]:
                    raise _wrong()  # removed, disabled or its password changed while we verified
                con.execute("DELETE FROM failures WHERE name = ?", (name,))
                if new_hash:
                    con.execute("UPDATE users SET hash = ? WHERE name = ?", (new_hash, name))
                con.execute("DELETE FROM sessions WHERE COALESCE(ended_at, last_seen) < ?",
                            (now - max(KEEP_SESSIONS, cfg.idle_seconds),))
                con.execute("INSERT INTO sessions (token_hash, name, created_at, last_seen, client) "
                            "VALUES (?, ?, ?, ?, ?)", (token_hash(token), name, now, now, str(client)[:256]))
                self._audit(con, name, current["role"], client, "login_ok", {"rehashed": True} if new_hash else {})
                user = self._user(current)
        if until is not None:
            raise _locked(until, now)
        return user, token

    def session(self, token: str) -> User | None:
        """The signed-in user of `token`, or None (unknown, ended, idle too long, user disabled or gone)."""
        if not isinstance(token, str) or not token or len(token) > 512:
            return None
        digest = token_hash(token)
        con = self._con
        row = con.execute("SELECT s.last_seen, s.ended_at, s.created_at AS began, u.* FROM sessions s "
                          "JOIN users u ON u.name = s.name "
                          "WHERE s.token_hash = ?", (digest,)).fetchone()
        now = self.clock()
        if row is None or row["ended_at"] is not None or row["disabled"]:
            return None
        if not now - row["last_seen"] < settings().idle_seconds:
            return None
        if not now - row["began"] < settings().session_max_seconds:  # however active: sign in again
            return None
        if now - row["last_seen"] >= TOUCH_EVERY:
            con.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ? AND ended_at IS NULL AND last_seen < ?",
                        (now, digest, now))
        return self._user(row)

    def logout(self, token: str, client: str = "") -> None:
        if not isinstance(token, str) or not token:
            return
        digest = token_hash(token)
        with self._tx() as con:
            row = con.execute("SELECT s.name, u.role FROM sessions s JOIN users u ON u.name = s.name "
                              "WHERE s.token_hash = ? AND s.ended_at IS NULL", (digest,)).fetchone()
            if row is None:
                return
            con.execute("UPDATE sessions SET ended_at = ? WHERE token_hash = ?", (self.clock(), digest))
            self._audit(con, row["name"], row["role"], client, "logout")

    def proxy_user(self, name: str, client: str = "") -> User | None:
        """Proxy mode (the SSO proxy vouches for the name): the enabled user of that name, or None."""
        if not isinstance(name, str) or not NAME_RE.fullmatch(name):
            return None
        user = self.get(name)
        return user if user is not None and not user.disabled else None

    # ---------------------------------------------------------------- audit trail
    def audit(self, user: str, role: str, client: str, action: str, details: dict | None = None) -> None:
        """Append one row to the audit trail (page_view, download, console_query, explorer_query, …)."""
        with self._tx() as con:
            self._audit(con, user, role, client, action, details)

    def audit_rows(self, since: datetime | None = None, until: datetime | None = None, user: str | None = None,
                   action: str | None = None, limit: int = 10_000) -> list[dict]:
        """Audit rows, newest first: `since` <= at < `until` (a naive datetime is local time)."""
        where, args = [], []
        if since is not None:
            where.append("julianday(at) >= julianday(?)")
            args.append(_iso_of(since))
        if until is not None:
            where.append("julianday(at) < julianday(?)")
            args.append(_iso_of(until))
        if user is not None:
            where.append("user = ?")
            args.append(user)
        if action is not None:
            where.append("action = ?")
            args.append(action)
        sql = ("SELECT id, at, user, role, client, action, details FROM audit"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id DESC LIMIT ?")
        rows = self._con.execute(sql, (*args, max(0, int(limit)))).fetchall()
        return [{**dict(r), "details": json.loads(r["details"] or "{}")} for r in rows]


_shared: dict[Path, Accounts] = {}
_shared_lock = threading.Lock()


def shared() -> Accounts:
    """The process's `Accounts` for the current state folder (`state_dir()`, read on every call, so a
    test or command that points COOP_STATE_DIR elsewhere gets that folder's). Thread-safe."""
    folder = state_dir()
    with _shared_lock:
        acc = _shared.get(folder)
        if acc is None:
            acc = _shared[folder] = Accounts(folder)
        return acc
