"""LibreOffice headless for the workbook tests: recalculate xlsx files in one process start.

Each start of soffice costs seconds, so callers pass every file at once
(``xlcost.recalc`` does the work; this adds the skip-or-fail rule for tests).
"""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from xlcost import recalc

ERRORS = ("#DIV/0!", "#NAME?", "#VALUE!", "#REF!", "#N/A", "#NUM!", "#NULL!", "Err:", "#ERR")


def soffice():
    """Path of soffice, or skip (fail in CI) when LibreOffice is not installed."""
    path = recalc.soffice_path()
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail("LibreOffice (soffice) is required in CI for the headless workbook tests")
    pytest.skip("LibreOffice (soffice) is not installed: headless recalculation tests skipped (they run in CI)")


def recalculate(paths, out_dir, starts=1):
    """Recalculate ``paths`` with LibreOffice (skipped, or failed in CI, without it); {input: output}.

    ``starts`` soffice processes share the files, each with its own profile, all at once: LibreOffice
    computes on about one core, so two starts use both cores of a two-core machine.
    """
    soffice()
    paths = list(paths)
    groups = [paths[i::starts] for i in range(starts) if paths[i::starts]]
    with ThreadPoolExecutor(len(groups)) as pool:
        done = pool.map(lambda group: recalc.recalculate(group, out_dir), groups)
        return {path: out for outputs in done for path, out in outputs.items()}


def is_error(value):
    return isinstance(value, str) and value.startswith(ERRORS)
