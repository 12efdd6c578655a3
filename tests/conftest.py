import datetime as dt

import pytest

from coopdash import db
from coopdash.settings import DEFAULT_DATA_DIR, settings

from tests.fixture_data import write_fixture

LAUNCH = dt.date(2023, 4, 1)
REPORT = dt.date(2023, 11, 30)


@pytest.fixture(scope="session")
def fixture_dir(tmp_path_factory):
    return write_fixture(tmp_path_factory.mktemp("fixture") / "dataset")


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
