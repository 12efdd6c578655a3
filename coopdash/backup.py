"""备份、恢复与数据集版本清理 / Backup, restore and pruning dataset versions: python -m coopdash.backup

  create ARCHIVE.tar            一个归档：账号与审计库（SQLite 在线备份）、cookie 签名密钥与代理密钥、当前数据集版本
                                one archive: the accounts and audit database (SQLite's online backup API, safe
                                while the servers run), the cookie-signing and proxy keys, the current dataset
                                version (its tables, rollups and _ingest/ records), and a manifest with a SHA-256
                                of every member
  restore ARCHIVE.tar           到一个新的状态目录（COOP_STATE_DIR，不得已有账号库）和新的数据集路径（COOP_DATA_DIR，
                                不得已存在）；先核对每个文件的 SHA-256，再整体改名就位
                                onto a fresh state folder (no accounts database yet) and a dataset path that does
                                not exist yet; every member is checked against the manifest first, then moved into
                                place by renames, so a failed restore leaves nothing behind
  prune [--dry-run]             按 [retention] 删除旧版本：保留最近 keep_versions 个及 keep_days 天内的版本，当前版本
                                永不删除；每次删除记入审计 / drop dataset versions by [retention]: the last
                                keep_versions and any younger than keep_days are kept, the current one always;
                                every prune is audited

退出码 / exit code: 0 成功 / done, 1 拒绝 / refused（原因以中英文写到标准错误 / reasons on stderr）。
No Streamlit here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import hashlib
import io
import json
import os
import shutil
import sqlite3
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from coopdash.auth import tokens
from coopdash.auth.accounts import DB_NAME, Accounts
from coopdash.data.errors import CoopError, Refused
from coopdash.data.files import META
from coopdash.data.settings import data_dir, settings, state_dir

MANIFEST = "manifest.json"
FORMAT = 1
KEYS = (tokens.KEY_FILE, tokens.PROXY_KEY_FILE)


def actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (OSError, KeyError):
        return f"cli:{os.getuid()}"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def versions_dir(dataset: Path) -> Path:
    """Where ingest keeps a dataset's versions (ingest/store.py: `.<name>.versions/`)."""
    return dataset.parent / f".{dataset.name}.versions"


# ------------------------------------------------------------------------------------------- create
def create(archive: Path, state: Path | None = None, dataset: Path | None = None, by: str = "") -> dict:
    """Write the archive (a temporary file renamed into place); returns its manifest."""
    state = Path(state or state_dir())
    dataset = Path(dataset or data_dir())
    db = state / DB_NAME
    if not db.is_file():
        raise Refused(f"状态目录中没有账号库：{db}", f"no accounts database in the state folder: {db}")
    source = Path(os.path.realpath(dataset))
    if not source.is_dir():
        raise Refused(f"数据集不存在：{dataset}", f"the dataset does not exist: {dataset}")
    archive = Path(archive)
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".coop-backup-", dir=archive.parent) as tmp:
        copy = Path(tmp) / DB_NAME
        src = sqlite3.connect(db)
        dst = sqlite3.connect(copy)
        try:
            src.backup(dst)  # SQLite's online backup: a consistent copy while other processes write
        finally:
            dst.close()
            src.close()
        members: dict[str, Path] = {f"state/{DB_NAME}": copy}
        tokens.secret(state)  # the cookie key exists (made now if it never was)
        for key in KEYS:
            if (state / key).is_file():
                members[f"state/{key}"] = state / key
        for path in sorted(source.rglob("*")):
            if path.is_file():
                members[f"dataset/{path.relative_to(source).as_posix()}"] = path
        audit_rows = sqlite3.connect(copy).execute("SELECT count(*) FROM audit").fetchone()[0]
        manifest = {"format": FORMAT, "created_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
                    "by": by, "dataset_name": dataset.name, "version": source.name, "audit_rows": audit_rows,
                    "files": {name: {"sha256": _sha256(path), "size": path.stat().st_size}
                              for name, path in members.items()}}
        part = archive.with_name(f".{archive.name}.{os.getpid()}.part")
        with tarfile.open(part, "w") as tar:
            data = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
            tar.addfile(info, io.BytesIO(data))
            for name, path in members.items():
                tar.add(path, arcname=name, recursive=False)
        os.chmod(part, 0o600)  # it holds the keys and every account's hash
        os.replace(part, archive)
    Accounts(state).audit(by or actor(), "", "", "backup_create",
                          {"archive": str(archive), "version": manifest["version"], "files": len(manifest["files"])})
    return manifest


