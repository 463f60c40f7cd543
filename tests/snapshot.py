"""The rows a loader writes, recorded once per test process and written again per test.

`load_demo` goes through every service, with history, and takes about 1.5 s on
PostgreSQL; several hundred tests start from it. A snapshot runs the loader once inside
a transaction that is rolled back, and records each table's rows before and after.
Restoring writes the difference back in one statement a table (COPY on PostgreSQL), so
a test starts from exactly the rows the loader would have written, ids included.

Tables the loader only added to get those rows added; a table it changed or emptied
(the calendar version's rows, say) is replaced whole. Foreign keys are checked at
commit on both vendors, so the order of the tables does not matter, and the database's
own triggers fire on the restored rows as they fired on the loaded ones.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction


@dataclass(frozen=True)
class TableRows:
    table: str
    columns: tuple[str, ...]
    rows: tuple  # COPY text lines (PostgreSQL) or value tuples (SQLite)
    replace: bool  # the loader changed or deleted rows: empty the table first


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _columns(cursor, table: str) -> tuple[str, ...]:
    description = connection.introspection.get_table_description(cursor, table)
    return tuple(column.name for column in description)


def _read(cursor, table: str, columns: tuple[str, ...]) -> tuple:
    names = ", ".join(_quote(c) for c in columns)
    if connection.vendor == "postgresql":
        lines: list[bytes] = []
        with cursor.cursor.copy(f"COPY {_quote(table)} ({names}) TO STDOUT") as copy:  # noqa: S608
            lines.extend(bytes(chunk) for chunk in copy)
        # COPY text output is one row a line, each ending in a newline.
        return tuple(b"".join(lines).splitlines(keepends=True))
    cursor.execute(f"SELECT {names} FROM {_quote(table)}")  # noqa: S608
    return tuple(cursor.fetchall())


def _state() -> dict[str, tuple[tuple[str, ...], tuple]]:
    with connection.cursor() as cursor:
        state = {}
        for table in connection.introspection.table_names(cursor):
            columns = _columns(cursor, table)
            state[table] = (columns, _read(cursor, table, columns))
        return state


def take(load: Callable[[], object]) -> list[TableRows]:
    """Run `load` in a transaction that is rolled back; return what it wrote, a table each."""
    before = _state()
    with transaction.atomic():
        load()
        after = _state()
        transaction.set_rollback(True)
    snapshot = []
    for table, (columns, rows) in after.items():
        old = set(before.get(table, ((), ()))[1])
        if set(rows) == old:
            continue
        replace = not old <= set(rows)
        added = rows if replace else tuple(row for row in rows if row not in old)
        snapshot.append(TableRows(table, columns, added, replace))
    return snapshot


def restore(snapshot: list[TableRows]) -> None:
    """Write the recorded rows back, in the current transaction."""
    with transaction.atomic(), connection.cursor() as cursor:
        for entry in snapshot:
            names = ", ".join(_quote(c) for c in entry.columns)
            if entry.replace:
                cursor.execute(f"DELETE FROM {_quote(entry.table)}")  # noqa: S608
            if connection.vendor == "postgresql":
                sql = f"COPY {_quote(entry.table)} ({names}) FROM STDIN"
                with cursor.cursor.copy(sql) as copy:
                    copy.write(b"".join(entry.rows))
            else:
                marks = ", ".join(["%s"] * len(entry.columns))
                cursor.executemany(
                    f"INSERT INTO {_quote(entry.table)} ({names}) VALUES ({marks})",  # noqa: S608
                    list(entry.rows),
                )
