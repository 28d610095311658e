"""Checks on an .xlsx from a user before anything parses it: it is untrusted input.

Refused, each with a message naming the file and the part: not a zip; a truncated or corrupt zip; too many
parts; more uncompressed bytes than :data:`MAX_UNCOMPRESSED_BYTES` or a compression ratio above
:data:`MAX_RATIO` (zip bombs); XML with any DOCTYPE (internal or external DTD) or entity declarations (entity expansion, external
entities); missing workbook parts, or a sheet the workbook lists whose part is not in the package.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from hashlease.models import HashleaseError

MAX_PARTS = 10_000
MAX_UNCOMPRESSED_BYTES = 512 * 2**20
MAX_RATIO = 200
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")


def _refuse(path: Path, what: str, detail: str) -> HashleaseError:
    return HashleaseError(f"workbook {path.name}", what, "a readable .xlsx workbook", detail=detail)


def check_xlsx(path: str | Path) -> None:
    """Raise HashleaseError unless ``path`` is a well-formed, reasonably sized .xlsx without XML attacks."""
    path = Path(path)
    if not path.is_file():
        raise _refuse(path, "missing", "no such file")
    if not zipfile.is_zipfile(path):
        raise _refuse(path, "not a zip archive", "an .xlsx is a zip of XML parts; this file is something else")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_PARTS:
                raise _refuse(path, f"{len(infos):,} parts", f"at most {MAX_PARTS:,} parts")
            total = sum(i.file_size for i in infos)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise _refuse(path, f"{total:,} bytes uncompressed", f"at most {MAX_UNCOMPRESSED_BYTES:,} bytes")
            for info in infos:
                if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 2**20:
                    raise _refuse(path, f"part {info.filename}", f"a compression ratio under {MAX_RATIO}:1 "
                                  "(this looks like a zip bomb)")
            names = {i.filename for i in infos}
            for part in REQUIRED_PARTS:
                if part not in names:
                    raise _refuse(path, f"part {part} missing", "the parts every workbook has")
            bad = archive.testzip()
            if bad is not None:
                raise _refuse(path, f"part {bad}", "an intact zip (this part's checksum fails: truncated or corrupt)")
            for info in infos:
                if info.filename.lower().endswith((".xml", ".rels", ".vml")) or info.filename.lower().startswith(
                        ("xl/", "docprops/", "_rels/", "customxml/")) and not info.filename.lower().endswith(
                        (".bin", ".png", ".jpeg", ".jpg", ".gif", ".emf", ".wmf")):
                    try:
                        safe_xml.fromstring(archive.read(info), forbid_dtd=True)
                    except DefusedXmlException:
                        raise _refuse(path, f"part {info.filename}", "XML without a DOCTYPE or entity declarations "
                                      "(refused: DTDs, entity expansion and external entities are attacks)") from None
                    except safe_xml.ParseError as exc:
                        raise _refuse(path, f"part {info.filename}", f"well-formed XML ({exc})") from None
            _check_sheet_parts(path, archive, names)
    except zipfile.BadZipFile as exc:
        raise _refuse(path, "a damaged zip", str(exc)) from None
    except (EOFError, OSError) as exc:
        raise _refuse(path, "unreadable", f"truncated or unreadable: {exc}") from None


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _check_sheet_parts(path: Path, archive: zipfile.ZipFile, names: set[str]) -> None:
    """Every sheet ``xl/workbook.xml`` lists has a relationship, and the part it points to is in the package."""
    import posixpath

    workbook = safe_xml.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
    rels = safe_xml.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    targets = {r.get("Id"): (r.get("Target") or "", r.get("TargetMode")) for r in rels.iter(f"{{{_PKG_REL}}}Relationship")}
    for sheet in workbook.iter(f"{{{_MAIN}}}sheet"):
        name, rid = sheet.get("name"), sheet.get(f"{{{_REL}}}id")
        if rid not in targets:
            raise _refuse(path, f"sheet {name!r}", f"a relationship for each sheet (xl/_rels/workbook.xml.rels has "
                          f"no {rid!r})")
        target, mode = targets[rid]
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if mode == "External" or part not in names:
            raise _refuse(path, f"part {part} of sheet {name!r} missing",
                          "every sheet the workbook lists present in the package")
