"""The API's shapes, once: pydantic models validate requests and generate the OpenAPI 3.1
components (JSON Schema 2020-12, which OpenAPI 3.1 uses as is: no conversion layer).

Pydantic rather than flask-smorest/apispec+marshmallow: it is already here (SQLModel is
built on it), it validates and describes with the same class, and its JSON Schema output
is the dialect of OpenAPI 3.1. Response models describe what ``services.tickets`` writes;
the suite checks real answers against them (tests/test_openapi.py, schemathesis).
"""

import datetime as dt
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic.json_schema import models_json_schema

from triage.api.errors import ApiError
from triage.api.responses import RESPONSES
from triage.models import QUEUES, TEAMS
from triage.services.desk import MAX_BULK
from triage.services.listing import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    SORTS,
    STATES,
    TicketQuery,
    cursor_of,
)
from triage.services.requalify import MAX_COMMENT

MAX_PAGE = 1_000_000
CURSOR_EXAMPLE = cursor_of(dt.datetime(2026, 1, 5, 9, 30, tzinfo=dt.UTC), 1)
MAX_QUERY_TEXT = 200


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


# Names are read in any case ("drasi"), as they always were; the document lists the canonical.
Queue = Annotated[Literal[tuple(q.value for q in QUEUES)], BeforeValidator(_upper)]
OwnerTeam = Annotated[Literal[tuple(t.value for t in TEAMS)], BeforeValidator(_upper)]
State = Annotated[Literal[STATES], BeforeValidator(_lower)]
Sort = Annotated[Literal[SORTS], BeforeValidator(_lower)]


class Request(BaseModel):
    """A request's fields: unknown ones are ignored, known ones are checked."""

    model_config = ConfigDict(extra="ignore")


class TicketsQuery(Request):
    """The query string of ``GET /tickets``."""

    team: Queue | None = Field(None, description="queue (any case)")
    state: State = Field("open", description="open, closed or all")
    overdue: bool = Field(False, description="only open tickets past the escalation threshold")
    needs_review: bool = Field(False, description="only tickets the router left to a human")
    q: str = Field("", max_length=MAX_QUERY_TEXT, description="text in the ref, title, "
                   "description, establishment or caller (accents and case ignored)")
    after: str = Field("", max_length=200, description="keyset cursor (a page's next): the "
                       "page after it, instead of page",
                       json_schema_extra={"example": CURSOR_EXAMPLE})
    page: int = Field(1, ge=1, le=MAX_PAGE, description="page number")
    per_page: int = Field(DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE, description="page size")
    sort: Sort = Field("oldest", description="by creation date")
    soon_overdue: bool = Field(False, description="only open tickets past the warning age, "
                               "not yet overdue or escalated")

    def ticket_query(self) -> TicketQuery:
        """The service's query."""
        return TicketQuery(**self.model_dump())


class StatsQuery(Request):
    """The query string of ``GET /stats``."""

    since: dt.date | None = Field(None, description="only tickets created on or after this day")


class Requalify(Request):
    """The body of ``POST /tickets/{ref}/requalify``."""

    team: OwnerTeam = Field(description="the queue to move the ticket to (any case)")
    comment: str = Field("", max_length=MAX_COMMENT, description="why (shown in the history)")


class BulkRequalify(Request):
    """The body of ``POST /tickets/requalify``: several tickets to one queue."""

    refs: list[Annotated[str, Field(min_length=1, max_length=64, pattern=r"\S")]] = Field(
        min_length=1, max_length=MAX_BULK, description="iTop references (not blank)")
    team: OwnerTeam = Field(description="the queue to move them to (any case)")
    comment: str = Field("", max_length=MAX_COMMENT, description="why (shown in the history)")


class ClassifyRequest(Request):
    """The body of ``POST /classify``: a title or a description that is not blank."""

    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [key], "properties": {key: {"pattern": r"\S"}}}
                for key in ("title", "description")
            ]
        }
    )
    id: Any = Field(None, description="anything, echoed back")
    title: str = ""
    description: str = Field("", description="text or HTML")

    @model_validator(mode="after")
    def _not_blank(self) -> "ClassifyRequest":
        if not self.title.strip() and not self.description.strip():
            raise ValueError("title or description is required")
        return self


REQUESTS = (TicketsQuery, StatsQuery, Requalify, BulkRequalify, ClassifyRequest)


def components() -> dict[str, Any]:
    """The OpenAPI components/schemas of every model (requests as validated)."""
    pairs = [(m, "validation") for m in REQUESTS] + [(m, "serialization") for m in RESPONSES]
    _, document = models_json_schema(pairs, ref_template="#/components/schemas/{model}")
    schemas = document["$defs"]
    for query in (TicketsQuery, StatsQuery):  # they are parameters, not bodies
        schemas.pop(query.__name__, None)
    return schemas


def query_parameters(model: type[Request]) -> list[dict]:
    """The query parameters of a query model, each with its schema from the model."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", "")
        prop.pop("title", None)
        branches = [b for b in prop.pop("anyOf", []) if b.get("type") != "null"]
        if branches:  # optional: absent means "no filter"; null cannot be sent in a query
            prop = {**branches[0], **prop}
        if prop.get("default", 0) is None:
            prop.pop("default")
        parameters.append(
            {"name": name, "in": "query", "required": False, "schema": prop,
             "description": description}
        )
    return parameters


M = TypeVar("M", bound=Request)


RULES = {  # pydantic's error types in the API's words (the web page has French ones)
    "int_parsing": "must be an integer",
    "int_type": "must be an integer",
    "bool_parsing": "must be true or false",
    "date_from_datetime_parsing": "must be a date YYYY-MM-DD",
    "date_parsing": "must be a date YYYY-MM-DD",
    "string_type": "must be a string",
    "missing": "is required",
}


def _bounds(model: type[Request], name: str) -> str | None:
    """"between LOW and HIGH" for a field with both bounds."""
    field = model.model_fields.get(name)
    found = {k: getattr(m, k) for m in (field.metadata if field else []) for k in ("ge", "le")
             if hasattr(m, k)}
    return f"must be between {found['ge']} and {found['le']}" if len(found) == 2 else None


def _sentence(model: type[Request], error: dict) -> str:
    """One error as "field must be ..." (pydantic's own words when there is no rule)."""
    where = ".".join(str(part) for part in error["loc"])
    rule = RULES.get(error["type"])
    if error["type"] == "literal_error":
        rule = f"must be one of {error['ctx']['expected']}"
    elif error["type"] in ("less_than_equal", "greater_than_equal"):
        rule = _bounds(model, where)
    if rule is None:
        return f"{where}: {error['msg']}" if where else error["msg"].removeprefix("Value error, ")
    return f"{where} {rule}"


def parse(model: type[M], data: Any) -> M:
    """The validated model, or ApiError 400 naming the field and the rule."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        error = "unknown_team" if first["loc"][:1] == ("team",) else "invalid_request"
        raise ApiError(400, _sentence(model, first), error) from exc
