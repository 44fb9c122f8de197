"""Errors that name the file, field and value, so a data steward can act on them."""
from __future__ import annotations


class EtlError(Exception):
    """Base class: any error the ETL raises on purpose."""


class MissingInputError(EtlError):
    def __init__(self, dataset: str, filename: str, looked_in: list[str]):
        self.dataset, self.filename, self.looked_in = dataset, filename, looked_in
        super().__init__(
            f"dataset '{dataset}': input file '{filename}' not found; expected in: " + ", ".join(looked_in)
        )


class ParseError(EtlError):
    def __init__(self, file: str, message: str, field: str | None = None, value: object = None,
                 line: int | None = None):
        self.file, self.field, self.value, self.line = file, field, value, line
        where = f"{file}"
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field '{field}'"
        if value is not None:
            where += f", value {value!r}"
        super().__init__(f"{where}: {message}")


class ValidationError(EtlError):
    """A staging table broke its schema (type, key format, uniqueness, range, symbol)."""


class UnknownSelection(EtlError):
    """User asked for an indicator/level/year that does not exist; message lists what does."""
