"""The workbook generator: ``templates/*.toml`` -> ``workbooks/*.xlsx``.

One module per job: ``template`` reads and checks a template, ``expr`` reads its
formulas, ``layout`` drives the placement of every cell (``tables`` and the assumptions
block, ``grids``, ``audit``, ``contents``, ``sheets``, ``chart_layout``; names resolved by
``refs``) into a ``book.Book``; ``evaluate`` computes every formula cell in Python
through the core; ``xlsx``, ``charts`` and ``numfmt`` write openpyxl objects;
``xlsx_values`` stores the computed values; ``safefile`` writes files safely.

>>> paths = build_all("workbooks")   # doctest: +SKIP
"""

from importlib import resources
from pathlib import Path

from ..errors import XlcostError

# templates/ of the repository, shipped as the package xlcost.templates (see pyproject.toml)
TEMPLATES = Path(str(resources.files("xlcost.templates")))


def templates(directory=None):
    """The template files (``*.toml``) in ``directory``, in name order; the shipped ones by default."""
    directory = Path(directory) if directory else TEMPLATES
    if not directory.is_dir():
        raise XlcostError(f"templates folder {directory} does not exist")
    found = sorted(directory.glob("*.toml"))
    if not found:
        raise XlcostError(f"no templates (*.toml) in {directory}")
    return found


def compile_file(path):
    """The laid-out ``Book`` of the template at ``path``."""
    from .layout import compile_template
    from .template import load

    return compile_template(load(path))


def render(book):
    """(openpyxl workbook, xlsx bytes) of a ``Book``: formula values stored, fingerprint set."""
    from .book import no_cycle_collection

    with no_cycle_collection():
        return _render(book)


def _render(book):
    from . import safefile, xlsx
    from .evaluate import cell_values

    values = cell_values(book)
    wb = xlsx.workbook(book, values)
    xlsx.set_fingerprint(wb, safefile.PLACEHOLDER)
    by_sheet = {}
    for (sheet, row, col), value in values.items():
        by_sheet.setdefault(sheet, {})[(row, col)] = value
    return wb, safefile.serialize(wb, by_sheet)


def build_all(out="workbooks", force=False, template_dir=None):
    """Write every template's workbook into ``out``; return the paths written.

    Nothing is written if any target was edited since it was built (or was not built
    by xlcost), unless ``force``; the error names every such file. ``out`` is a folder (made if missing);
    a file there is refused at once. Two templates naming
    one file (letter case aside, as Windows and macOS see names) are refused before anything is written.
    """
    from . import safefile
    from .expr import TemplateError

    out = Path(out)
    if out.exists() and not out.is_dir():  # refused before seconds of building, not after
        raise XlcostError(f"out: {out} is a file, not a folder to write the workbooks into")
    planned, owners = [], {}
    for path in templates(template_dir):
        book = compile_file(path)
        target = safefile.target_path(out, book.file)
        first = owners.setdefault(target.name.casefold(), Path(path).name)
        if first != Path(path).name:
            raise TemplateError(f"{Path(path).name}: writes {target.name}, as {first} does; give each template its own file")
        _, data = render(book)
        planned.append((target, data))
    out.mkdir(parents=True, exist_ok=True)
    refusals = [m for m in (safefile.check_overwrite(t, d, force) for t, d in planned) if m]
    if refusals:
        raise safefile.OverwriteError("\n".join(refusals))
    for target, data in planned:
        if not (target.exists() and target.read_bytes() == data):
            safefile.write_atomic(target, data)
    return [str(target) for target, _ in planned]
