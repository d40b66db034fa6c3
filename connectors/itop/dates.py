"""iTop dates: ``Y-m-d H:i:s`` in iTop's time zone, converted to and from aware UTC."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

from connectors.itop.errors import ItopProtocolError

ITOP_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
# what iTop writes, read by ``fromisoformat`` (a tenth of ``strptime``'s cost on a first sync)
_CANONICAL = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", re.ASCII)


def parse_itop_date(text: str | None, tz: str | dt.tzinfo) -> dt.datetime | None:
    """Read an iTop date (local time of ``tz``) as an aware UTC datetime; "" gives None."""
    if not text:
        return None
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    text = text.strip()
    try:
        if _CANONICAL.fullmatch(text):
            naive = dt.datetime.fromisoformat(text)
        else:
            naive = dt.datetime.strptime(text, ITOP_DATE_FORMAT)
    except ValueError:
        try:  # date-only attributes come without the time
            naive = dt.datetime.strptime(text, "%Y-%m-%d")
        except ValueError as exc:
            raise ItopProtocolError(f"not an iTop date: {text!r}") from exc
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def format_itop_date(value: dt.datetime, tz: str | dt.tzinfo) -> str:
    """Write an aware datetime as iTop does, in iTop's time zone."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime refused: {value!r}")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return value.astimezone(zone).strftime(ITOP_DATE_FORMAT)
