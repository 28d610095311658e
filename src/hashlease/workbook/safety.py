"""Checks on an .xlsx from a user before anything parses it: it is untrusted input.

Refused, each with a message naming the file and the part: not a zip; a truncated or corrupt zip; too many
parts; more uncompressed bytes than :data:`MAX_UNCOMPRESSED_BYTES` or a compression ratio above
:data:`MAX_RATIO` (zip bombs); XML with a DTD or entity declarations (entity expansion, external entities);
missing workbook parts.
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
                        safe_xml.fromstring(archive.read(info))
                    except DefusedXmlException:
                        raise _refuse(path, f"part {info.filename}", "XML without DTDs or entity declarations "
                                      "(refused: entity expansion and external entities are attacks)") from None
                    except safe_xml.ParseError as exc:
                        raise _refuse(path, f"part {info.filename}", f"well-formed XML ({exc})") from None
    except zipfile.BadZipFile as exc:
        raise _refuse(path, "a damaged zip", str(exc)) from None
    except (EOFError, OSError) as exc:
        raise _refuse(path, "unreadable", f"truncated or unreadable: {exc}") from None
