"""Database tables (SQLModel), by room: ``base`` (times, queues, vocabularies), ``tickets``,
``people``, ``outgoing``, ``jobs``, ``schools``; every name importable from ``triage.models``.

Times are stored timezone-aware in UTC (``UTCDateTime`` keeps them aware on SQLite too).
"""

from triage.models.base import (  # noqa: F401
    CLOSED_STATUSES,
    DAY_RULES,
    GONE_REASONS,
    ITOP_WRITE_KINDS,
    ITOP_WRITE_STATUSES,
    LEVELS,
    OUTBOX_STATUSES,
    QUEUES,
    RETRAIN_STATUSES,
    ROLES,
    ROUTABLE_TEAMS,
    TEAM_SOURCES,
    TEAMS,
    Team,
    UTCDateTime,
    fold_text,
    is_open_status,
    one_of,
    utcnow,
)
from triage.models.jobs import (  # noqa: F401
    BacklogSnapshot,
    DashboardFigure,
    DataVersion,
    JobRun,
    ReplayRun,
    RetrainRequest,
    SyncState,
)
from triage.models.outgoing import (  # noqa: F401
    Escalation,
    ItopWrite,
    OutboxMessage,
)
from triage.models.people import (  # noqa: F401
    ApiToken,
    LoginThrottle,
    User,
)
from triage.models.schools import (  # noqa: F401
    School,
    SchoolNote,
)
from triage.models.tickets import (  # noqa: F401
    SEARCH_FIELDS,
    RoutingDecision,
    Ticket,
    TicketEvent,
    in_backlog,
    ticket_search_text,
)
