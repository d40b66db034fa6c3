"""Reading a JSON request body: a depth limit, and every failure a 400 in the API's shape.

The body's size is bounded before this (``MAX_CONTENT_LENGTH``: werkzeug answers 413 before
reading it). Python's parser recurses once per level: 100,000 nested brackets raise
``RecursionError`` (a 500) and even legal depths make every later step recurse as deep.
"""

import json
from typing import Any

from flask import request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest

from triage.api.errors import ApiError

MAX_JSON_DEPTH = 32  # no request of this API nests more than 3 levels


class JsonTooDeep(ValueError):
    """A JSON document nested deeper than MAX_JSON_DEPTH."""


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether arrays/objects nest deeper than ``limit`` (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class LimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON provider whose ``loads`` refuses documents nested too deep."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Parse, then check the depth; too deep is a ValueError (Flask's 400 path)."""
        try:
            value = json.loads(s, **kwargs)
        except RecursionError as exc:
            raise JsonTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from exc
        if _depth_exceeds(value, MAX_JSON_DEPTH):
            raise JsonTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        return value


def _too_deep_in(exc: BaseException | None) -> JsonTooDeep | None:
    """The JsonTooDeep behind a BadRequest (Flask chains it by cause or context)."""
    while exc is not None and not isinstance(exc, JsonTooDeep):
        exc = exc.__cause__ or exc.__context__
    return exc


def json_object() -> dict:
    """The request's JSON object, or an ApiError 400 saying what is wrong with it."""
    if not request.is_json:
        raise ApiError(400, "a JSON object is expected (Content-Type: application/json)")
    try:
        body = request.get_json()
    except BadRequest as exc:  # Flask hides the parser's message outside debug mode
        cause = _too_deep_in(exc)
        if cause is not None:
            raise ApiError(400, str(cause), "json_too_deep") from exc
        raise ApiError(400, "the body is not valid JSON", "invalid_json") from exc
    if not isinstance(body, dict):
        raise ApiError(400, "a JSON object is expected (Content-Type: application/json)")
    return body
