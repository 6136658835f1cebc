"""Pictures of every sheet of every workbook as printed: LibreOffice -> PDF -> PNG.

    python docs/make_pictures.py            # writes docs/pictures/<workbook>/*.png and docs/pictures/README.md
    python docs/make_pictures.py --all      # every printed page, not only the first of each sheet

The committed workbooks (``workbooks/*.xlsx``, values stored) are printed as they
would print from Excel: one LibreOffice start exports every workbook to PDF with the
workbooks' own page setup (orientation, fit, repeated headers, page numbers), then
``pdftoppm`` turns each page into a PNG. The footer of every page names its sheet, so
each picture is filed under its sheet. poppler-utils (pdftoppm, pdftotext) is installed
Carlito (Calibri's metrics) and a Chinese font are installed with
apt-get when missing.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "pictures"
DPI = 70


def _has_font(pattern):
    listed = subprocess.run(["fc-list", pattern], capture_output=True, text=True).stdout if shutil.which(
        "fc-list") else ""
    return bool(listed.strip())


def _ensure_tools():
    """poppler-utils for the PDF pages; Carlito (metrically Calibri, the workbooks' font, so pages break
    where Excel's do) and a Chinese font (the article captions quote the Chinese text)."""
    packages = []
    if not (shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("pdfinfo")):
        packages.append("poppler-utils")
    if not _has_font(":lang=zh"):
        packages.append("fonts-wqy-microhei")
    if not _has_font("Carlito"):
        packages.append("fonts-crosextra-carlito")
    if not packages:
        return
    if shutil.which("apt-get") is None:
        sys.exit(f"missing: {', '.join(packages)} (install them with your package manager)")
    env = {"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)


def _pdfs(workbooks, out_dir):
    """Every workbook printed to PDF in one LibreOffice start (a private profile)."""
    sys.path.insert(0, str(ROOT))
    from xlcost import recalc

    with tempfile.TemporaryDirectory(prefix="xlcost-pdf-") as profile:
        command = recalc.convert_command(Path(profile).resolve().as_uri(), out_dir, workbooks)
        command[command.index("xlsx")] = "pdf"
        subprocess.run(command, check=True, capture_output=True, timeout=600)
    return {p: out_dir / (p.stem + ".pdf") for p in workbooks}


def _slug(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _sheet_of_page(pdf, page, sheets):
    text = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-layout", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    footer = [line for line in text.splitlines() if "Page " in line and " of " in line]
    for line in reversed(footer):
        for sheet in sorted(sheets, key=len, reverse=True):
            if line.strip().startswith(sheet):
                return sheet
    return None


def main():
    import argparse

    import openpyxl

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="every printed page, not only each sheet's first")
    args = parser.parse_args()

    _ensure_tools()
    workbooks = sorted((ROOT / "workbooks").glob("*.xlsx"))
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    index = ["# The workbooks as printed", "",
             "The first printed page of every sheet, as LibreOffice prints the committed workbooks (stored values, "
             "the workbooks' own page setup), and how many pages each sheet prints on. Regenerate with "
             "`python docs/make_pictures.py` (`--all` for every page).", ""]
    with tempfile.TemporaryDirectory(prefix="xlcost-pictures-") as tmp:
        tmp = Path(tmp)
        for workbook, pdf in _pdfs(workbooks, tmp).items():
            sheets = openpyxl.load_workbook(workbook, read_only=True).sheetnames
            pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
                ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout).group(1))
            subprocess.run(["pdftoppm", "-png", "-r", str(DPI), str(pdf), str(tmp / workbook.stem)], check=True)
            target = OUT / workbook.stem
            target.mkdir()
            index += [f"## {workbook.name}", ""]
            current, count, pages_of = None, 0, {}
            for page in range(1, pages + 1):
                sheet = _sheet_of_page(pdf, page, sheets) or current or "page"
                count = count + 1 if sheet == current else 1
                current = sheet
                pages_of[sheet] = count
                source = next(tmp.glob(f"{workbook.stem}-{page:0{len(str(pages))}d}.png"))
                if count == 1 or args.all:
                    name = f"{page:03d}-{_slug(sheet)}-{count}.png"
                    shutil.move(source, target / name)
                    pages_of.setdefault(("file", sheet), []).append(name)
            for sheet in sheets:
                files = pages_of.get(("file", sheet), [])
                links = ", ".join(f"[page {i + 1 if args.all else 1}]({workbook.stem}/{f})" for i, f in enumerate(files))
                count = pages_of.get(sheet, 0)
                index.append(f"- {sheet}: {links} (prints on {count} page{'' if count == 1 else 's'})")
            index.append("")
    (OUT / "README.md").write_text("\n".join(index), encoding="utf-8")
    print(f"wrote {sum(1 for _ in OUT.rglob('*.png'))} pictures under {OUT}")


if __name__ == "__main__":
    main()
