"""Prepared statements for the busiest queries: compiled once, run straight on the driver.

SQLAlchemy spends about a tenth of a millisecond on each statement it executes (events, cache
lookups, setting up the result), several times what SQLite needs to run an indexed query. For
the few statements that run on nearly every request or every vote (the signed-in lookup, the
rate-limit count, the vote itself), `Prepared` skips that bookkeeping and nothing else: it sends
the SQL that SQLAlchemy compiles for the database in use, converts parameters and results with
the columns' own types (SQLAlchemy's bind and result processors, so a datetime is stored and
read exactly as everywhere else), and runs inside the caller's connection and transaction.

Rows come back as named tuples (`row.status`). Errors are the driver's own exceptions. Column
defaults set in Python are not applied: a statement that would need one is refused when it is
compiled, so its caller passes the value.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement


class _Compiled:
    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        missing = [*compiled.insert_prefetch, *compiled.update_prefetch]
        if missing:  # SQLAlchemy fills these in as it executes; here the caller must
            names = ", ".join(column.key for column in missing)
            raise ValueError(f"give {names} explicitly: defaults set in Python are not applied")
        self.compiled = compiled
        self.sql = compiled.string
        self.order = compiled.positiontup if dialect.positional else None
        self.converters: list[tuple[str, Callable[[Any], Any]]] = []
        for bind, name in compiled.bind_names.items():
            process = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if process is not None:
                self.converters.append((name, process))
        columns = list(
            statement.selected_columns
            if hasattr(statement, "selected_columns")
            else statement.exported_columns
        )
        # mypy takes only literal field names for a namedtuple; these are the statement's columns.
        row = namedtuple("Row", [c.key for c in columns], rename=True)  # type: ignore[misc]
        self.row: Callable[[Iterable[Any]], tuple[Any, ...]] = row._make
        self.readers = [
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        ]
        if not any(self.readers):
            self.readers = []

    def params(self, values: Mapping[str, Any]) -> Any:
        bound = self.compiled.construct_params(values)
        for name, process in self.converters:
            bound[name] = process(bound[name])
        return [bound[name] for name in self.order] if self.order is not None else bound

    def make(self, raw: tuple[Any, ...]) -> Any:
        if self.readers:
            raw = tuple(
                value if read is None else read(value)
                for value, read in zip(raw, self.readers, strict=True)
            )
        return self.row(raw)


class Prepared:
    """A Core select, or DML with RETURNING, to run on a connection with `first` or `all`."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _for(self, conn: Connection) -> _Compiled:
        name = conn.dialect.name
        if name not in self._compiled:
            self._compiled[name] = _Compiled(self.statement, conn.dialect)
        return self._compiled[name]

    def all(self, conn: Connection, values: Mapping[str, Any]) -> list[Any]:
        """Every row, on `conn` (in its transaction, if it has one)."""
        compiled = self._for(conn)
        params = compiled.params(values)
        # SQLAlchemy types driver_connection as optional (None once invalidated); a connection
        # in use has one.
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            if conn.dispatch.before_cursor_execute:  # someone counts statements (the tests)
                conn.dispatch.before_cursor_execute(conn, cursor, compiled.sql, params, None, False)
            cursor.execute(compiled.sql, params)
            return [compiled.make(raw) for raw in cursor.fetchall()]
        finally:
            cursor.close()

    def first(self, conn: Connection, values: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        rows = self.all(conn, values)
        return rows[0] if rows else None
