"""Errors that tell a person exactly which file, row and column could not be read."""

from __future__ import annotations


class LoaderError(ValueError):
    """A published file could not be read as the loader expects."""

    def __init__(self, file: str, message: str, row: int | None = None, column: str | None = None):
        self.file, self.row, self.column, self.reason = str(file), row, column, message
        where = [f"file {self.file}"]
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        super().__init__(f"{', '.join(where)}: {message}")


class UnknownAreaName(LookupError):
    """A source used an area name that maps to no known area; never dropped silently."""

    def __init__(self, name: str, source: str = ""):
        self.name = name
        suffix = f" (in {source})" if source else ""
        super().__init__(
            f"area name '{name}'{suffix} maps to no known area; add it to the name map"
        )


class ValidationFailed(ValueError):
    """A loader's output broke the cache's rules; nothing was written."""

    def __init__(self, dataset_id: str, problems: list[str]):
        self.dataset_id, self.problems = dataset_id, problems
        shown = "; ".join(problems[:10])
        more = f" (and {len(problems) - 10} more)" if len(problems) > 10 else ""
        super().__init__(f"{dataset_id}: {shown}{more}")
