"""A problem found in a submitted file, said in plain words and placed by row and column."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

# Per kind of problem, the rows listed one by one; the rest are counted in one line, so a file
# with a million bad rows is still answered in seconds with a readable list.
ROWS_LISTED_PER_KIND = 50


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file. Row numbers are as a spreadsheet shows them (header = 1)."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class ProblemList:
    """Collects problems, listing the first rows of each kind and counting the rest."""

    def __init__(self, rows_listed: int = ROWS_LISTED_PER_KIND):
        self._listed: list[Problem] = []
        self._kinds: dict[str, list] = {}  # what → [rows listed, rows not listed, column]
        self._rows_listed = rows_listed
        self.total = 0

    def __bool__(self) -> bool:
        return self.total > 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        self._listed.append(Problem(row, column, message))

    def add_rows(
        self,
        rows: Iterable[int],
        column: str | None,
        message: Callable[[int], str] | str,
        *,
        what: str,
    ) -> None:
        """One problem per row; `message(i)` gets the position of the row in `rows`.

        `what` names the kind of problem. Each kind lists its first rows and counts the rest in
        one closing line ("… and 9,950 more rows where receipts is blank"), however many calls
        add to it.
        """
        rows = list(rows)
        if not rows:
            return
        self.total += len(rows)
        kind = self._kinds.setdefault(what, [0, 0, column])
        room = max(0, self._rows_listed - kind[0])
        for i, row in enumerate(rows[:room]):
            text = message(i) if callable(message) else message
            self._listed.append(Problem(int(row), column, text))
        kind[0] += min(room, len(rows))
        kind[1] += max(0, len(rows) - room)

    def merge(self, other: ProblemList) -> None:
        """Take over another list's problems, its counts included."""
        self.total += other.total
        self._listed.extend(other._listed)
        for what, (listed, hidden, column) in other._kinds.items():
            kind = self._kinds.setdefault(what, [0, 0, column])
            kind[0] += listed
            kind[1] += hidden

    def items(self) -> list[Problem]:
        """Whole-file problems first, then by row, then the counts of rows not listed."""
        whole_file = [p for p in self._listed if p.row is None]
        by_row = sorted((p for p in self._listed if p.row is not None), key=lambda p: p.row)
        counted = [
            Problem(None, column, f"… and {hidden:,} more rows where {what}.")
            for what, (_listed, hidden, column) in self._kinds.items()
            if hidden
        ]
        return whole_file + by_row + counted


def summary(problems: list[Problem], total: int | None = None) -> str:
    """'3 problems' / '1 problem' in words, for headings and error messages."""
    count = total if total is not None else len(problems)
    return f"{count:,} problem{'s' if count != 1 else ''}"
