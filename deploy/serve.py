"""python -m deploy.serve [start|stop|status]: the dashboard for many viewers on one machine.

`./serve.sh` runs `start`: N Streamlit replicas of server.py on 127.0.0.1 (REPLICA_PORT, REPLICA_PORT+1 …),
nginx on PORT in front of them (deploy/nginx.conf: websockets, cookie stickiness, gzip, TLS and SSO
places) and the health check that tells nginx which replicas are up (deploy/upstreams.py), all three
supervised by supervisord (from PyPI, pinned in requirements.txt): a replica that dies is started
again. Ctrl-C, or `./serve.sh stop` from another shell, stops everything it started.

Settings come from the environment, as for `./start.sh`:
    REPLICAS       replicas (default: the number of cores)
    PORT           nginx's port (default 8501)
    REPLICA_PORT   the first replica's port (default PORT + 100)
    COOP_RUN_DIR   rendered configuration, pid files, logs, the socket (default $COOP_STATE_DIR/deploy)
    COOP_PROXY_SECRET  the proof nginx adds to every request for proxy mode (default: $COOP_STATE_DIR/proxy.key,
                   made on first use; written into the rendered nginx.conf, mode 0600)
    COOP_DATA_DIR, COOP_STATE_DIR, COOP_AUTH, COOP_SECRET: passed to every replica, which therefore
                   share the dataset (its versions swap atomically), the accounts and audit database
                   and the cookie-signing key.
`running(...)` starts the same thing for the tests and the benchmarks.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import sys
import time
import tomllib
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from deploy import upstreams

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf"
MIME_TYPES = Path("/etc/nginx/mime.types")
CONFIG = ROOT / "config" / "dashboard.toml"
PROXY_KEY = "proxy.key"  # the same file coopdash/auth/tokens.py reads (deploy imports nothing of the app)


@dataclass(frozen=True)
class Plan:
    port: int
    replicas: tuple[int, ...]
    run: Path

    @classmethod
    def from_env(cls, env=os.environ) -> Plan:
        port = int(env.get("PORT") or 8501)
        n = int(env.get("REPLICAS") or os.cpu_count() or 2)
        first = int(env.get("REPLICA_PORT") or port + 100)
        state = Path(env.get("COOP_STATE_DIR") or ROOT / "state")
        return cls(port, tuple(range(first, first + n)), Path(env.get("COOP_RUN_DIR") or state / "deploy").resolve())

    @property
    def state(self) -> Path:
        return Path(os.environ.get("COOP_STATE_DIR") or ROOT / "state").resolve()

    @property
    def conf(self) -> Path:
        return self.run / "supervisord.conf"


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        sys.exit("未找到 nginx：请用 ./serve.sh 启动（会安装 Debian 的 nginx）/ nginx not found: start with ./serve.sh, "
                 "which installs Debian's nginx")
    return found


def _worker_user() -> tuple[str, int | None, int | None]:
    """nginx's `user` line: as root, its workers run as www-data (or nobody); otherwise as we are."""
    if os.geteuid() != 0:
        return "", None, None
    for name in ("www-data", "nobody"):
        try:
            entry = pwd.getpwnam(name)
            return f"user {name};", entry.pw_uid, entry.pw_gid
        except KeyError:
            continue
    return "", None, None


def proxy_secret(state: Path) -> str:
    """The proxy's proof for the replicas (proxy mode): $COOP_PROXY_SECRET, else state/proxy.key, made on
    first use exactly as coopdash/auth/tokens.py makes it (64 hex characters, mode 0600, linked into place
    so that two starters agree)."""
    env = os.environ.get("COOP_PROXY_SECRET", "").strip()
    if env:
        return env
    path = state / PROXY_KEY
    if not path.exists():
        state.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{PROXY_KEY}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_hex(32).encode("ascii"))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


def proxy_secret_header() -> str:
    auth = tomllib.loads(CONFIG.read_text(encoding="utf-8")).get("auth", {})
    return str(auth.get("proxy_secret_header", "X-Coop-Proxy-Secret"))


