"""The dashboard page (/stats) and its CSV export. Every signed-in role may read it."""

from flask import Response, render_template

from triage.config import get_settings
from triage.db import get_session
from triage.models import utcnow
from triage.services.dashboard import dashboard, table_csv
from triage.services.stats import COLUMNS, ROW_LABELS, backlog_for_app
from triage.web.blueprint import bp
from triage.web.charts import hbars, line_chart, stacked_bars


@bp.get("/stats")
def stats():
    """The seed's table live, the trend, the ages, the establishments, the router's quality."""
    data = dashboard(session=get_session(), settings=get_settings(), now=utcnow())
    return render_template(
        "stats.html",
        data=data,
        rows=[
            (key, label.format(days=data["table"]["threshold_days"])) for key, label in ROW_LABELS
        ],
        columns=COLUMNS,
        trend=line_chart(data["trend"]["days"], data["trend"]["series"]),
        ages=stacked_bars(data["ages"]["buckets"], data["ages"]["series"]),
        establishments=hbars(data["establishments"]),
    )


@bp.get("/stats.csv")
def stats_csv():
    """The seed's table as a CSV file."""
    table = backlog_for_app(session=get_session(), settings=get_settings())
    day = table["as_of"][:10]
    return Response(
        table_csv(table),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="triage-{day}.csv"'},
    )
