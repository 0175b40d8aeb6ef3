"""File fingerprints (size and modification time), so an unchanged folder is known without
reading a byte of it.

Hashing every file of a national police.uk year (1.3 GB) takes seconds; a stat of each takes
milliseconds. As git's index does, a file whose size and modification time (to the
nanosecond) equal those recorded when its bytes were hashed is taken to hold the same bytes.
A file modified within RACY_SECONDS of the moment its fingerprint was taken is never trusted:
a second write in the same clock tick could keep both size and time, so such a file is
hashed again next time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from pathlib import Path

RACY_SECONDS = 2


def stat_of(path: Path) -> list[int]:
    """[size in bytes, modification time in nanoseconds]."""
    stat = os.stat(path)
    return [stat.st_size, stat.st_mtime_ns]


def folder_fingerprint(folder: Path, files: Iterable[Path]) -> dict[str, list[int]]:
    """Each file's [size, mtime_ns] by its path relative to folder (sub-folders are skipped)."""
    folder = Path(folder)
    return {path.relative_to(folder).as_posix(): stat_of(path) for path in files if path.is_file()}


def trusted(files: dict[str, list[int]], now_ns: int | None = None) -> bool:
    """True when no file was modified too recently for its size and time to vouch for it."""
    now_ns = time.time_ns() if now_ns is None else now_ns
    return all(mtime < now_ns - RACY_SECONDS * 1_000_000_000 for _size, mtime in files.values())
