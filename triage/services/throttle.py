"""Sign-in throttling by (login, client address), in the database so all workers share it.

Each pair gets a few free failures, then waits a delay that doubles with every further
failure (up to MAX_DELAY). An address also has a counter over every login (login ""), for
password spraying. Nothing here ever refuses a login from another address: an attacker
cannot keep a user out, only slow down his own guesses. Counters fade after WINDOW without
failure; an admin can clear a login's at once (``unlock``).
"""

import datetime as dt
import logging

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from triage.models import LoginThrottle, utcnow

log = logging.getLogger(__name__)

FREE_FAILURES = 3  # failures of one login from one address before any delay
ADDRESS_FREE_FAILURES = 20  # failures from one address, over every login
FIRST_DELAY = dt.timedelta(seconds=2)
MAX_DELAY = dt.timedelta(minutes=15)
WINDOW = dt.timedelta(hours=1)  # a counter without failure for this long starts again
ANY_LOGIN = ""


class LoginThrottled(Exception):
    """This login (or this address) must wait before the next try."""

    def __init__(self, retry_after: dt.timedelta):
        super().__init__(f"too many failed sign-ins: retry in {retry_after}")
        self.retry_after_seconds = max(1, int(retry_after.total_seconds() + 0.999))


def _keys(login: str, address: str) -> list[tuple[str, str]]:
    login = (login or "").strip().lower()[:128]
    return [(login, address[:64]), (ANY_LOGIN, address[:64])]


def delay_after(failures: int, free: int) -> dt.timedelta | None:
    """The wait after ``failures`` failures of which ``free`` cost nothing (None: no wait)."""
    if failures <= free:
        return None
    return min(FIRST_DELAY * 2 ** min(failures - free - 1, 20), MAX_DELAY)


def check(*, session: Session, login: str, address: str, now: dt.datetime | None = None) -> None:
    """Raise LoginThrottled while this login from this address (or the address) must wait."""
    now = now or utcnow()
    waits = []
    for key in _keys(login, address):
        row = session.get(LoginThrottle, key)
        if row is not None and row.blocked_until is not None and row.blocked_until > now:
            waits.append(row.blocked_until - now)
    if waits:
        raise LoginThrottled(max(waits))


def _ensure_row(session: Session, key: tuple[str, str], now: dt.datetime) -> None:
    if session.get(LoginThrottle, key) is not None:
        return
    session.add(LoginThrottle(login=key[0], address=key[1], failures=0, last_failure_at=now))
    try:
        session.commit()
    except IntegrityError:  # another worker made it meanwhile
        session.rollback()


def _count(session: Session, key: tuple[str, str], now: dt.datetime, free: int) -> int:
    """Add one failure atomically (several workers), then set the wait it brings."""
    _ensure_row(session, key, now)
    pk = (LoginThrottle.login == key[0]) & (LoginThrottle.address == key[1])
    stale = pk & (LoginThrottle.last_failure_at < now - WINDOW)
    session.execute(sa.update(LoginThrottle).where(stale).values(failures=0))
    session.execute(
        sa.update(LoginThrottle)
        .where(pk)
        .values(failures=LoginThrottle.failures + 1, last_failure_at=now)
    )
    session.commit()
    row = session.get(LoginThrottle, key)
    session.refresh(row)
    wait = delay_after(row.failures, free)
    if wait is not None:
        row.blocked_until = now + wait
        session.add(row)
        session.commit()
    return row.failures


def record_failure(*, session: Session, login: str, address: str) -> None:
    """Count a failed sign-in of ``login`` from ``address``; forget counters long idle."""
    now = utcnow()
    session.execute(sa.delete(LoginThrottle).where(LoginThrottle.last_failure_at < now - WINDOW))
    pair, anywhere = _keys(login, address)
    failures = _count(session, pair, now, FREE_FAILURES)
    _count(session, anywhere, now, ADDRESS_FREE_FAILURES)
    if failures > FREE_FAILURES:
        log.warning("sign-in of %r from %s: %d failures, throttled", pair[0], address, failures)


def record_success(*, session: Session, login: str, address: str) -> None:
    """The right password: this pair starts again (the address's counter does not)."""
    pair, _ = _keys(login, address)
    session.execute(
        sa.delete(LoginThrottle).where(
            (LoginThrottle.login == pair[0]) & (LoginThrottle.address == pair[1])
        )
    )
    session.commit()


def throttled(*, session: Session, now: dt.datetime | None = None) -> list[LoginThrottle]:
    """The pairs (and addresses) waiting now, longest wait first (the admin page)."""
    now = now or utcnow()
    query = (
        select(LoginThrottle)
        .where(LoginThrottle.blocked_until > now)
        .order_by(LoginThrottle.blocked_until.desc())
    )
    return list(session.exec(query))


def waiting_logins(*, session: Session) -> dict[str, int]:
    """Logins (lower case) that wait now, with from how many addresses."""
    waiting: dict[str, int] = {}
    for row in throttled(session=session):
        if row.login != ANY_LOGIN:
            waiting[row.login] = waiting.get(row.login, 0) + 1
    return waiting


def unlock(*, session: Session, login: str, address: str | None = None) -> int:
    """Clear the counters of a login (from one address, or from all); how many. Commits."""
    where = LoginThrottle.login == (login or "").strip().lower()[:128]
    if address is not None:
        where = where & (LoginThrottle.address == address)
    count = session.execute(sa.delete(LoginThrottle).where(where)).rowcount
    session.commit()
    log.info("sign-in throttling of %r cleared (%d counters)", login, count)
    return count
