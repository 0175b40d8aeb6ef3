"""File fingerprints (size, modification time and hash), so an unchanged folder is known without
reading a byte of it, and a changed one by reading only the files that changed.

Hashing every file of a national police.uk year (1.3 GB) takes seconds; a stat of each takes
milliseconds. As git's index does, a file whose size and modification time (to the
nanosecond) equal those recorded when its bytes were hashed is taken to hold the same bytes.
A file modified within RACY_SECONDS of the moment its fingerprint was taken is never trusted:
a second write in the same clock tick could keep both size and time, so such a file is
hashed again next time.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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


# Per-file hashes ---------------------------------------------------------------------------
#
# A folder's digest is a hash of its sorted (relative name, per-file hash) list, so a changed
# file is the only one read again, and a loader that reads a file anyway hashes it as the bytes
# pass (HashingReader): one read serves both the parse and the hash.

HASH_BUFFER = 1 << 22


def new_hash():
    """The per-file hash (SHA-256: the machines this runs on hash it in hardware)."""
    return hashlib.sha256()


def folder_digest_of(file_hashes: dict[str, str]) -> str:
    """The folder's digest from each file's relative name and hash."""
    digest = new_hash()
    for name in sorted(file_hashes):
        digest.update(f"{name}\0{file_hashes[name]}\n".encode())
    return digest.hexdigest()


def hash_files(
    named: Iterable[tuple[str, Path]], legacy: bool = False
) -> tuple[dict[str, str], str | None]:
    """Each file's hash by name, and (when `legacy`) the pre-0020 folder hash in the same read.

    The legacy hash is SHA-256 over every name then its bytes, in name order: what vintages
    loaded before per-file hashes were stored carry, so they are still recognised.
    """
    hashes: dict[str, str] = {}
    old = hashlib.sha256() if legacy else None
    buffer = bytearray(HASH_BUFFER)  # one reused buffer: a new bytes object per block costs
    view = memoryview(buffer)
    for name, path in sorted(named):
        digest = new_hash()
        if old is not None:
            old.update(name.encode())
        with open(path, "rb", buffering=0) as handle:
            while size := handle.readinto(buffer):
                digest.update(view[:size])
                if old is not None:
                    old.update(view[:size])
        hashes[name] = digest.hexdigest()
    return hashes, old.hexdigest() if old is not None else None


# Hashes taken by loaders while reading, by resolved path: (size, mtime_ns, hash). Only kept
# inside recording(); a refresh takes them for the files it must hash.
_recorded: dict[str, tuple[int, int, str]] | None = None
_recorded_lock = threading.Lock()


@contextmanager
def recording() -> Iterator[dict[str, tuple[int, int, str]]]:
    """Collect the hashes of every file a loader reads whole through open_hashed."""
    global _recorded
    with _recorded_lock:
        _recorded = {}
        taken = _recorded
    try:
        yield taken
    finally:
        with _recorded_lock:
            _recorded = None


class HashingReader(io.RawIOBase):
    """A binary file that hashes its bytes as a reader pulls them (pyarrow's CSV reader here).

    The hash is recorded only when the file was read to its end and its size and modification
    time did not change while it was read, so it is the hash of exactly the bytes parsed.
    """

    def __init__(self, path: Path):
        super().__init__()
        self._path = Path(path)
        self._file = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by close()
        self._stat = os.fstat(self._file.fileno())
        # Outside recording() nobody will ask for the hash: do not spend the time on it.
        self._hash = new_hash() if _recorded is not None else None
        self._at_end = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        size = self._file.readinto(buffer)
        if size and self._hash is not None:
            self._hash.update(memoryview(buffer)[:size])
        else:
            self._at_end = True
        return size

    def read(self, size: int = -1) -> bytes:
        data = self._file.readall() if size is None or size < 0 else self._file.read(size)
        if data and self._hash is not None:
            self._hash.update(data)
        if not data or size is None or size < 0:
            self._at_end = True
        return data

    def hexdigest(self) -> str | None:
        """The file's hash once it has been read to its end, else None."""
        return self._hash.hexdigest() if self._at_end and self._hash is not None else None

    def close(self) -> None:
        if not self.closed:
            self._record()
            self._file.close()
        super().close()

    def _record(self) -> None:
        if not self._at_end or self._hash is None:
            return
        after = os.fstat(self._file.fileno())
        before = self._stat
        if (after.st_size, after.st_mtime_ns) != (before.st_size, before.st_mtime_ns):
            return
        with _recorded_lock:
            if _recorded is not None:
                _recorded[str(self._path.resolve())] = (
                    before.st_size,
                    before.st_mtime_ns,
                    self._hash.hexdigest(),
                )
