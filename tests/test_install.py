"""xlcost as users install it: the sdist and wheel, built, installed in a fresh
environment, building every workbook from another folder.

One build (``python -m build``: the sdist, then the wheel from that sdist) and one fresh
virtual environment per session; pip installs the wheel and its dependencies from its
cache, so the module takes about 15 s.
"""

import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from xlcost.workbook import build_all

ROOT = Path(__file__).resolve().parents[1]
SKIP_PARTS = {"__pycache__", ".hypothesis", ".pytest_cache"}


def _run(command, cwd, timeout=300):
    done = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(map(str, command))}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _source_files(folder, suffixes=None):
    """Files under ROOT/folder, relative to ROOT, caches left out."""
    return {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and not SKIP_PARTS & set(p.parts) and (suffixes is None or p.suffix in suffixes)
    }


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--outdir", out, ROOT], cwd=ROOT)
    (sdist,) = out.glob("xlcost-*.tar.gz")
    (wheel,) = out.glob("xlcost-*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def venv(dist, tmp_path_factory):
    """A fresh virtual environment with the wheel and its dependencies installed."""
    _, wheel = dist
    env = tmp_path_factory.mktemp("fresh") / "env"
    _run([sys.executable, "-m", "venv", "--without-pip", env], cwd=env.parent)
    python = env / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", wheel], cwd=env.parent)
    return env


def test_the_sdist_holds_what_its_tests_need(dist):
    sdist, _ = dist
    with tarfile.open(sdist) as archive:
        inside = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    needed = set()
    for folder in ("tests", "templates", "workbooks", "xlcost"):
        needed |= _source_files(folder)
    needed |= {"pyproject.toml", "README.md", "LICENSE", "MANIFEST.in", ".ci/run"}
    assert not needed - inside, sorted(needed - inside)


def test_the_wheel_holds_every_module_the_catalog_and_the_templates(dist):
    _, wheel = dist
    with zipfile.ZipFile(wheel) as archive:
        inside = set(archive.namelist())
    modules = _source_files("xlcost", {".py", ".csv"})
    templates = {f"xlcost/templates/{Path(p).name}" for p in _source_files("templates", {".toml"})}
    assert len(templates) >= 3
    assert not (modules | templates) - inside, sorted((modules | templates) - inside)
    assert not any(name.startswith(("tests/", "templates/", "workbooks/")) for name in inside)


def test_the_installed_wheel_builds_every_workbook_in_any_folder(venv, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    location = _run([venv / "bin" / "python", "-c", "import xlcost; print(xlcost.__file__)"], cwd=elsewhere)
    assert Path(location.strip()).is_relative_to(venv)  # the installed copy, not this checkout

    printed = _run([venv / "bin" / "xlcost", "build", "--out", "reports"], cwd=elsewhere).split()
    expected = build_all(tmp_path / "here")  # the same templates built by this checkout
    assert sorted(Path(p).name for p in printed) == sorted(Path(p).name for p in expected)
    assert len(printed) >= 3
    for path in expected:
        built = elsewhere / "reports" / Path(path).name
        assert built.read_bytes() == Path(path).read_bytes(), built.name


def test_the_installed_wheel_builds_your_own_templates(venv, tmp_path):
    mine = tmp_path / "my_templates"
    mine.mkdir()
    text = (ROOT / "templates" / "calculator.toml").read_text(encoding="utf-8")
    assert 'file = "calculator.xlsx"' in text
    (mine / "team.toml").write_text(
        text.replace('file = "calculator.xlsx"', 'file = "team_costs.xlsx"'), encoding="utf-8"
    )
    printed = _run([venv / "bin" / "xlcost", "build", "--templates", mine, "--out", "out"], cwd=tmp_path).split()
    assert [Path(p).name for p in printed] == ["team_costs.xlsx"]
    assert zipfile.is_zipfile(tmp_path / "out" / "team_costs.xlsx")


def test_a_missing_templates_folder_is_a_clear_error(venv, tmp_path):
    done = subprocess.run(
        [str(venv / "bin" / "xlcost"), "build", "--templates", "nowhere"], cwd=tmp_path, capture_output=True, text=True,
    )
    assert done.returncode == 2
    assert "nowhere does not exist" in done.stderr and "Traceback" not in done.stderr
