"""Atomic file writes: a temporary file beside the target, renamed over it only once complete.

Readers never see half a file, a failed write leaves the old file as it was, and the new file keeps the mode of
the one it replaces (or of ``mode_like``, or the umask's default for a new file), since ``mkstemp`` creates 0600.
A SIGTERM while a temporary file or folder exists removes it before the process dies (:func:`removed_on_sigterm`).
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

__all__ = ["atomic_path", "removed_on_sigterm"]

_PENDING: dict[Path, int] = {}  # temporary paths to remove if SIGTERM arrives, with how often each is registered
_PREVIOUS: list = []  # the SIGTERM handler before ours, while ours is installed


def _on_sigterm(signum, frame) -> None:
    for path in list(_PENDING):
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    previous = _PREVIOUS[0] if _PREVIOUS else signal.SIG_DFL
    if callable(previous):
        signal.signal(signal.SIGTERM, previous)
        previous(signum, frame)
        return
    signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)
    os.kill(os.getpid(), signal.SIGTERM)  # die of the signal, as without us (exit status 128 + 15)


@contextmanager
def removed_on_sigterm(path: str | Path) -> Iterator[Path]:
    """Remove ``path`` (a temporary file or folder) if the process receives SIGTERM while the block runs.

    The handler is installed from the main thread only (elsewhere the block runs unprotected); it removes every
    registered path, then hands the signal to the previous handler or dies of it.
    """
    path = Path(path)
    main = threading.current_thread() is threading.main_thread()
    if main and not _PENDING:
        _PREVIOUS[:] = [signal.signal(signal.SIGTERM, _on_sigterm)]
    _PENDING[path] = _PENDING.get(path, 0) + 1
    try:
        yield path
    finally:
        _PENDING[path] -= 1
        if not _PENDING[path]:
            del _PENDING[path]
        if main and not _PENDING and _PREVIOUS:
            signal.signal(signal.SIGTERM, _PREVIOUS.pop())


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
    with removed_on_sigterm(temporary):
        try:
            yield temporary
            with open(temporary, "rb") as done:
                os.fsync(done.fileno())
            os.chmod(temporary, mode)
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
