"""python -m deploy.upstreams RUN: the replicas' health check, for nginx (open-source nginx checks its
upstreams passively only: it notices a dead replica when a request to it fails, and never a hung one).

Every second it asks every replica's `/_stcore/health` at once (2 s time-out). A replica that answers
"ok" is up. One that refuses the connection (nothing listens: it died) is down at once; one that answers
otherwise (503 while it warms up: coopdash/app/warmup.py) or does not answer in time is down after two
checks in a row: a hung replica. But a time-out is also what a replica busy with a hundred sessions looks
like, so replicas that only time out are never all taken out together: when none would be left, the
ones that merely timed out stay in (nginx's own passive checks still skip one that fails a request).

When the set changes it rewrites RUN/upstreams.conf (a replica that is down is marked `down`, so nginx
sends it no new session) and reloads nginx (SIGHUP: open websockets stay on the old workers until they
close). RUN/health.json says what it saw last, for `serve.py status`, the tests and the benchmarks. Runs
under supervisord beside the replicas and nginx (deploy/serve.py).
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

INTERVAL = 1.0
TIMEOUT = 2.0
FALL = 2  # failed checks in a row before a replica is taken out (at once when the connection is refused)
OK, REFUSED, FAILED, TIMED_OUT = "ok", "refused", "failed", "timed out"


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


def check(port: int) -> str:
    """OK, REFUSED (nothing listens: the replica died), FAILED (an answer other than "ok": warming up)
    or TIMED_OUT (hung, or very busy)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=TIMEOUT) as r:
            return OK if r.status == 200 and r.read().strip() == b"ok" else FAILED
    except urllib.error.HTTPError:
        return FAILED  # 503 while warming up
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ConnectionRefusedError):
            return REFUSED
        return TIMED_OUT if isinstance(exc.reason, TimeoutError) else FAILED
    except TimeoutError:
        return TIMED_OUT
    except OSError:
        return FAILED


def decide(up: set[int], results: dict[int, str], fails: dict[int, int]) -> tuple[set[int], dict[int, int]]:
    """The replicas up after this round of checks, and each one's failures in a row (see the module)."""
    fails = {p: 0 if r == OK else fails.get(p, 0) + (FALL if r == REFUSED else 1) for p, r in results.items()}
    now_up = {p for p in results if results[p] == OK or (p in up and fails[p] < FALL)}
    if not now_up:  # nobody left: the busy ones (time-outs only) stay
        now_up = {p for p in up if results[p] == TIMED_OUT}
    return now_up, fails


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
    fails: dict[int, int] = {}
    with ThreadPoolExecutor(len(ports)) as pool:  # every replica at once: one hung replica delays no other
        while True:
            t0 = time.monotonic()
            results = dict(zip(ports, pool.map(check, ports)))
            now_up, fails = decide(up, results, fails)
            if now_up != up or not (run / "upstreams.conf").exists():
                write_atomic(run / "upstreams.conf", render(ports, now_up))
                reloaded = reload_nginx(run)
                print(f"{time.strftime('%H:%M:%S')} up {sorted(now_up)} down {sorted(set(ports) - now_up)} "
                      f"({', '.join(f'{p}: {r}' for p, r in results.items())})"
                      f"{'; nginx reloaded' if reloaded else ''}", flush=True)
                up = now_up
            write_atomic(run / "health.json", json.dumps({"at": time.time(), "up": sorted(up), "last": results,
                                                         "fails": fails}))
            time.sleep(max(0.0, INTERVAL - (time.monotonic() - t0)))


if __name__ == "__main__":
    main()