# ------------------------------------------------------------------------------------------ restore
def restore(archive: Path, state: Path | None = None, dataset: Path | None = None, by: str = "") -> dict:
    """Restore onto a fresh state folder and a new dataset path; nothing is changed when refused."""
    state = Path(state or state_dir())
    dataset = Path(dataset or data_dir())
    if (state / DB_NAME).exists():
        raise Refused(f"状态目录已有账号库，不覆盖：{state / DB_NAME}（请恢复到新的状态目录）",
                      f"the state folder already has an accounts database, not overwritten: {state / DB_NAME} "
                      "(restore onto a fresh state folder)")
    if dataset.exists() or dataset.is_symlink():
        raise Refused(f"数据集路径已存在，不覆盖：{dataset}", f"the dataset path already exists, not overwritten: {dataset}")
    dataset.parent.mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True, mode=0o700)
    with tempfile.TemporaryDirectory(prefix=".coop-restore-", dir=dataset.parent) as tmp, \
            tarfile.open(archive, "r") as tar:
        tmp_path = Path(tmp)
        try:
            manifest = json.loads(tar.extractfile(MANIFEST).read().decode("utf-8"))
        except (KeyError, AttributeError, ValueError):
            raise Refused("不是本看板的备份归档（缺少 manifest.json）",
                          "not a backup archive of this dashboard (no manifest.json)") from None
        if manifest.get("format") != FORMAT:
            raise Refused(f"备份格式 {manifest.get('format')} 不受支持", f"backup format {manifest.get('format')} not supported")
        names = set(manifest["files"])
        if {m.name for m in tar.getmembers()} - {MANIFEST} != names:
            raise Refused("归档内容与清单不符", "the archive's members do not match its manifest")
        tar.extractall(tmp_path, members=[m for m in tar.getmembers() if m.name in names], filter="data")
        for name, meta in manifest["files"].items():
            if _sha256(tmp_path / name) != meta["sha256"]:
                raise Refused(f"文件校验失败（已损坏或被改动）：{name}", f"checksum mismatch (damaged or altered): {name}")
        version = manifest["version"]
        # the dataset as ingest keeps it: .<name>.versions/<version>/ and the dataset path a symlink to it
        vdir = versions_dir(dataset)
        vdir.mkdir(parents=True, exist_ok=True)
        target = vdir / version
        if target.exists():
            raise Refused(f"版本文件夹已存在：{target}", f"the version folder already exists: {target}")
        os.replace(tmp_path / "dataset", target)
        if not (target / META / "COMPLETE").exists():  # a plain dataset (never ingested): now a complete version
            (target / META).mkdir(exist_ok=True)
            (target / META / "COMPLETE").write_text(version, encoding="utf-8")
        link = dataset.with_name(f".{dataset.name}.restore-link")
        link.unlink(missing_ok=True)
        os.symlink(os.path.relpath(target, dataset.parent), link)
        os.replace(link, dataset)
        for name in names:
            if name.startswith("state/"):
                dest = state / name.removeprefix("state/")
                os.replace(tmp_path / name, dest)
                os.chmod(dest, 0o600)
    Accounts(state).audit(by or actor(), "", "", "backup_restore",
                          {"archive": str(archive), "version": version, "created_at": manifest["created_at"]})
    return manifest


# -------------------------------------------------------------------------------------------- prune
def _age_days(version: Path, now: float) -> float:
    summary = version / META / "summary.json"
    try:
        at = json.loads(summary.read_text(encoding="utf-8")).get("ingested_at")
        when = dt.datetime.fromisoformat(at).timestamp() if at else None
    except (OSError, ValueError, TypeError):
        when = None
    if when is None:
        when = (version / META / "COMPLETE").stat().st_mtime if (version / META / "COMPLETE").exists() else \
            version.stat().st_mtime
    return (now - when) / 86400


def prune_plan(dataset: Path, keep_versions: int, keep_days: float, now: float | None = None) -> list[Path]:
    """The versions [retention] lets go: all but the current one, the newest `keep_versions` and those
    younger than `keep_days`."""
    now = time.time() if now is None else now
    vdir = versions_dir(dataset)
    if not vdir.is_dir():
        return []
    complete = sorted(p for p in vdir.iterdir() if p.is_dir() and p.name.startswith("v") and (p / META / "COMPLETE").exists())
    current = Path(os.path.realpath(dataset)).name if dataset.is_symlink() else None
    kept = {p.name for p in complete[-keep_versions:]} if keep_versions > 0 else set()
    return [p for p in complete if p.name != current and p.name not in kept and _age_days(p, now) >= keep_days]


def prune(dataset: Path | None = None, state: Path | None = None, dry_run: bool = False, by: str = "",
          now: float | None = None) -> list[str]:
    """Drop the versions prune_plan names (under ingest's lock, so no publish or switch runs meanwhile);
    one audit row per prune with what went. Returns their names."""
    import fcntl
    dataset = Path(dataset or data_dir())
    cfg = settings()
    lock = dataset.parent / f".{dataset.name}.lock"  # the lock ingest/store.py takes for a publish or a switch
    with open(lock, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            doomed = prune_plan(dataset, cfg.keep_versions, cfg.keep_days, now)
            if not dry_run:
                for version in doomed:
                    shutil.rmtree(version)
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
    names = [v.name for v in doomed]
    if names and not dry_run:
        Accounts(Path(state or state_dir())).audit(
            by or actor(), "", "", "dataset_prune",
            {"dataset": str(dataset), "removed": names, "keep_versions": cfg.keep_versions, "keep_days": cfg.keep_days,
             "current": Path(os.path.realpath(dataset)).name})
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coopdash.backup", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("create").add_argument("archive", type=Path)
    sub.add_parser("restore").add_argument("archive", type=Path)
    sub.add_parser("prune").add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.command == "create":
            m = create(args.archive)
            print(f"已备份 / backed up: {args.archive} (version {m['version']}, {len(m['files'])} files, "
                  f"{m['audit_rows']} audit rows)")
        elif args.command == "restore":
            m = restore(args.archive)
            print(f"已恢复 / restored: version {m['version']} of {m['created_at']} → {data_dir()}, {state_dir()}")
        else:
            names = prune(dry_run=args.dry_run)
            verb = "将删除 / would remove" if args.dry_run else "已删除 / removed"
            print(f"{verb}: {', '.join(names) or '—'}")
    except CoopError as exc:
        print(f"{exc.zh}\n{exc.en}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