def render(plan: Plan) -> None:
    """Write the run folder: nginx.conf, upstreams.conf (every replica down until it is healthy),
    supervisord.conf, plan.json."""
    run = plan.run
    for sub in ("logs", "nginx-tmp"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    user, uid, gid = _worker_user()
    if uid is not None:  # the workers write request bodies there
        os.chown(run / "nginx-tmp", uid, gid)
    mime = MIME_TYPES if MIME_TYPES.exists() else run / "mime.types"
    if not MIME_TYPES.exists():
        mime.write_text("types { text/html html; text/css css; application/javascript js; image/png png; "
                        "image/svg+xml svg; application/json json; font/woff2 woff2; }\n")
    text = TEMPLATE.read_text(encoding="utf-8")
    header = proxy_secret_header()
    proof = f'proxy_set_header {header} "{proxy_secret(plan.state)}";' if header else "# no proxy secret configured"
    for key, value in {"@PROXY_SECRET@": proof, "@USER@": user, "@RUN@": str(run), "@MIME_TYPES@": str(mime),
                       "@LISTEN@": str(plan.port), "@ROUTES@": upstreams.routes(list(plan.replicas))}.items():
        text = text.replace(key, value)
    upstreams.write_atomic(run / "nginx.conf", text)
    os.chmod(run / "nginx.conf", 0o600)  # it holds the proxy secret (nginx's master reads it as root or as us)
    upstreams.write_atomic(run / "upstreams.conf", upstreams.render(list(plan.replicas), set()))
    (run / "health.json").unlink(missing_ok=True)
    upstreams.write_atomic(run / "plan.json", json.dumps({"port": plan.port, "replicas": list(plan.replicas)}))
    upstreams.write_atomic(plan.conf, supervisord_conf(plan))


def supervisord_conf(plan: Plan) -> str:
    run, py = plan.run, sys.executable
    text = f"""; written by deploy/serve.py — N replicas, the health check and nginx
[supervisord]
nodaemon = true
logfile = {run}/logs/supervisord.log
pidfile = {run}/supervisord.pid
childlogdir = {run}/logs

[unix_http_server]
file = {run}/supervisor.sock
chmod = 0700

[supervisorctl]
serverurl = unix://{run}/supervisor.sock

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
"""
    for port in plan.replicas:
        text += f"""
[program:replica-{port}]
command = {py} -m streamlit run server.py --server.port {port} --server.address 127.0.0.1 --server.headless true
directory = {ROOT}
priority = 100
autorestart = true
startsecs = 2
startretries = 20
stopasgroup = true
killasgroup = true
stopwaitsecs = 10
redirect_stderr = true
stdout_logfile = {run}/logs/replica-{port}.log
stdout_logfile_maxbytes = 10MB
"""
    text += f"""
[program:upstreams]
command = {py} -m deploy.upstreams {run}
directory = {ROOT}
priority = 200
autorestart = true
startsecs = 1
redirect_stderr = true
stdout_logfile = {run}/logs/upstreams.log
stdout_logfile_maxbytes = 1MB

[program:nginx]
command = {nginx_binary()} -p {run} -c {run}/nginx.conf -g "daemon off;"
priority = 300
autorestart = true
startsecs = 1
; fast shutdown: a graceful one (QUIT) would wait for every open websocket, hours; the browsers reconnect
stopsignal = TERM
stopwaitsecs = 10
redirect_stderr = true
stdout_logfile = {run}/logs/nginx.log
stdout_logfile_maxbytes = 1MB
"""
    return text


def ctl(plan: Plan, *args: str) -> subprocess.CompletedProcess:
    """supervisorctl on the run folder's socket."""
    return subprocess.run([sys.executable, "-m", "supervisor.supervisorctl", "-c", str(plan.conf), *args],
                          capture_output=True, text=True)


def health(plan: Plan) -> dict:
    """What deploy/upstreams.py saw last: {"up": [ports], …} (empty before its first check)."""
    try:
        return json.loads((plan.run / "health.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def pid(plan: Plan, program: str) -> int:
    """The pid supervisord has for `program` (replica-<port>, nginx, upstreams); 0 when not running."""
    out = ctl(plan, "pid", program).stdout.strip()
    return int(out) if out.isdigit() else 0


@contextlib.contextmanager
def running(plan: Plan, env: dict | None = None, timeout: float = 180, log: Path | None = None) -> Iterator[Plan]:
    """The whole deployment, started in a process of its own, until every replica is healthy and nginx
    answers; stopped (everything it started) on the way out."""
    out = open(log or plan.run.parent / f"serve-{plan.port}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "deploy.serve", "start"], cwd=ROOT, stdout=out,
                            stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {}), "PORT": str(plan.port), "REPLICAS": str(len(plan.replicas)),
                                 "REPLICA_PORT": str(plan.replicas[0]), "COOP_RUN_DIR": str(plan.run)})
    try:
        t0 = time.monotonic()
        while not (set(health(plan).get("up", ())) == set(plan.replicas) and _answers(plan.port)):
            if proc.poll() is not None or time.monotonic() - t0 > timeout:
                raise RuntimeError(f"the deployment did not start: {out.name}\n"
                                   + Path(out.name).read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        yield plan
    finally:
        proc.terminate()  # supervisord stops its programs, then itself
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        out.close()


def _answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    command = args[0] if args else "start"
    plan = Plan.from_env()
    if command == "start":
        if (plan.run / "supervisor.sock").exists() and ctl(plan, "pid").returncode == 0:
            sys.exit(f"已在运行 / already running ({plan.run}); stop it with ./serve.sh stop")
        render(plan)
        print(f"看板 / dashboard: http://localhost:{plan.port}  ({len(plan.replicas)} replicas on "
              f"{plan.replicas[0]}–{plan.replicas[-1]}, nginx, supervisord; run folder {plan.run})", file=sys.stderr,
              flush=True)
        os.execv(sys.executable, [sys.executable, "-m", "supervisor.supervisord", "-c", str(plan.conf)])
    elif command == "stop":
        done = ctl(plan, "shutdown")
        print(done.stdout.strip() or done.stderr.strip() or "stopped")
    elif command == "status":
        print(ctl(plan, "status").stdout.rstrip())
        print("health:", json.dumps(health(plan)))
    else:
        sys.exit("usage: python -m deploy.serve [start|stop|status]")


if __name__ == "__main__":
    main()
