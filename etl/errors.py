"""Errors that name the file, field and value, so a data steward can act on them."""
from __future__ import annotations

import re


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


class InputError(ParseError):
    """A library failed on an input (corrupt zip/xlsx/parquet/shapefile, empty CSV, full disk …): one line that
    names dataset, file and the cause instead of a 70-line traceback."""

    HINTS = {"BadZipFile": "corrupt or truncated zip/xlsx", "EmptyDataError": "empty file",
             "ArrowInvalid": "corrupt parquet/CSV", "ArrowIOError": "corrupt parquet",
             "InvalidFileException": "corrupt xlsx", "DataSourceError": "corrupt shapefile/geodata",
             "DriverError": "corrupt shapefile/geodata", "UnicodeDecodeError": "wrong encoding",
             "PdfReadError": "corrupt PDF", "XLRDError": "corrupt spreadsheet"}

    @classmethod
    def wrap(cls, exc: BaseException, dataset: str, files: list[str]) -> "InputError":
        import errno
        name = type(exc).__name__
        text = " ".join(str(exc).split())
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            hint = "disk full"
        else:
            hint = cls.HINTS.get(name) or next((h for k, h in cls.HINTS.items()
                                                if any(k == c.__name__ for c in type(exc).__mro__)), None)
            hint = hint or ("corrupt parquet" if "parquet" in text.lower() or "magic bytes" in text.lower()
                            else "corrupt or truncated zip/xlsx" if "zip" in text.lower() else "cannot read input")
        # the file the library names (it may not be the last one the step opened), else the last one opened
        file = next((f for f in reversed(files) if f in text), files[-1] if files else "?")
        for f in files:  # full temp/store paths in the message add nothing: the file name is enough
            text = re.sub(r"[^\s'\"(]*/" + re.escape(f), f, text)
        msg = text[:300] or name
        err = cls(file, f"{hint} ({name}: {msg})")
        err.__cause__ = exc
        return err
