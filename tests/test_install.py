"""xlcost as users install it: the sdist and the wheel, and the README's install steps
run as written, in fresh virtual environments, building every workbook in another folder.

One build (``python -m build``: the sdist, then the wheel from that sdist) per session;
the README's steps run in a copy of the sources unpacked from that sdist. pip installs
the dependencies from its cache.
"""

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import _readme

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
    """The sdist, and the wheel built from it (``python -m build``, with the test extra's setuptools)."""
    out = tmp_path_factory.mktemp("dist")
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", out, ROOT], cwd=ROOT)
    (sdist,) = out.glob("xlcost-*.tar.gz")
    (wheel,) = out.glob("xlcost-*.whl")
    return sdist, wheel


@pytest.fixture(scope="module")
def clone(dist, tmp_path_factory):
    """A copy of the sources to run the README's commands in: the sdist, unpacked."""
    sdist, _ = dist
    where = tmp_path_factory.mktemp("clone")
    with tarfile.open(sdist) as archive:
        archive.extractall(where, filter="data")
    (folder,) = where.iterdir()
    return folder


def _bash(block_text, cwd):
    """Run a README block as a user pastes it into a shell."""
    return _run(["bash", "-euo", "pipefail", "-c", block_text], cwd=cwd)


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
    missing = sorted((modules | templates) - inside)
    assert not missing, f"not in the wheel (a new subpackage goes into pyproject.toml's packages list): {missing}"
    assert not any(name.startswith(("tests/", "templates/", "workbooks/")) for name in inside)


def test_the_readme_install_steps_work_from_a_clone_and_from_a_wheel(clone, tmp_path, built_workbooks):
    expected = sorted(built_workbooks.glob("*.xlsx"))  # the same templates, built by this checkout

    _bash(_readme.block(_readme.QUICK_START), cwd=clone)
    for path in expected:
        assert (clone / "workbooks" / Path(path).name).read_bytes() == Path(path).read_bytes(), path

    _bash(_readme.block(_readme.WHEEL_BUILD), cwd=clone)
    (wheel,) = (clone / "dist").glob("*.whl")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "my_templates").mkdir(parents=True)
    shutil.copy(wheel, elsewhere)
    text = (ROOT / "templates" / "calculator.toml").read_text(encoding="utf-8")
    assert 'file = "calculator.xlsx"' in text
    (elsewhere / "my_templates" / "team.toml").write_text(
        text.replace('file = "calculator.xlsx"', 'file = "team_costs.xlsx"'), encoding="utf-8"
    )
    printed = _bash(_readme.block(_readme.WHEEL_INSTALL), cwd=elsewhere).split()

    env = elsewhere / "xlcost-env"
    location = _run([env / "bin" / "python", "-c", "import xlcost; print(xlcost.__file__)"], cwd=tmp_path)
    assert Path(location.strip()).is_relative_to(env)  # the installed copy, not a checkout
    names = sorted(Path(p).name for p in expected)
    assert sorted(Path(p).name for p in printed) == sorted(names + ["team_costs.xlsx"])
    for path in expected:
        assert (elsewhere / "workbooks" / Path(path).name).read_bytes() == Path(path).read_bytes(), path
    assert [p.name for p in (elsewhere / "my_workbooks").iterdir()] == ["team_costs.xlsx"]
    assert zipfile.is_zipfile(elsewhere / "my_workbooks" / "team_costs.xlsx")

    missing = subprocess.run(
        [str(env / "bin" / "xlcost"), "build", "--templates", "nowhere"], cwd=elsewhere, capture_output=True, text=True,
    )
    assert missing.returncode == 2
    assert "nowhere does not exist" in missing.stderr and "Traceback" not in missing.stderr
