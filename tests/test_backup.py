"""Running it for years (issue 24): `python -m coopdash.backup create` → `restore` on an empty state folder and
a new dataset path gives the same figures, the same accounts (signing in works, a signed-in session stays
signed in: the cookie key came along) and the audit trail; a damaged archive or an occupied state folder
is refused with nothing changed; versions are pruned by [retention], never the current one, audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import sys
import tarfile

import pytest

from coopdash import ROOT, backup
from coopdash.auth.accounts import Accounts
from coopdash.data import db
from coopdash.data.contract import TABLES
from coopdash.data.errors import Refused
from coopdash.data.settings import settings
from ingest import store
from tests.fixture_data import write_fixture

PASSWORD = "correct-horse-1"


@pytest.fixture
def installed(tmp_path):
    """A running installation: a versioned dataset (v0001), accounts, a session, an audit trail."""
    dataset = write_fixture(tmp_path / "srv" / "longtan")
    store.adopt_plain_folder(dataset)
    store.point_to(dataset, store.versions(dataset)[0])
    state = tmp_path / "state"
    accounts = Accounts(state)
    accounts.add("adm", "admin", (), PASSWORD, "test")
    accounts.add("s2", "street", ("S2",), PASSWORD, "adm")
    _, token = accounts.login("s2", PASSWORD, "10.0.0.7")
    accounts.audit("s2", "street", "10.0.0.7", "page_view", {"page": "overview", "filters": {"street": ["S2"]}})
    return dataset, state, token


def tables(folder) -> dict[str, list]:
    con = db.open_dataset(folder)
    return {t.name: con.execute(f'SELECT * FROM "{t.name}" ORDER BY ALL').fetchall() for t in TABLES}


def test_backup_then_restore_on_a_fresh_machine_gives_the_same_figures_and_accounts(installed, tmp_path):
    dataset, state, token = installed
    archive = tmp_path / "backups" / "coopdash-2026-12.tar"
    done = subprocess.run([sys.executable, "-m", "coopdash.backup", "create", str(archive)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**__import__("os").environ, "COOP_STATE_DIR": str(state), "COOP_DATA_DIR": str(dataset)})
    assert done.returncode == 0, done.stderr
    assert (archive.stat().st_mode & 0o777) == 0o600
    manifest = json.loads(tarfile.open(archive).extractfile("manifest.json").read())
    assert manifest["version"] == "v0001" and manifest["audit_rows"] == 4  # add ×2, login_ok, page_view
    assert {"state/accounts.sqlite3", "state/secret.key", "dataset/streets.parquet"} <= set(manifest["files"])

    new_state, new_dataset = tmp_path / "fresh" / "state", tmp_path / "fresh" / "srv" / "longtan"
    backup.restore(archive, new_state, new_dataset, by="test")
    assert new_dataset.is_symlink() and store.current(new_dataset).name == "v0001"
    assert [v.name for v in store.versions(new_dataset)] == ["v0001"]  # a dataset ingest can publish on
    # the same figures: every table row for row, and a named query's value worked by hand
    assert tables(new_dataset) == tables(dataset)
    con = db.open_dataset(new_dataset)
    resolved = con.execute("SELECT count(*) FROM service_orders WHERE status = 'resolved'").fetchone()[0]
    assert resolved == 5  # tests/fixture_data.py: O1 O2 O3 O5 O7
    # the same accounts: sign-in works, and the session signed in before the backup is still one
    restored = Accounts(new_state)
    assert restored.login("adm", PASSWORD)[0].role == "admin"
    assert restored.session(token).name == "s2" and restored.session(token).streets == ("S2",)
    assert (new_state / "secret.key").read_bytes() == (state / "secret.key").read_bytes()
    actions = [r["action"] for r in reversed(restored.audit_rows())]
    assert actions[:4] == ["user_added", "user_added", "login_ok", "page_view"]
    assert actions[-2:] == ["backup_restore", "login_ok"]
    assert [r["action"] for r in Accounts(state).audit_rows(action="backup_create")] == ["backup_create"]


def test_restore_refuses_an_occupied_state_folder_or_a_damaged_archive_and_changes_nothing(installed, tmp_path):
    dataset, state, _ = installed
    archive = tmp_path / "b.tar"
    backup.create(archive, state, dataset)
    before = (state / "accounts.sqlite3").read_bytes()
    with pytest.raises(Refused, match="accounts database"):
        backup.restore(archive, state, tmp_path / "other" / "longtan")
    assert (state / "accounts.sqlite3").read_bytes() == before and not (tmp_path / "other" / "longtan").exists()
    # one byte of a table changed inside the archive
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "dataset/streets.parquet":
                data = data[:100] + bytes([data[100] ^ 1]) + data[101:]
            member.size = len(data)
            dst.addfile(member, __import__("io").BytesIO(data))
    fresh = tmp_path / "fresh"
    with pytest.raises(Refused, match="checksum"):
        backup.restore(damaged, fresh / "state", fresh / "srv" / "longtan")
    assert not (fresh / "state" / "accounts.sqlite3").exists()
    assert not (fresh / "srv" / "longtan").exists() and not any((fresh / "srv").glob(".longtan.versions/v*"))


def test_versions_are_pruned_by_the_policy_never_the_current_one_and_audited(installed, monkeypatch):
    dataset, state, _ = installed
    now = dt.datetime(2026, 12, 1, 12, 0).timestamp()
    first = store.versions(dataset)[0]
    ages = {"v0001": 200, "v0002": 150, "v0003": 30, "v0004": 95, "v0005": 10}  # days before `now`
    for name, days in ages.items():
        folder = first.parent / name
        if name != "v0001":
            shutil.copytree(first, folder)
        at = dt.datetime.fromtimestamp(now) - dt.timedelta(days=days)
        (folder / "_ingest" / "summary.json").write_text(json.dumps({"version": name, "ingested_at": at.isoformat()}))
    store.point_to(dataset, first.parent / "v0002")  # a rollback: the current one is old
    policy = dataclasses.replace(settings(), keep_versions=2, keep_days=90)
    monkeypatch.setattr(backup, "settings", lambda: policy)
    # the newest 2 (v0004, v0005) stay; v0003 is younger than 90 days; v0002 is current; v0001 goes
    assert backup.prune(dataset, state, dry_run=True, now=now) == ["v0001"]
    assert [v.name for v in store.versions(dataset)] == list(ages)  # a dry run removes nothing
    assert backup.prune(dataset, state, by="cron", now=now) == ["v0001"]
    assert [v.name for v in store.versions(dataset)] == ["v0002", "v0003", "v0004", "v0005"]
    assert store.current(dataset).name == "v0002" and tables(dataset)  # still readable
    row, = Accounts(state).audit_rows(action="dataset_prune")
    assert row["user"] == "cron" and row["details"]["removed"] == ["v0001"] and row["details"]["current"] == "v0002"
    assert backup.prune(dataset, state, now=now + 365 * 86400) == ["v0003"]  # a year on: only the newest 2 and current
