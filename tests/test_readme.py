"""Every command in README.md runs somewhere: here, or in the test or script named for it.

The ``$ xlcost ...`` examples run here and must print what the README shows; the
Python examples run as doctests; every other shell block must be one that
``tests/_readme.py`` names a runner for (the install steps in tests/test_install.py, the
test command in .ci/run, the server steps in tests/_xlwings_server.py).
"""

import contextlib
import doctest
import io
import re
import shlex
from pathlib import Path

import pytest

import _readme
from _xlwings_server import CUSTOM_FUNCTIONS
from xlcost.cli import main

ROOT = Path(__file__).resolve().parents[1]
TEXT = _readme.README.read_text(encoding="utf-8")


def _examples():
    """(command line, the output lines the README shows under it) for every ``$`` line."""
    found = []
    for text in _readme.sh_blocks(TEXT):
        if not text.startswith("$ "):
            continue
        for line in text.splitlines():
            if line.startswith("$ "):
                found.append((line[2:], []))
            else:
                found[-1][1].append(line)
    return found


def test_every_shell_block_is_run_by_a_test_or_a_script():
    unclaimed = [b for b in _readme.sh_blocks(TEXT) if not b.startswith("$ ") and b not in _readme.RUN_BY]
    assert not unclaimed, f"README blocks no test runs (add them to tests/_readme.py with their runner): {unclaimed}"
    examples = [b for b in _readme.sh_blocks(TEXT) if b.startswith("$ ")]
    assert all(line.startswith(("$ xlcost ", "  ")) or not line.startswith("$")
               for b in examples for line in b.splitlines())


def test_ci_runs_exactly_the_readme_test_command():
    _readme.block(_readme.TEST_COMMAND)
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    assert _readme.TEST_COMMAND in lines


def test_the_server_steps_are_the_ones_the_server_tests_take():
    steps = _readme.block(_readme.SERVER)
    assert "xlwings-server init xlcost-server" in steps
    assert f'echo "{CUSTOM_FUNCTIONS.strip()}" > xlcost-server/custom_functions/__init__.py' in steps


@pytest.mark.parametrize(("command", "shown"), _examples(), ids=[c for c, _ in _examples()])
def test_each_command_line_example_prints_what_the_readme_shows(command, shown):
    argv = shlex.split(command)
    assert argv[0] == "xlcost"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = main(argv[1:])
    assert status == 0
    printed = out.getvalue().splitlines()
    if shown:
        assert printed == shown
    else:
        assert printed  # a listing the README does not reproduce


def test_the_python_examples_run_as_shown():
    blocks = re.findall(r"^```python\n(.*?)^```", TEXT, re.M | re.S)
    assert blocks
    parser, runner = doctest.DocTestParser(), doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for number, block in enumerate(blocks):
        test = parser.get_doctest(block, {}, f"README.md python block {number + 1}", str(_readme.README), 0)
        assert test.examples
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_no_instruction_installs_xlcost_from_pypi():
    # xlcost is not on PyPI: "pip install xlcost" (or xlcost[extra]) fails at the first step
    from_pypi = re.compile(r"pip install\s+[\"']?xlcost(?![-\w.])")
    found = []
    for path in [_readme.README, *ROOT.glob("docs/*.md"), *ROOT.glob("templates/*.toml"), *ROOT.glob("xlcost/**/*.py")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if from_pypi.search(line) and "finds nothing" not in line:
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, found
