"""The About sheet renders without overlapping lines: LibreOffice exports it to PDF and poppler's pdftotext gives
each rendered text line's box.

Readers that do not fit row heights on opening (LibreOffice does not for an .xlsx row without a height) draw
wrapped text past its row, over the next row's text. The builder sets each wrapped row's height; here the
rendered page shows the result. The fonts are LibreOffice's on this machine (DejaVu Sans stands in for Calibri,
which is wider), not Excel's: this shows that one reader renders it cleanly, not how Excel lays it out.
"""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest

TEMPLATE = Path(__file__).resolve().parents[2] / "templates" / "hashlease.xlsx"
XHTML = "{http://www.w3.org/1999/xhtml}"
POPPLER_HINT = ("pdftotext (poppler-utils) reads the rendered PDF and is installed by `make test`. Run `make test`, "
                "or install it: apt-get install -y --no-install-recommends poppler-utils")
#: LibreOffice's PDF export of the workbook's first page only: the About sheet is the first sheet, one page long.
FIRST_PAGE_PDF = 'pdf:calc_pdf_Export:{"PageRange":{"type":"string","value":"1"}}'


@pytest.fixture(scope="module")
def rendered(soffice_convert, tmp_path_factory):
    """(page width, page height, text lines as (x_min, y_min, x_max, y_max, words)) of the About sheet's PDF."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.fail(POPPLER_HINT)
    copy = tmp_path_factory.mktemp("about") / "about.xlsx"
    shutil.copyfile(TEMPLATE, copy)
    pdf = soffice_convert(copy, FIRST_PAGE_PDF)
    layout = subprocess.run([pdftotext, "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True,
                            timeout=120).stdout
    pages = ET.fromstring(layout).findall(f".//{XHTML}page")
    assert len(pages) == 1, f"the export holds {len(pages)} pages, not the About sheet's one"
    page = pages[0]
    lines = []
    for line in page.iter(f"{XHTML}line"):
        box = tuple(float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))
        lines.append((*box, [w.text for w in line.iter(f"{XHTML}word")]))
    return float(page.get("width")), float(page.get("height")), lines


def test_no_two_rendered_lines_overlap(rendered):
    _, _, lines = rendered
    assert len(lines) > 20  # the sheet's 19 rows, several of them wrapped onto two or three lines
    # A line's box runs from the font's ascent to its descent, a little more than the line spacing: consecutive
    # lines of one paragraph share about a tenth of their height (0.11 here). Text drawn over other text shares
    # most of it (0.85 to 1.0 in the sheet as built before row heights were set). A quarter tells them apart.
    overlaps = []
    for i, (x0, y0, x1, y1, words) in enumerate(lines):
        for u0, v0, u1, v1, other in lines[i + 1:]:
            same_column = x0 < u1 and u0 < x1
            shared = min(y1, v1) - max(y0, v0)
            if same_column and shared > 0.25 * min(y1 - y0, v1 - v0):
                overlaps.append((" ".join(words[:4]), " ".join(other[:4]), round(shared, 1)))
    assert overlaps == []


def test_every_word_is_on_the_page_in_order(rendered):
    width, height, lines = rendered
    for x0, y0, x1, y1, words in lines:  # nothing clipped at the page's edge: the sheet is fitted to one page
        assert 0 <= x0 and x1 <= width and 0 <= y0 and y1 <= height, words
    about = openpyxl.load_workbook(TEMPLATE)["About"]
    expected = [word for row in about.iter_rows() for cell in row if isinstance(cell.value, str)
                for word in cell.value.split()]
    shown = [word for *_, words in sorted(lines, key=lambda line: (line[1], line[0])) for word in words]
    assert shown == expected
