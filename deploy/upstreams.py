"""python -m deploy.upstreams RUN: the replicas' health check, for nginx (open-source nginx checks its
upstreams passively only: it notices a dead replica when a request to it fails, and never a hung one).

Every second it asks each replica's `/_stcore/health` (1 s time-out). A replica that answers "ok" is
up; one that fails twice running is down (a refused connection once: nothing listens there). A replica
reports healthy only once it has warmed up (coopdash/app/warmup.py). When the set changes it rewrites
RUN/upstreams.conf (a replica that is down is marked `down`, so nginx sends it no new session) and
reloads nginx (SIGHUP: open websockets stay on the old workers until they close). RUN/health.json says
what it saw last, for `serve.py status`, the tests and the benchmarks. Runs under supervisord beside the
replicas and nginx (deploy/serve.py).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

INTERVAL = 1.0
TIMEOUT = 1.0
FALL = 2  # failed checks in a row before a replica is taken out (1 when the connection is refused)


def render(ports: list[int], up: set[int]) -> str:
    """upstreams.conf for `ports`, the ones not in `up` marked down (see deploy/nginx.conf)."""
    def server(port: int, extra: str = "") -> str:
        state = "" if port in up else " down"
        return f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=2s{extra}{state};\n"

    text = f"# written by deploy/upstreams.py: up {sorted(up) or 'none'}, down {sorted(set(ports) - up) or 'none'}\n"
    text += "upstream coop_any {\n    least_conn;\n" + "".join(server(p) for p in ports) + "    keepalive 16;\n}\n"
    for port in ports:
        text += (f"upstream coop_r{port} {{\n" + server(port)
                 + "".join(server(other, " backup") for other in ports if other != port) + "    keepalive 16;\n}\n")
    return text


def routes(ports: list[int]) -> str:
    """The cookie → upstream lines of nginx.conf's map."""
    return "\n".join(f'        "{p}" coop_r{p};' for p in ports)


def write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def check(port: int) -> tuple[bool, bool]:
    """(healthy, refused): refused means nothing listens on the port."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=TIMEOUT) as r:
            return r.status == 200 and r.read().strip() == b"ok", False
    except urllib.error.HTTPError:
        return False, False  # 503 while warming up
    except urllib.error.URLError as exc:
        return False, isinstance(exc.reason, ConnectionRefusedError)
    except OSError:  # time-out: a hung replica
        return False, False


def reload_nginx(run: Path) -> bool:
    try:
        os.kill(int((run / "nginx.pid").read_text().strip()), signal.SIGHUP)
        return True
    except (OSError, ValueError):
        return False  # not started yet: it reads upstreams.conf when it starts


def main(argv: list[str] | None = None) -> None:
    run = Path((argv or sys.argv[1:])[0])
    ports = json.loads((run / "plan.json").read_text(encoding="utf-8"))["replicas"]
    up: set[int] = set()
    fails = {p: 0 for p in ports}
    while True:
        t0 = time.monotonic()
        now_up = set(up)
        for port in ports:
            healthy, refused = check(port)
            fails[port] = 0 if healthy else fails[port] + (FALL if refused else 1)
            if healthy:
                now_up.add(port)
            elif fails[port] >= FALL:
                now_up.discard(port)
        if now_up != up or not (run / "upstreams.conf").exists():
            write_atomic(run / "upstreams.conf", render(ports, now_up))
            reloaded = reload_nginx(run)
            print(f"{time.strftime('%H:%M:%S')} up {sorted(now_up)} down {sorted(set(ports) - now_up)}"
                  f"{' (nginx reloaded)' if reloaded else ''}", flush=True)
            up = now_up
        write_atomic(run / "health.json", json.dumps({"at": time.time(), "up": sorted(up), "fails": fails}))
        time.sleep(max(0.0, INTERVAL - (time.monotonic() - t0)))


if __name__ == "__main__":
    main()
