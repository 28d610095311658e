"""Atomic file writes: a temporary file beside the target, renamed over it only once complete.

Readers never see half a file, a failed write leaves the old file as it was, and the new file keeps the mode of
the one it replaces (or of ``mode_like``, or the umask's default for a new file), since ``mkstemp`` creates 0600.
"""

from __future__ import annotations

import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_path"]


def _mode(target: Path, mode_like: Path | None) -> int:
    for path in (target, mode_like):
        if path is not None and path.exists():
            return stat.S_IMODE(path.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


@contextmanager
def atomic_path(target: str | Path, *, mode_like: str | Path | None = None) -> Iterator[Path]:
    """Yield a temporary path in ``target``'s folder; on success it is flushed to disk and renamed to ``target``.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as temporary:
    ...     _ = temporary.write_text("done")
    >>> target.read_text(), [p.name for p in target.parent.iterdir()]
    ('done', ['out.txt'])
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode(target, Path(mode_like) if mode_like is not None else None)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        with open(temporary, "rb") as done:
            os.fsync(done.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
