"""Benchmark of the age check and the outbox: an empty check on a large table, a mass escalation.

Run: ``.venv/bin/python bench/escalation_bench.py [DATABASE_URL]`` (default: a temporary
SQLite file). 100,000 Op@le tickets, 2,000 of them open and overdue; a local aiosmtpd server
receives the e-mails. Prints figures; asserts nothing.
"""

import datetime as dt
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.plugins.factories import make_ticket  # noqa: E402
from tests.plugins.smtp import SMTPServer  # noqa: E402
from triage import create_app  # noqa: E402
from triage.config import get_settings  # noqa: E402
from triage.db import get_session, init_db  # noqa: E402
from triage.models import utcnow  # noqa: E402
from triage.services.escalation import check_ages  # noqa: E402
from triage.services.outbox import send_pending  # noqa: E402

TOTAL, OVERDUE = 100_000, 2_000


def main() -> None:
    """Load tickets, then time: an age check with nothing due, a mass escalation, sending."""
    folder = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{folder / 'bench.db'}"
    smtp = SMTPServer()
    smtp.start()
    app = create_app(
        {
            "INSTANCE_PATH": str(folder),
            "SECRET_KEY": "bench",
            "DATABASE_URL": url,
            "ESCALATION_TO": ["national@example.org"],
            **smtp.settings(),
        }
    )
    logging.getLogger().setLevel(logging.WARNING)  # figures only
    now = utcnow()
    with app.app_context():
        init_db()
        session = get_session()
        for start in range(0, TOTAL, 10_000):
            batch = []
            for n in range(start, start + 10_000):
                overdue = n < OVERDUE
                batch.append(
                    make_ticket(
                        n=n + 1,
                        team="DRASI" if n % 2 else "SI2C",
                        status="assigned" if overdue or n % 3 == 0 else "closed",
                        created_at=now - dt.timedelta(days=30 if overdue else 3 + n % 10),
                    )
                )
            session.add_all(batch)
            session.commit()
        clock = time.perf_counter()
        check_ages(session=session, settings=get_settings(app), now=now - dt.timedelta(days=20))
        print(f"age check, nothing due, {TOTAL} tickets: {time.perf_counter() - clock:.3f} s")
        clock = time.perf_counter()
        counts = check_ages(session=session, settings=get_settings(app), now=now)
        spent = time.perf_counter() - clock
        print(
            f"escalation of {counts['national']} tickets: {spent:.2f} s "
            f"({counts['national'] / spent:.0f} tickets/s)"
        )
        clock = time.perf_counter()
        sent = 0
        while True:
            done = send_pending(session=session, settings=get_settings(app))
            sent += done["sent"]
            if not done["claimed"]:
                break
        spent = time.perf_counter() - clock
        print(
            f"outbox: {sent} e-mails sent in {spent:.2f} s ({sent / spent:.0f} e-mails/s), "
            f"server received {len(smtp.messages)}"
        )
    smtp.stop()


if __name__ == "__main__":
    main()
