"""SQLite: empty the tables, then executemany in one transaction per chunk of tickets.

Values go through the app's column types (``triage.models``), so times are stored exactly as
the app stores them. No ANALYZE: an installed SQLite triage never runs one either.
"""

import time

import sqlalchemy as sa

from scalebench.load import Columns, prefetched
from scalebench.tickets import Generator


def _table(name: str, keys: list[str]) -> sa.TableClause:
    """A table of just these columns, typed like the app's models when it knows them."""
    from sqlmodel import SQLModel

    import triage.models  # noqa: F401  (registers the tables)

    model = SQLModel.metadata.tables.get(name)
    types = {c.name: c.type for c in model.columns} if model is not None else {}
    return sa.table(name, *(sa.column(k, types.get(k, sa.types.NullType())) for k in keys))


def insert_rows(conn, columns: Columns, table: str, rows: list[dict]) -> int:
    """One executemany of rows into a table."""
    if not rows:
        return 0
    keys = columns.keys(table, rows[0])
    conn.execute(sa.insert(_table(table, keys)), [{k: row[k] for k in keys} for row in rows])
    return len(rows)


def load_sqlite(
    engine: sa.Engine, generator: Generator, columns: Columns, fixed: dict, seconds: dict
) -> dict[str, int]:
    """Write the data set, a transaction per chunk."""
    counts: dict[str, int] = {}
    metadata = sa.MetaData()
    metadata.reflect(engine)
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name != "alembic_version":
                conn.execute(table.delete())
    clock = time.perf_counter()
    for chunk in prefetched(generator.chunks()):
        with engine.begin() as conn:
            for table, rows in chunk.items():
                counts[table] = counts.get(table, 0) + insert_rows(conn, columns, table, rows)
    with engine.begin() as conn:
        snapshots = generator.snapshots.rows(generator.shape.as_of, 1)
        counts["backlogsnapshot"] = insert_rows(conn, columns, "backlogsnapshot", snapshots)
        for table, rows in fixed.items():
            counts[table] = insert_rows(conn, columns, table, rows)
    seconds["generate_and_insert"] = time.perf_counter() - clock
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return counts
