"""The session cookie's signature, the same in every server process.

The key is `$COOP_SECRET` when set, else `state_dir()/secret.key`: 32 random bytes written once, mode
0600. Two processes that start together both write a private temporary file and hard-link it to the
key's name; the link fails for the second, which then reads the first one's key, so both sign alike.
The cookie carries `sign(token)`; `unsign` returns the token, or None for a missing or forged value.
`proxy_secret()` is the proof the single sign-on proxy adds to every request it forwards (proxy mode):
`$COOP_PROXY_SECRET`, else `state_dir()/proxy.key`, 64 hex characters made the same way on first use
(deploy/serve.py writes it into nginx's configuration; it is never sent to a browser).
No Streamlit here.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from pathlib import Path

from itsdangerous import BadSignature, Signer

from coopdash.data.errors import CoopError
from coopdash.data.settings import state_dir

KEY_FILE = "secret.key"
PROXY_KEY_FILE = "proxy.key"
KEY_BYTES = 32
SALT = "coopdash-session"
MAX_COOKIE = 1024  # a longer cookie value is not one of ours

_keys: dict[str, bytes] = {}
_lock = threading.Lock()


def secret(folder: Path | None = None) -> bytes:
    """The signing key: $COOP_SECRET if set, else the key file of `folder` (the state folder by default),
    created on first use."""
    env = os.environ.get("COOP_SECRET")
    if env:
        return env.encode("utf-8")
    path = Path(os.path.abspath(Path(folder if folder is not None else state_dir()) / KEY_FILE))
    with _lock:
        key = _keys.get(str(path))
        if key is None:
            key = _keys[str(path)] = _read_or_create(path)
    return key


def proxy_secret(folder: Path | None = None) -> str:
    """The secret the SSO proxy sends in `[auth] proxy_secret_header`: $COOP_PROXY_SECRET if set, else the
    proxy key file of `folder` (the state folder by default), created on first use."""
    env = os.environ.get("COOP_PROXY_SECRET", "").strip()
    if env:
        return env
    path = Path(os.path.abspath(Path(folder if folder is not None else state_dir()) / PROXY_KEY_FILE))
    with _lock:
        key = _keys.get(str(path))
        if key is None:
            key = _keys[str(path)] = _read_or_create(path, lambda: secrets.token_hex(KEY_BYTES).encode("ascii"))
    return key.decode("ascii").strip()


def _read_or_create(path: Path, make=lambda: secrets.token_bytes(KEY_BYTES)) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(make())
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)  # atomic, and fails if another process made the key first
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    key = path.read_bytes()
    if len(key) < KEY_BYTES:
        raise CoopError(f"签名密钥文件无效（少于 {KEY_BYTES} 字节）：{path}",
                        f"the signing key file is invalid (fewer than {KEY_BYTES} bytes): {path}")
    return key


def _signer() -> Signer:
    return Signer(secret(), salt=SALT, digest_method=hashlib.sha256)


def logout_token(token: str) -> str:
    """The sign-out form's token for a session: an HMAC of the session token, so a page of another site,
    which can neither read the cookie nor this page, cannot sign anyone out."""
    return hmac.new(secret(), b"logout:" + token.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(token: str) -> str:
    """The cookie value for a session token."""
    return _signer().sign(token).decode("utf-8")


def unsign(value: str | None) -> str | None:
    """The session token in a cookie value, or None if the value is missing or its signature is wrong."""
    if not isinstance(value, str) or not value or len(value) > MAX_COOKIE:
        return None
    try:
        return _signer().unsign(value).decode("utf-8")
    except (BadSignature, UnicodeError):
        return None
