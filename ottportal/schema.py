"""OpenAPI: every operation documents the error answers it can give, and the API token scheme."""

from __future__ import annotations

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme


class ApiTokenScheme(KnoxTokenScheme):
    """`Authorization: Token <key>` (ottportal.tokens), under the name the schema has always used."""

    target_class = "ottportal.tokens.ApiTokenAuthentication"
    name = "tokenAuth"


ERRORS = {
    "400": "Invalid input: the body names each field (or `recipients[N]`, `contents[N].field`) and the rule",
    "401": "No or invalid credentials (`Authorization: Token <key>` or a session)",
    "403": "Your role does not allow this",
    "404": "No such object",
    "405": "This method does not apply here (history is read-only)",
}
# Only operations that read a body can get these.
BODY_ERRORS = {
    "415": "The body's content type is not one this endpoint reads (JSON, a form, or multipart)",
}
ERROR_BODY = {
    "type": "object",
    "additionalProperties": True,
    "description": "`detail`, or a list of messages per field",
}


def document_errors(result, generator, request, public):
    """drf-spectacular post-processing hook: add the error answers to each operation that lacks them,
    and give every error answer (such as a 409 an action declares) the JSON body it comes with."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            errors = {**ERRORS, **BODY_ERRORS} if "requestBody" in operation else ERRORS
            for status, description in errors.items():
                responses.setdefault(status, {"description": description})
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    response.setdefault("content", {"application/json": {"schema": ERROR_BODY}})
    return result
