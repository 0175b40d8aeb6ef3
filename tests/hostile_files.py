"""Build damaged copies of the real published files, never touching the originals.

A release folder is a folder of symlinks to the real files; `damage` swaps one link for a real,
edited copy. Shared by the loader tests of every source.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from loaders.errors import LoaderError


def release(source: Path, target: Path, only: list[str] | None = None) -> Path:
    """A folder of links to the real files (all of them, or only those named)."""
    target.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if only is None or path.name in only:
            (target / path.name).symlink_to(path)
    return target


def damage(
    folder: Path, name: str, change: Callable[[str], str], new_name: str | None = None
) -> Path:
    """Replace the link `name` with a real file holding `change(text)`, keeping line ends."""
    path = folder / name
    text = path.read_bytes().decode("utf-8")
    path.unlink()
    target = folder / (new_name or name)
    target.write_bytes(change(text).encode("utf-8"))
    return target


def on_line(number: int, change: Callable[[str], str]) -> Callable[[str], str]:
    """Apply `change` to one line (1-based; the header is line 1), keeping its line ending."""

    def apply(text: str) -> str:
        lines = text.split("\n")
        lines[number - 1] = change(lines[number - 1])
        return "\n".join(lines)

    return apply


def cut_after(marker: str, keep: int = 0) -> Callable[[str], str]:
    """Cut the text part-way through: `keep` characters after the first `marker`."""

    def apply(text: str) -> str:
        return text[: text.index(marker) + len(marker) + keep]

    return apply


def load_error(loader: Callable[[Path], object], folder: Path) -> LoaderError:
    with pytest.raises(LoaderError) as caught:
        loader(folder)
    return caught.value
