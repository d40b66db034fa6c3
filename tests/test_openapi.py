"""The OpenAPI document matches the routes: every path exists, every documented field appears."""

import re

import pytest

from triage.api.openapi import openapi_document


@pytest.fixture(autouse=True)
def _model(web_config):
    """The shared router model (and settings) before the app is built."""


@pytest.fixture
def spec(client, tokens):
    response = client.get(
        "/api/v1/openapi.json", headers={"Authorization": f"Bearer {tokens['superviseur']}"}
    )
    assert response.status_code == 200
    return response.get_json()


def _resolve(spec: dict, schema: dict) -> dict:
    """Follow $ref, merge allOf into one object schema; OpenAPI 3.1 writes "may be null" as
    ``anyOf: [X, {"type": "null"}]`` (3.0's ``nullable``)."""
    branches = schema.get("anyOf", [])
    if any(b.get("type") == "null" for b in branches) and len(branches) == 2:
        [other] = [b for b in branches if b.get("type") != "null"]
        return {**_resolve(spec, other), "nullable": True}
    if "$ref" in schema:
        return _resolve(spec, spec["components"]["schemas"][schema["$ref"].split("/")[-1]])
    if "allOf" in schema:
        merged = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolve(spec, part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return merged
    return schema


def _check(spec: dict, schema: dict, value, where: str) -> None:
    """Every documented property is in the value (recursively), of a plausible type."""
    schema = _resolve(spec, schema)
    if value is None:
        assert schema.get("nullable") or "type" not in schema, f"{where} is null"  # no type: any
        return
    kind = schema.get("type")
    if kind == "object":
        assert isinstance(value, dict), where
        for name, sub in schema.get("properties", {}).items():
            assert name in value, f"{where}.{name} is documented but missing"
            _check(spec, sub, value[name], f"{where}.{name}")
    elif kind == "array":
        assert isinstance(value, list), where
        for i, item in enumerate(value[:3]):
            _check(spec, schema.get("items", {}), item, f"{where}[{i}]")
    elif kind in ("integer", "number"):
        assert isinstance(value, int | float) and not isinstance(value, bool), where
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind == "string":
        assert isinstance(value, str), where
        if "enum" in schema:
            assert value in schema["enum"], f"{where}={value!r} not in {schema['enum']}"


def _refs(node):
    """Every ``$ref`` string anywhere in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_the_served_document_is_openapi_3(spec):
    assert spec == openapi_document()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    # what an OpenAPI validator checks first, on the document as served
    refs = sorted(set(_refs(spec)))
    assert refs, "no $ref at all"
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        target = spec
        for part in ref[2:].split("/"):
            assert part in target, f"{ref} resolves to nothing"
            target = target[part]
    schemes = spec["components"]["securitySchemes"]
    assert all(name in schemes for requirement in spec["security"] for name in requirement)
    ids = []
    for path, operations in spec["paths"].items():
        declared = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            ids.append(operation["operationId"])
            in_path = {
                p["name"] for p in operation.get("parameters", []) if p["in"] == "path"
            }
            assert in_path == declared, f"{where}: path parameters {in_path} != {declared}"
            assert all(
                p["required"] for p in operation.get("parameters", []) if p["in"] == "path"
            ), where
            responses = operation["responses"]
            assert "401" in responses, f"{where}: every API route needs a token"
            assert any(code.startswith("2") for code in responses), f"{where}: no success"
            assert all(r.get("description") for r in responses.values()), where
    assert len(ids) == len(set(ids)), "operationId must be unique"


def test_every_documented_path_exists_with_its_methods(app, spec):
    rules = {}
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        rules.setdefault(path, set()).update(rule.methods)
    base = spec["servers"][0]["url"]
    for path, operations in spec["paths"].items():
        assert base + path in rules, f"{path} is documented but not served"
        for method in operations:
            assert method.upper() in rules[base + path], f"{method} {path} not served"
    served = {p for p in rules if p.startswith(base)}
    assert served == {base + p for p in spec["paths"]}, "a served API route is undocumented"


def test_every_documented_field_appears_in_real_responses(client, tokens, spec, ticket_factory):
    ticket_factory(ref="R-1", team="DRASI", prefix="DRASI", confidence=0.9, team_source="prefix")
    headers = {"Authorization": f"Bearer {tokens['superviseur']}"}
    schemas = spec["components"]["schemas"]

    def call(method, path, status, schema, **kwargs):
        response = client.open("/api/v1" + path, method=method, headers=headers, **kwargs)
        assert response.status_code == status, response.get_json()
        operation = spec["paths"][re.sub(r"R-\d+", "{ref}", path.split("?")[0])][method.lower()]
        assert str(status) in operation["responses"], f"{status} undocumented for {path}"
        _check(spec, schemas[schema], response.get_json(), path)

    call("GET", "/tickets?team=DRASI", 200, "TicketPage")
    call("GET", "/tickets/R-1", 200, "TicketDetail")
    call(
        "POST", "/tickets/R-1/requalify", 200, "TicketDetail", json={"team": "SI2C", "comment": "x"}
    )
    detail = client.get("/api/v1/tickets/R-1", headers=headers).get_json()
    _check(spec, schemas["Decision"], detail["history"][0], "history[0]")
    call("GET", "/stats", 200, "Stats")
    call("GET", "/tickets?state=nope", 400, "Error")
    call("GET", "/tickets/R-404", 404, "Error")
    call("POST", "/tickets/R-1/requalify", 400, "Error", json={"team": "X"})
    classified = client.post(
        "/api/v1/classify", headers=headers, json={"title": "SI2C budget", "description": "DBM"}
    )
    assert classified.status_code == 200, classified.get_json()  # the shared model is there
    _check(spec, schemas["Classification"], classified.get_json(), "classify")
    response = client.get("/api/v1/tickets")
    assert response.status_code == 401
    _check(spec, schemas["Error"], response.get_json(), "401")


def test_documented_parameters_are_accepted(client, tokens, spec):
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    for parameter in spec["paths"]["/tickets"]["get"]["parameters"]:
        schema = parameter["schema"]
        value = schema.get("example") or schema.get("enum", [None])[0] or {
            "boolean": "true", "integer": "1"}.get(
            schema["type"], "texte"
        )
        response = client.get(f"/api/v1/tickets?{parameter['name']}={value}", headers=headers)
        assert response.status_code == 200, (parameter["name"], response.get_json())


def test_validation_and_document_agree_on_the_six_cases_of_the_campaign(client, tokens, spec,
                                                                        ticket_factory):
    """What the spec refuses is refused, what it bounds is bounded, and the reverse."""
    ticket_factory(ref="R-1", team="DRASI")
    headers = {"Authorization": f"Bearer {tokens['superviseur']}"}
    params = {
        p["name"]: p["schema"]
        for path in ("/tickets", "/stats")
        for p in spec["paths"][path]["get"]["parameters"]
    }
    for query in ("/tickets?state=", "/tickets?sort=", "/stats?since="):  # empty: not in enum
        assert client.get("/api/v1" + query, headers=headers).status_code == 400, query
    assert "" not in params["state"]["enum"] and "" not in params["sort"]["enum"]
    assert params["since"]["format"] == "date"
    assert params["page"]["maximum"] == 1_000_000
    assert client.get("/api/v1/tickets?page=1000000", headers=headers).status_code == 200
    assert client.get("/api/v1/tickets?page=1000001", headers=headers).status_code == 400
    classify = spec["components"]["schemas"]["ClassifyRequest"]
    assert [b["required"] for b in classify["anyOf"]] == [["title"], ["description"]]
    assert client.post("/api/v1/classify", json={"id": 1}, headers=headers).status_code == 400
    requalify = spec["components"]["schemas"]["Requalify"]["properties"]["comment"]
    assert requalify["type"] == "string" and requalify["maxLength"] == 2000
    url = "/api/v1/tickets/R-1/requalify"
    for comment in (None, "x" * 2001):
        body = {"team": "SI2C", "comment": comment}
        assert client.post(url, json=body, headers=headers).status_code == 400
    assert client.post(url, json={"team": "SI2C", "comment": "x" * 2000},
                       headers=headers).status_code == 200
