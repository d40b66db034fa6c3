"""iTop's REST entry point (``/webservices/rest.php``): login, protocol checks, dispatch.

Logins: ``auth_user``/``auth_pwd`` form fields or HTTP Basic. A core iTop has no token
login: an ``Auth-Token`` header or ``auth_token`` field alone answers "Invalid login"
(files 97, 98). ``Sandbox(token_extension=True)`` simulates Combodo's authent-token
extension instead: then a token of the seed's ``tokens`` logs its user in.
"""

import base64
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from connectors.itop.sandbox import ops, writes
from connectors.itop.sandbox.schema import VERSIONS, RestError

if TYPE_CHECKING:
    from connectors.itop.sandbox.server import Sandbox

HANDLERS: dict[str, Callable[..., dict[str, Any]]] = {
    "list_operations": ops.list_operations,
    "core/check_credentials": ops.check_credentials,
    "core/get": ops.core_get,
    "core/update": writes.core_update,
    "core/apply_stimulus": writes.core_apply_stimulus,
    "core/create": writes.core_create,
    "core/delete": writes.core_delete,
}


def login(sandbox: "Sandbox", form: dict[str, str], headers: Any) -> dict[str, Any] | None:
    """The user a request logs in as, or None."""
    users = sandbox.store.users
    token = headers.get("Auth-Token") or form.get("auth_token")
    if token and sandbox.token_extension:
        name = sandbox.store.tokens.get(token)
        return users.get(name) if name else None
    name, password = form.get("auth_user"), form.get("auth_pwd")
    basic = headers.get("Authorization", "")
    if name is None and basic.lower().startswith("basic "):
        try:
            name, _, password = base64.b64decode(basic[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
    user = users.get(name or "")
    return user if user and user.get("password") == password else None


def _request(form: dict[str, str]) -> tuple[str, dict[str, Any]]:
    """(version, json_data) of a request, or the protocol error iTop answers."""
    version = form.get("version")
    if version is None:
        raise RestError(2, "Error: Missing parameter 'version' (e.g. '1.0')")
    raw = form.get("json_data")
    if raw is None:
        raise RestError(3, "Error: Missing parameter 'json_data'")
    try:
        params = json.loads(raw)
    except ValueError:
        params = None
    if not isinstance(params, dict):
        raise RestError(4, "Error: Parameter json_data is not a valid JSON structure")
    if version not in VERSIONS:
        raise RestError(10, f"Error: There is no service available for version '{version}'")
    return version, params


def answer(sandbox: "Sandbox", form: dict[str, str], headers: Any) -> dict[str, Any]:
    """The JSON answer of one REST request (``ServerError`` escapes: an HTTP 500)."""
    user = login(sandbox, form, headers)
    if user is None:
        return {"code": 1, "message": "Error: Invalid login"}
    try:
        version, params = _request(form)
        operation = params.get("operation")
        if operation is None:
            raise RestError(100, "Error: Missing parameter 'operation'")
        handler = HANDLERS.get(operation)
        if handler is None:
            raise RestError(11, f"Error: Unknown verb '{operation}' in version '{version}'")
        for hook in list(sandbox.hooks):
            override = hook(params, sandbox.store)
            if override is not None:  # a hook may answer in iTop's place (errors mid-scan)
                return override
        with sandbox.store.lock:
            result = handler(sandbox.store, params, user, version)
    except RestError as exc:
        return exc.body()
    except (TypeError, ValueError, KeyError) as exc:  # malformed parameters
        return {"code": 100, "message": f"Error: {exc}"}
    if operation == "core/get":
        sandbox.activity.after_get()  # a busy desk changes tickets between two pages
    return result
