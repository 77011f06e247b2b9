"""Fixtures for monitoring: a known population as at a fixed moment (time-machine)."""

import datetime
import zoneinfo

import pytest
import time_machine

IST = zoneinfo.ZoneInfo("Asia/Kolkata")
# A Saturday in the fortnight 16–30 November 2026, at noon in India.
NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=IST)


@pytest.fixture
def at_now():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def population(at_now, system, make_user, users):
    from .population import build

    return build(now=NOW, system=system, make_user=make_user, users=users)


@pytest.fixture(autouse=True)
def _no_remembered_counts():
    from ..statewide import _LOOKED, _MARKED, _STATEWIDE

    for kept in (_STATEWIDE, _MARKED, _LOOKED):
        kept.clear()
    yield
    for kept in (_STATEWIDE, _MARKED, _LOOKED):
        kept.clear()
