"""Write recalculated values into a copy of a workbook, keeping every formula and every other part.

Only two kinds of part change: each worksheet that holds formula cells (each formula cell keeps its ``<f>``
and gets a new cached ``<v>`` with the matching type; cells of an array formula's range get their values), and
``xl/workbook.xml``, whose ``calcPr`` is set so that Excel opens the file on its cached values instead of
recalculating on load (``fullCalcOnLoad`` removed, ``calcId`` set to current Excel's): a reader without the
add-in sees our numbers, not ``#NAME?``. Every other part is copied byte for byte. The output is written to a
temporary file beside the target and moved into place, so a kill during the write leaves no partial file.
"""

from __future__ import annotations

import bisect
import datetime as _dt
import math
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from hashlease.atomic import atomic_path
from hashlease.models import HashleaseError

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
NS = {"m": MAIN}
#: calcId of current Excel (365); a file with an older calcId is recalculated by Excel when opened.
EXCEL_CALC_ID = "191029"

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=False)
_CELL = re.compile(r"^([A-Z]{1,3})([0-9]+)$")


def _column_number(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def defined_ref(attr_text: str) -> tuple[str, str]:
    """(sheet, A1 range without $) of a defined name such as 'Bob''s Market'!$B$3."""
    sheet, _, ref = attr_text.rpartition("!")
    if sheet.startswith("'") and sheet.endswith("'"):
        sheet = sheet[1:-1].replace("''", "'")
    if not sheet or not ref:
        raise HashleaseError("defined name", attr_text, "a reference to cells on a sheet (Sheet!A1)")
    return sheet, ref.replace("$", "")


#: Excel's error values: the classic seven, and the newer ones Excel 365 writes (#SPILL!, #CALC!, #GETTING_DATA,
#: #FIELD!, #BUSY!, #BLOCKED!, #CONNECT!, #UNKNOWN!). Nothing else may be written as a t="e" cell: Excel refuses
#: to open a file with another error text ("We found a problem with some content").
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})
NEWER_EXCEL_ERRORS = frozenset({"#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BUSY!", "#BLOCKED!",
                                "#CONNECT!", "#UNKNOWN!"})


def date_system(source: str | Path | zipfile.ZipFile) -> int:
    """Excel's date system of a workbook: 1904 when ``xl/workbook.xml``'s ``workbookPr`` has ``date1904`` set
    (older Mac workbooks), else 1900. Every date serial in the file counts from that system's epoch."""
    if isinstance(source, zipfile.ZipFile):
        xml = source.read("xl/workbook.xml")
    else:
        with zipfile.ZipFile(source) as archive:
            xml = archive.read("xl/workbook.xml")
    properties = etree.fromstring(xml, _PARSER).find("m:workbookPr", NS)
    flag = properties.get("date1904", "0") if properties is not None else "0"
    return 1904 if flag.strip().lower() in ("1", "true") else 1900


CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
#: The workbook part's content type -> the file extension Excel requires of the package (Excel refuses to open a
#: file whose extension does not match its format: an .xlsm package named .xlsx, or the reverse).
WORKBOOK_EXTENSIONS = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": ".xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": ".xlsm",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": ".xltx",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": ".xltm",
}


def workbook_extension(source: str | Path) -> str | None:
    """The extension (``.xlsx``, ``.xlsm``, ``.xltx``, ``.xltm``) a copy of ``source`` must carry, read from its
    workbook part's content type; None when the package does not declare one of these."""
    with zipfile.ZipFile(source) as archive:
        types = etree.fromstring(archive.read("[Content_Types].xml"), _PARSER)
    for override in types.iter(f"{{{CONTENT_TYPES}}}Override"):
        if (override.get("PartName") or "").lower() == "/xl/workbook.xml":
            return WORKBOOK_EXTENSIONS.get((override.get("ContentType") or "").strip())
    return None


def _serial(value: _dt.date, system: int) -> float:
    from hashlease.models import to_excel_serial
    return float(to_excel_serial(value, date_system=system))


def split_cell(ref: str) -> tuple[int, int]:
    """(row, column) numbers of an A1 reference."""
    match = _CELL.match(ref.replace("$", "").upper())
    if not match:
        raise ValueError(f"not a cell reference: {ref}")
    return int(match.group(2)), _column_number(match.group(1))


