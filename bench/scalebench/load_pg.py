"""PostgreSQL: one transaction (truncate, drop the secondary indexes, COPY ... FREEZE every
table, rebuild the indexes, reset the sequences), then VACUUM (ANALYZE).

A load cut short rolls back whole, indexes included (PostgreSQL's DDL is transactional).
"""

import time

import sqlalchemy as sa
from psycopg import sql

from scalebench.load import BIG_TABLES, Columns, prefetched
from scalebench.tickets import Generator

# secondary indexes of the big tables (not the ones behind a primary key or unique constraint)
INDEXES = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class t ON t.oid = i.indrelid
WHERE t.relname = ANY(%s) AND t.relnamespace = current_schema()::regnamespace
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""


def copy_rows(cur, columns: Columns, table: str, rows: list[dict]) -> int:
    """COPY rows into a table truncated in this transaction (FREEZE: no later rewrite)."""
    if not rows:
        return 0
    keys = columns.keys(table, rows[0])
    statement = sql.SQL("COPY {} ({}) FROM STDIN WITH (FREEZE)").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, keys))
    )
    with cur.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[k] for k in keys])
    return len(rows)


def _reset_sequences(cur, columns: Columns) -> None:
    for table, cols in columns.tables.items():
        if "id" not in cols:
            continue
        name = sql.Identifier(table).as_string(cur)
        cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", (name,))
        sequence = cur.fetchone()[0]
        if sequence:
            cur.execute(
                sql.SQL("SELECT setval(%s, COALESCE((SELECT max(id) FROM {}), 0) + 1, false)")
                .format(sql.Identifier(table)), (sequence,)
            )


def load_postgresql(
    engine: sa.Engine, generator: Generator, columns: Columns, fixed: dict, seconds: dict
) -> dict[str, int]:
    """Write the whole data set in one transaction; VACUUM (ANALYZE) afterwards."""
    counts: dict[str, int] = {}
    tables = [t for t in columns.tables if t != "alembic_version"]
    raw = engine.raw_connection()
    conn = raw.driver_connection
    try:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
            cur.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(map(sql.Identifier, tables))))
            cur.execute(INDEXES, (list(BIG_TABLES),))
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f"DROP INDEX {name}")
            clock = time.perf_counter()
            for chunk in prefetched(generator.chunks()):
                for table, rows in chunk.items():
                    counts[table] = counts.get(table, 0) + copy_rows(cur, columns, table, rows)
            snapshots = generator.snapshots.rows(generator.shape.as_of, 1)
            counts["backlogsnapshot"] = copy_rows(cur, columns, "backlogsnapshot", snapshots)
            for table, rows in fixed.items():
                counts[table] = copy_rows(cur, columns, table, rows)
            seconds["generate_and_copy"] = time.perf_counter() - clock
            clock = time.perf_counter()
            for _, definition in indexes:
                cur.execute(definition)
            _reset_sequences(cur, columns)
            seconds["indexes"] = time.perf_counter() - clock
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        raw.close()
    clock = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as auto:
        auto.exec_driver_sql("VACUUM (ANALYZE)")
    seconds["vacuum_analyze"] = time.perf_counter() - clock
    return counts
