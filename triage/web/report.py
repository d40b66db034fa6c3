"""The committee's report (/rapport?du=&au=): printable on A4 landscape from the browser."""

from flask import abort, render_template, request

from triage.config import get_settings
from triage.db import get_session
from triage.models import utcnow
from triage.services.report import InvalidPeriod, committee_report, parse_period
from triage.services.stats import COLUMNS, ROW_LABELS
from triage.web.blueprint import bp
from triage.web.charts import line_chart


@bp.get("/rapport")
def report():
    """The seed's slide for any period, with the trend, ages, schools and national times."""
    settings = get_settings()
    now = utcnow()
    try:
        period = parse_period(
            request.args.get("du"), request.args.get("au"), today=now.astimezone(settings.tz).date()
        )
    except InvalidPeriod as exc:
        abort(400, str(exc))
    data = committee_report(session=get_session(), settings=settings, period=period, now=now)
    days = data["table"]["threshold_days"]
    return render_template(
        "report.html",
        data=data,
        rows=[(key, label.format(days=days)) for key, label in ROW_LABELS],
        columns=COLUMNS,
        trend=line_chart(data["trend"]["days"], data["trend"]["series"]),
        generated_at=now,
    )
