"""The README's shell blocks, and which test or script runs each one.

Every fenced ``sh`` block of README.md is either a block of ``$ xlcost ...`` examples
with their output (tests/test_readme.py runs them and compares), or one of the blocks
below, each run by the test or script named beside it. tests/test_readme.py fails on
a block that is in neither group, so a new README command comes with its test.
"""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"

QUICK_START = "python3 -m venv .venv && .venv/bin/pip install -q . && .venv/bin/xlcost build"
TEST_COMMAND = 'python3 -m venv .venv && .venv/bin/pip install -q -e ".[test]" && .venv/bin/python -m pytest'
WHEEL_BUILD = ".venv/bin/pip wheel -q --no-deps -w dist ."
WHEEL_INSTALL = """python3 -m venv xlcost-env && xlcost-env/bin/pip install -q xlcost-0.1.0-py3-none-any.whl
xlcost-env/bin/xlcost build --out workbooks
xlcost-env/bin/xlcost build --templates my_templates --out my_workbooks"""
SERVER = """pip install xlwings-server xlcost-0.1.0-py3-none-any.whl
xlwings-server init xlcost-server
echo "from xlcost.udfs import *" > xlcost-server/custom_functions/__init__.py"""
BENCHMARKS = (
    'python3 -m venv .venv && .venv/bin/pip install -q -e ".[bench]" && .venv/bin/python benchmarks/run.py'
)

RUN_BY = {
    QUICK_START: "tests/test_install.py, in a copy of the sources (the sdist)",
    TEST_COMMAND: ".ci/run, in CI",
    WHEEL_BUILD: "tests/test_install.py",
    WHEEL_INSTALL: "tests/test_install.py",
    SERVER: "tests/_xlwings_server.py: init and the custom_functions line; the packages come from the test extra",
    BENCHMARKS: "benchmarks/run.py itself (about 2 minutes; prints, never asserts)",
}


def sh_blocks(text=None):
    """The text of every ```sh block of the README, dedented, without the fences."""
    text = README.read_text(encoding="utf-8") if text is None else text
    blocks = []
    for match in re.finditer(r"^( *)```sh\n(.*?)^\1```", text, re.M | re.S):
        indent = len(match.group(1))
        blocks.append("\n".join(line[indent:] for line in match.group(2).rstrip("\n").splitlines()))
    return blocks


def block(text):
    """The README block equal to ``text``; fails if the README no longer has it."""
    if text not in sh_blocks():
        raise AssertionError(f"README.md has no sh block reading:\n{text}")
    return text
