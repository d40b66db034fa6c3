"""Pieces of the OpenAPI document: JSON Schema shorthands and response builders."""


def nullable(schema: dict) -> dict:
    """The schema, null allowed."""
    return {**schema, "nullable": True}


STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
TIME = {"type": "string", "format": "date-time"}


def obj(properties: dict, required: list | None = None) -> dict:
    """An object schema; every property required unless ``required`` says otherwise."""
    return {"type": "object", "required": required or list(properties), "properties": properties}


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
