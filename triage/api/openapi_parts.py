"""Pieces of the OpenAPI document: response and parameter builders, the shared errors."""


def error(description: str) -> dict:
    """A response with the one error shape."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def ok(schema: str, description: str = "OK") -> dict:
    """A JSON response of a named schema."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def param(name: str, schema: dict, description: str, where: str = "query") -> dict:
    """A query (or path) parameter."""
    return {
        "name": name,
        "in": where,
        "required": where == "path",
        "schema": schema,
        "description": description,
    }


def body(schema: str) -> dict:
    """A required JSON request body of a named schema."""
    return {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


AUTH_ERRORS = {
    "401": error("no valid token or session"),
    "500": error("internal error"),
    "503": error("the database does not answer (Retry-After says when to try again)"),
}
BODY_ERRORS = {
    "400": error("bad body: not JSON, nested too deep, or a field breaking its schema"),
    "413": error("body larger than TRIAGE_MAX_CONTENT_LENGTH"),
}
REF = param("ref", {"type": "string"}, "iTop reference, e.g. R-000123", "path")
