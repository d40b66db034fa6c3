"""Keyset paging of iTop's ``core/get``, each next page read ahead on request.

iTop's OQL has no ORDER BY; it answers in ref order, descending, and refs follow ids. Each
page asks ``id < <lowest id so far>`` with ``limit``, so an object that changes (or leaves
the query) while the pages are read never shifts the others: no page is skipped or read
twice, however busy iTop is.

Read ahead, the next page is asked as soon as this one is read, from a thread with an HTTP
session of its own, while the caller works on this one: iTop's answer time and the caller's
work overlap (a sync writes a page while iTop serializes the next). A failed read is raised
when its page is reached; a caller that stops leaves the read in flight to end, unused.
"""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from connectors.itop.errors import ItopProtocolError
from connectors.itop.wire import ItopPage

if TYPE_CHECKING:
    from connectors.itop.client import ItopClient

# reads the page below a bound (None: the first); gives it and the next bound (0: the last)
Reader = Callable[[int | None], tuple[ItopPage, int]]


def keyset_pages(
    client: "ItopClient",
    cls: str,
    where: str,
    *,
    output_fields: str | list[str],
    page_size: int,
    read_ahead: bool = False,
) -> Iterator[ItopPage]:
    """Every object of ``cls`` matching ``where``, a page at a time, by id descending."""
    read = _reader(client, cls, where, output_fields, page_size)
    if read_ahead:
        yield from _read_ahead(client, read)
        return
    bound = None
    while bound != 0:
        page, bound = read(bound)
        yield page


def _reader(
    client: "ItopClient", cls: str, where: str, output_fields: str | list[str], page_size: int
) -> Reader:
    def read(bound: int | None) -> tuple[ItopPage, int]:
        conditions = [c for c in (where, f"id < {bound}" if bound else "") if c]
        oql = f"SELECT {cls}" + (" WHERE " + " AND ".join(conditions) if conditions else "")
        page = client.get(cls, oql, output_fields=output_fields, limit=page_size, page=1)
        lowest = min((o.key for o in page.objects), default=0)
        if bound is not None and page.objects and lowest >= bound:
            raise ItopProtocolError(f"iTop ignored the keyset condition id < {bound}")
        return page, lowest if len(page.objects) >= page_size else 0

    return read


def _read_ahead(client: "ItopClient", read: Reader) -> Iterator[ItopPage]:
    """The pages of ``read``, each next one asked while the caller has the current one."""
    session = client.new_read_session()
    pool = ThreadPoolExecutor(
        1, thread_name_prefix="itop-pages", initializer=client.read_in_this_thread_with,
        initargs=(session,),
    )  # fmt: skip
    future = pool.submit(read, None)
    try:
        while future is not None:
            started = time.perf_counter()
            try:
                page, bound = future.result()
            finally:
                client.count_wait(time.perf_counter() - started)
            future = pool.submit(read, bound) if bound else None
            yield page
    finally:  # done, failed, or the caller stopped: a read still going is left to end
        pool.shutdown(wait=False, cancel_futures=True)
        if future is None:
            session.close()
        else:
            future.add_done_callback(lambda _: session.close())
