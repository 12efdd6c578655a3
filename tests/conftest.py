import datetime as dt
import os
import shutil
import tempfile

import pytest

from coopdash.data import db, rollups
from coopdash.data.settings import DEFAULT_DATA_DIR, settings
from coopdash.synth import citygen
from tests.fixture_data import write_fixture

# Every test runs with sign-in off and its own state folder (accounts, audit trail, signing key), never the
# repo's state/; the tests of accounts and roles switch COOP_AUTH themselves. Set before any server or
# AppTest starts, so the servers the tests start inherit it.
os.environ["COOP_AUTH"] = "none"
os.environ["COOP_STATE_DIR"] = tempfile.mkdtemp(prefix="coopdash-test-state-")

# The report window the fixture's figures are worked by hand for (tests/fixture_data.py): data, not
# config. What the app is configured with is settings().launch and settings().report_date.
LAUNCH = dt.date(2023, 4, 1)
REPORT = dt.date(2023, 11, 30)
CITY_ORDERS, CITY_SEED = 20_000, 5


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory):
    return write_fixture(tmp_path_factory.mktemp("fixture") / "dataset")


@pytest.fixture(scope="session")
def city(tmp_path_factory):
    """A small city-scale dataset (coopdash.citygen, CITY_ORDERS orders) with its rollups. Shared by
    several modules: copy it before changing it."""
    out = tmp_path_factory.mktemp("city") / "dataset"
    citygen.write(CITY_ORDERS, out, seed=CITY_SEED)
    return out


@pytest.fixture(scope="session")
def city_bare(city, tmp_path_factory):
    """The same dataset without its rollup files: db.open_dataset builds them in memory."""
    out = tmp_path_factory.mktemp("city_bare") / "dataset"
    shutil.copytree(city, out, ignore=shutil.ignore_patterns(rollups.FOLDER))
    return out


@pytest.fixture(scope="session")
def fixture_con(fixture_dir):
    return db.open_dataset(fixture_dir)


@pytest.fixture(scope="session")
def demo_con():
    return db.open_dataset(DEFAULT_DATA_DIR)


def params(start=LAUNCH, end=REPORT, streets=(), communities=(), **extra):
    """The shared filter parameters, plus any page-specific ones (e.g. month_start=...)."""
    return {"start": start, "end": end, "streets": list(streets), "communities": list(communities),
            "launch": settings().launch, **extra}


@pytest.fixture
def q(fixture_con):
    """q(name, **overrides) → the first row of a named query on the fixture, as a dict."""
    def run(name, **kw):
        return db.execute(fixture_con, name, params(**kw))
    return run


@pytest.fixture
def captured(monkeypatch):
    """The bytes every download button would serve, by file name (deferred data is generated)."""
    from streamlit.delta_generator import DeltaGenerator
    files: dict[str, bytes] = {}
    real = DeltaGenerator.download_button

    def capture(self, label, data, file_name=None, *args, **kwargs):
        files[file_name] = data() if callable(data) else data
        return real(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", capture)
    return files