def cell_ref(row: int, column: int) -> str:
    return f"{_column_letters(column)}{row}"


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet name -> part path inside the package."""
    workbook = etree.fromstring(archive.read("xl/workbook.xml"), _PARSER)
    rels = etree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), _PARSER)
    targets = {r.get("Id"): r.get("Target") for r in rels.iter(f"{{{PKG_REL}}}Relationship")}
    out = {}
    for sheet in workbook.iter(f"{{{MAIN}}}sheet"):
        target = targets[sheet.get(f"{{{REL}}}id")]
        out[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
    return out


def _set_value(cell: etree._Element, value: Any, system: int = 1900) -> None:
    for v in cell.findall("m:v", NS):
        cell.remove(v)
    for inline in cell.findall("m:is", NS):
        cell.remove(inline)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        cell.attrib.pop("t", None)
        return
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isfinite(value):
        raise HashleaseError("value", value, "a finite number for a cell")
    if isinstance(value, ExcelErrorValue) and value not in EXCEL_ERRORS | NEWER_EXCEL_ERRORS:
        raise HashleaseError(f"error value of cell {cell.get('r')}", str(value),
                             f"one of Excel's error values ({', '.join(sorted(EXCEL_ERRORS))})")
    v = etree.SubElement(cell, f"{{{MAIN}}}v")
    if isinstance(value, _dt.date):
        value = _serial(value, system)
    if isinstance(value, bool):
        cell.set("t", "b")
        v.text = "1" if value else "0"
    elif isinstance(value, (int, float)):
        cell.attrib.pop("t", None)
        v.text = repr(float(value)) if not float(value).is_integer() or abs(value) >= 1e15 else str(int(value))
    elif isinstance(value, ExcelErrorValue):
        cell.set("t", "e")
        v.text = str(value)
    elif cell.find("m:f", NS) is not None:
        cell.set("t", "str")  # a formula's text result
        v.text = str(value)
    else:  # a constant text cell: an inline string
        cell.remove(v)
        cell.set("t", "inlineStr")
        inline = etree.SubElement(cell, f"{{{MAIN}}}is")
        etree.SubElement(inline, f"{{{MAIN}}}t").text = str(value)


class ExcelErrorValue(str):
    """An Excel error value (#N/A, #NUM!, ...), written with t="e"."""


def _row(sheet_data: etree._Element, rows: dict[int, etree._Element], number: int) -> etree._Element:
    if number in rows:
        return rows[number]
    row = etree.Element(f"{{{MAIN}}}row", r=str(number))
    numbers = rows.order  # the sheet's row numbers, ascending: one bisection, not a scan of every row
    at = bisect.bisect_right(numbers, number)
    if at < len(numbers):
        rows[numbers[at]].addprevious(row)
    else:
        sheet_data.append(row)
    numbers.insert(at, number)
    rows[number] = row
    return row


class _Rows(dict):
    """Row number -> <row> element, with the numbers kept sorted."""

    def __init__(self, items: dict[int, etree._Element]) -> None:
        super().__init__(items)
        self.order = sorted(items)


def _cell(row: etree._Element, ref: str, column: int, cells: dict) -> etree._Element:
    known = cells.get(row)
    if known is None:  # each row's cells indexed once, not searched for every value
        known = cells[row] = {c.get("r"): c for c in row.findall("m:c", NS)}
    if ref in known:
        return known[ref]
    new = etree.Element(f"{{{MAIN}}}c", r=ref)
    for cell in row.findall("m:c", NS):
        if cell.get("r") and split_cell(cell.get("r"))[1] > column:
            cell.addprevious(new)
            break
    else:
        row.append(new)
    known[ref] = new
    return new


#: A formula calling an HL_ function (as typed, or as Excel stores an add-in function).
_HL_CALL = re.compile(r"(?<![A-Za-z0-9_.])(?:_xldudf_)?HL_[A-Z0-9_]+\s*\(", re.IGNORECASE)


def _referenced_names(text: str) -> set[str]:
    """Upper-cased names a formula refers to (operands that are not cell references), without their sheet; a
    formula the tokenizer cannot read gives every word in it, so nothing that may refer to a name is missed."""
    from openpyxl.formula.tokenizer import Tokenizer

    try:
        tokens = Tokenizer(text if text.startswith("=") else "=" + text).items
    except Exception:  # noqa: BLE001 - any unreadable formula: every word is taken as a possible name
        return {word.upper() for word in re.findall(r"[A-Za-z_\\][A-Za-z0-9_.\\?]*", text)}
    return {token.value.rpartition("!")[2].upper() for token in tokens
            if token.type == "OPERAND" and token.subtype == "RANGE"}


def hl_defined_names(workbook_xml: bytes) -> frozenset[str]:
    """Upper-cased defined names whose formula calls an HL_ function, directly or through another such name: a
    cell referring to one needs the add-in as much as a cell calling HL_ itself."""
    root = etree.fromstring(workbook_xml, _PARSER)
    formulas: dict[str, list[str]] = {}
    for name in root.iterfind("m:definedNames/m:definedName", NS):
        formulas.setdefault((name.get("name") or "").upper(), []).append(name.text or "")
    found = {name for name, texts in formulas.items() if any(_HL_CALL.search(t) for t in texts)}
    grew = True
    while grew:  # names referring to such names, until none is added
        grew = False
        for name, texts in formulas.items():
            if name not in found and any(_referenced_names(t) & found for t in texts):
                found.add(name)
                grew = True
    return frozenset(found)


def _needs_add_in(text: str | None, hl_names: frozenset[str]) -> bool:
    """Whether a formula calls an HL_ function, or refers to a defined name that does."""
    return bool(text) and (bool(_HL_CALL.search(text)) or bool(hl_names and _referenced_names(text) & hl_names))


def _freeze_hl_formulas(root: etree._Element, hl_names: frozenset[str] = frozenset()) -> None:
    """Drop the formula of every cell that calls an HL_ function (or refers to a defined name that calls one),
    keeping its cached value: a legacy array formula's anchor takes its whole range with it, and a shared formula
    whose first cell calls HL_ takes every cell sharing it. Native formulas stay."""
    formulas = list(root.iterfind(".//m:sheetData/m:row/m:c/m:f", NS))
    frozen_shared = set()
    dropped = []
    for formula in formulas:
        if _needs_add_in(formula.text, hl_names):
            dropped.append(formula)
            if formula.get("t") == "shared" and formula.get("si") is not None:
                frozen_shared.add(formula.get("si"))
    if frozen_shared:
        seen = {id(f) for f in dropped}
        dropped += [f for f in formulas
                    if f.get("t") == "shared" and f.get("si") in frozen_shared and id(f) not in seen]
    for formula in dropped:
        formula.getparent().remove(formula)


def _update_sheet(xml: bytes, values: dict[str, Any], replace_formulas: bool = False, system: int = 1900,
                  values_only: bool = False, hl_names: frozenset[str] = frozenset()) -> bytes:
    root = etree.fromstring(xml, _PARSER)
    sheet_data = root.find("m:sheetData", NS)
    cells: dict = {}
    try:
        rows = _Rows({int(r.get("r")): r for r in sheet_data.findall("m:row", NS)})
    except (TypeError, ValueError):
        raise HashleaseError("worksheet", "rows without their r attribute", "rows numbered as Excel writes them "
                             "(open and save the file in Excel or LibreOffice first)") from None
    for ref, value in values.items():
        row_number, column = split_cell(ref)
        cell = _cell(_row(sheet_data, rows, row_number), ref, column, cells)
        if replace_formulas:  # the value becomes a constant input: drop the cell's formula
            for formula in cell.findall("m:f", NS):
                cell.remove(formula)
        _set_value(cell, value, system)
    if values_only:
        _freeze_hl_formulas(root, hl_names)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _update_workbook(xml: bytes) -> bytes:
    root = etree.fromstring(xml, _PARSER)
    calc = root.find("m:calcPr", NS)
    if calc is None:  # its place in the schema's order: before these elements, if the workbook has any
        calc = etree.Element(f"{{{MAIN}}}calcPr")
        later = [root.find(f"m:{name}", NS) for name in ("oleSize", "customWorkbookViews", "pivotCaches",
                                                          "smartTagPr", "smartTagTypes", "webPublishing",
                                                          "fileRecoveryPr", "webPublishObjects", "extLst")]
        later = [e for e in later if e is not None]
        if later:
            later[0].addprevious(calc)
        else:
            root.append(calc)
    calc.attrib.pop("fullCalcOnLoad", None)
    calc.set("calcId", EXCEL_CALC_ID)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _without_calc_chain(xml: bytes) -> bytes:
    """The content types or workbook relationships without their entry for the calculation chain."""
    root = etree.fromstring(xml, _PARSER)
    for element in list(root):
        if (element.get("PartName") or "").endswith("/calcChain.xml") or (element.get("Target") or "").endswith(
                "calcChain.xml"):
            root.remove(element)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def write_values(source: str | Path, target: str | Path, values: dict[str, dict[str, Any]], *,
                 replace_formulas: bool = False, values_only: bool = False) -> None:
    """Copy ``source`` to ``target`` with ``values`` ({sheet name: {A1 ref: value}}) as cached cell values.

    With ``replace_formulas`` the values become constants (a scenario's input overriding a formula). With
    ``values_only`` every formula calling an HL_ function, or using a defined name whose formula calls one,
    becomes its value (native formulas stay), so Excel
    without the add-in, LibreOffice or Google Sheets show every figure; the calculation chain, which lists
    formula cells, is left out (spreadsheets rebuild it).
    ``target`` appears whole or not at all (written to a temporary file, then renamed); ``source`` is only read.
    """
    source, target = Path(source), Path(target)
    if target.is_dir():
        raise HashleaseError("--output", str(target), "a file path (this is a directory)")
    with atomic_path(target, mode_like=source) as temporary:  # keeps the workbook's own permissions
        with zipfile.ZipFile(source) as src, zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as out:
            parts = sheet_parts(src)
            system = date_system(src)  # dates are written as serials of the workbook's own date system
            hl_names = hl_defined_names(src.read("xl/workbook.xml")) if values_only else frozenset()
            by_part = {parts[name]: cells for name, cells in values.items() if cells}
            for info in src.infolist():
                data = src.read(info)
                if info.filename in by_part or (values_only and info.filename in parts.values()):
                    data = _update_sheet(data, by_part.get(info.filename, {}), replace_formulas, system,
                                         values_only, hl_names)
                elif info.filename == "xl/workbook.xml":
                    data = _update_workbook(data)
                elif info.filename == "xl/calcChain.xml":
                    if values_only:
                        continue  # it would list cells that are no longer formulas
                    # otherwise kept as is: it lists formula cells, which do not change
                elif values_only and info.filename in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
                    data = _without_calc_chain(data)
                out.writestr(info, data)
