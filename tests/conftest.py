"""Shared test settings: hypothesis runs are seeded so CI is repeatable, and "today" is pinned.

The catalog's prices were last reviewed on 2026-12-05; a model the catalog says shuts
down later (gpt-5 on 2026-12-11) must not make the suite fail next week. Tests that
exercise the system date set ``XLCOST_TODAY`` themselves (monkeypatch).
"""

import os

os.environ.setdefault("XLCOST_TODAY", "2026-12-05")  # before any test imports xlcost; subprocesses inherit it

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "xlcost",
    derandomize=True,  # same examples every run: a CI failure reproduces locally
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "xlcost"))


@pytest.fixture(scope="session")
def built_workbooks(tmp_path_factory):
    """The folder holding the shipped workbooks, built once per session (``xlcost build`` costs seconds).

    Read only: a test that edits a workbook saves its copy in a folder of its own.
    """
    from xlcost.workbook import build_all

    out = tmp_path_factory.mktemp("built")
    build_all(out)
    return out
