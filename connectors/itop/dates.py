"""iTop dates: ``Y-m-d H:i:s`` in iTop's time zone, converted to and from aware UTC."""

import datetime as dt
from zoneinfo import ZoneInfo

from connectors.itop.errors import ItopProtocolError

ITOP_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


def parse_itop_date(text: str | None, tz: str | dt.tzinfo) -> dt.datetime | None:
    """Read an iTop date (local time of ``tz``) as an aware UTC datetime; "" gives None."""
    if not text:
        return None
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    try:
        naive = dt.datetime.strptime(text.strip(), ITOP_DATE_FORMAT)
    except ValueError:
        try:  # date-only attributes come without the time
            naive = dt.datetime.strptime(text.strip(), "%Y-%m-%d")
        except ValueError as exc:
            raise ItopProtocolError(f"not an iTop date: {text!r}") from exc
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def format_itop_date(value: dt.datetime, tz: str | dt.tzinfo) -> str:
    """Write an aware datetime as iTop does, in iTop's time zone."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime refused: {value!r}")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return value.astimezone(zone).strftime(ITOP_DATE_FORMAT)
