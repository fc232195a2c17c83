"""The one HTTP resolver setup and error model shared by every function's API routes.

Every error is JSON `{"error": {"code", "message", "fields": [...], "request_id"}}`; no stack trace ever
leaves a function. Validation failures name each bad field with its batch index. Every reply, success or
error, carries `Cache-Control: no-store`: most are personal (a listener's profile, recommendations, export).
"""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, SecurityScheme
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError

from mixtape import __version__
from mixtape.api.body import MAX_REPORTED_FIELDS, BodyError, ParsedBody, field_path, read_body
from mixtape.errors import FieldError, InvalidInputError, MixtapeError, StorageUnavailableError
from mixtape.models.api import ErrorResponse, FieldErrorView, GatewayOrErrorResponse, error_body
from mixtape.models.catalog import EMBEDDING_LENGTH_MARK
from mixtape.runtime.observability import logger, metrics

API_TITLE = "Mixtape personalization API"
SECURITY_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
# The OpenAPI security scheme of every protected route: the JWT API Gateway's authorizer validates.
BEARER_AUTH = "bearerAuth"


def _error_doc(description: str, model: type = ErrorResponse) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"model": model}}}


# The error model every route documents (the JSON bodies built by the handlers below). 404 may also be API
# Gateway's own `{"message": "Not Found"}` (a path no route takes, e.g. an id with a decoded `/`).
ERROR_RESPONSES: dict[int, Any] = {
    400: _error_doc("Malformed body: not UTF-8, not JSON, duplicate keys or nested too deep"),
    404: _error_doc("Unknown user, item or route", GatewayOrErrorResponse),
    413: _error_doc("Body over the size limit"),
    415: _error_doc("Body is not identity-encoded UTF-8 application/json"),
    422: _error_doc("Invalid input: every bad field is listed with its batch index"),
    503: _error_doc("A dependency is throttled or unavailable; safe to retry"),
}
# Only a route that reads a body can refuse one (`MixtapeResolver`): `openapi_document` drops these from
# the operations without a request body.
BODY_ERROR_STATUSES = ("400", "413", "415")
# What a protected route adds: the layer's bodies, or API Gateway's JWT authorizer's `{"message":
# "Unauthorized"}` / `{"message": "Forbidden"}`, answered before the function runs.
AUTH_ERROR_RESPONSES: dict[int, Any] = {
    401: _error_doc("No valid bearer token", GatewayOrErrorResponse),
    403: _error_doc(
        "The token lacks the route's scope, or a listener token acts on another listener",
        GatewayOrErrorResponse,
    ),
}


def ok_doc(
    model: type,
    status: int = 200,
    description: str = "OK",
    *,
    protected: bool = False,
    links: Mapping[str, Any] | None = None,
) -> dict[int, Any]:
    """Responses for a route: its success model under `status` (with the OpenAPI `links` from it to other
    operations), plus the shared errors (and 401/403 for a route behind the JWT authorizer)."""
    errors = {**ERROR_RESPONSES, **AUTH_ERROR_RESPONSES} if protected else ERROR_RESPONSES
    ok: dict[str, Any] = {"description": description, "content": {"application/json": {"model": model}}}
    if links:
        ok["links"] = dict(links)
    return {status: ok, **dict(sorted(errors.items()))}


def link(method: str, path: str, **parameters: str) -> dict[str, Any]:
    """An OpenAPI link to the operation `method path` (as the document spells it: `/v1/users/{user_id}`),
    its parameters given as runtime expressions such as `$request.body#/events/0/user_id`."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {"operationRef": f"#/paths/{pointer}/{method.lower()}", "parameters": parameters}


def _error_response(status: int, body: str) -> Response[str]:
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=body, headers=SECURITY_HEADERS
    )


def _request_id(app: APIGatewayHttpResolver) -> str | None:
    try:
        return str(app.current_event.request_context.request_id)
    except (AttributeError, KeyError, TypeError):
        return None


def _fields(errors: Sequence[FieldError]) -> list[FieldErrorView]:
    return [FieldErrorView(field=e.field, index=e.index, message=e.message, type=e.type) for e in errors]


def _no_store(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
    """Routes' replies get the headers error replies are built with (`_error_response`)."""
    response = next_middleware(app)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


# Where the checked body travels with the event from `resolve` to Powertools' body parsing.
_BODY_KEY = "mixtape.body"


class MixtapeResolver(APIGatewayHttpResolver):
    """Powertools' HTTP API resolver, with every body read by `mixtape.api.body` before Powertools parses it.

    Powertools runs its request validation before any middleware and picks its parser from Content-Type,
    decoding base64 on its own: a middleware would come too late. So `resolve` checks the raw body first,
    then hands Powertools a JSON-typed event whose body deserializer returns the checked value or raises the
    refusal, which reaches the error handlers like any other error. A route without a body never asks.
    """

    def __init__(self) -> None:
        super().__init__(enable_validation=True, json_body_deserializer=self._checked_body)

    def resolve(self, event: Mapping[str, Any], context: LambdaContext) -> dict[str, Any]:
        outcome: ParsedBody | BodyError
        try:
            outcome = read_body(event)
        except BodyError as error:
            outcome = error
        headers = {k: v for k, v in (event.get("headers") or {}).items() if k.lower() != "content-type"}
        # Non-empty whenever Powertools must call the deserializer: a value, or a refusal to raise.
        text = outcome.text if isinstance(outcome, ParsedBody) else "-"
        checked = {
            **event,
            "headers": {**headers, "content-type": content_types.APPLICATION_JSON},
            "body": text,
            "isBase64Encoded": False,
            _BODY_KEY: outcome,
        }
        return super().resolve(checked, context)

    def _checked_body(self, _text: str) -> Any:
        outcome = self.current_event.raw_event.get(_BODY_KEY)
        if isinstance(outcome, BodyError):
            raise outcome
        return outcome.value if isinstance(outcome, ParsedBody) else None


def create_app() -> APIGatewayHttpResolver:
    app = MixtapeResolver()
    app.use([_no_store])

    @app.exception_handler(RequestUnsupportedContentType)
    def _unsupported(error: RequestUnsupportedContentType) -> Response[str]:
        return _error_response(
            415, error_body("unsupported_media_type", "send application/json", request_id=_request_id(app))
        )

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response[str]:
        raw = list(error.errors())
        metrics.add_metric(name="RequestsRejected", unit="Count", value=1)
        if any(e.get("type") == "json_invalid" for e in raw):
            return _error_response(
                400,
                error_body("malformed_json", "request body is not valid JSON", request_id=_request_id(app)),
            )
        fields = []
        for e in raw[:MAX_REPORTED_FIELDS]:
            path, index = field_path(e.get("loc", ()))
            fields.append(
                FieldError(
                    field=path, index=index, message=str(e.get("msg", "invalid")), type=str(e.get("type", ""))
                )
            )
        message = f"{len(raw)} invalid field(s)" + (
            f"; first {MAX_REPORTED_FIELDS} listed" if len(raw) > MAX_REPORTED_FIELDS else ""
        )
        return _error_response(
            422, error_body("validation_error", message, _fields(fields), request_id=_request_id(app))
        )

    @app.exception_handler(InvalidInputError)
    def _invalid_input(error: InvalidInputError) -> Response[str]:
        metrics.add_metric(name="RequestsRejected", unit="Count", value=1)
        return _error_response(
            422, error_body(error.code, error.message, _fields(error.errors), request_id=_request_id(app))
        )

    @app.exception_handler(BodyError)
    def _bad_body(error: BodyError) -> Response[str]:
        metrics.add_metric(name="RequestsRejected", unit="Count", value=1)
        return _error_response(
            error.status_code,
            error_body(error.code, error.message, _fields(error.errors), request_id=_request_id(app)),
        )

    @app.exception_handler(MixtapeError)
    def _domain(error: MixtapeError) -> Response[str]:
        if error.status_code >= 500:
            logger.warning("request failed", extra={"code": error.code, "error": error.message})
        return _error_response(
            error.status_code, error_body(error.code, error.message, request_id=_request_id(app))
        )

    # A dependency that timed out or could not be reached through every botocore retry is unavailable
    # like one that stayed throttled: 503, safe to retry (storage maps service errors; these never reach it).
    @app.exception_handler([HTTPClientError, BotoConnectionError])
    def _unreachable(error: Exception) -> Response[str]:
        unavailable = StorageUnavailableError("a dependency timed out or could not be reached")
        logger.warning("request failed", extra={"code": unavailable.code, "error": str(error)})
        return _error_response(
            unavailable.status_code,
            error_body(unavailable.code, unavailable.message, request_id=_request_id(app)),
        )

    @app.not_found
    def _no_route(error: RouteNotFoundError) -> Response[str]:
        return _error_response(404, error_body("not_found", "no such route", request_id=_request_id(app)))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        logger.exception("unhandled error")
        return _error_response(
            500, error_body("internal_error", "internal error", request_id=_request_id(app))
        )

    return app


def json_response[T](status: int, model: T) -> Response[T]:
    """A typed reply with an explicit status (e.g. 202); the body model still drives the OpenAPI schema."""
    return Response(
        status_code=status, content_type=content_types.APPLICATION_JSON, body=model, headers=SECURITY_HEADERS
    )


def openapi_document(apps: Sequence[APIGatewayHttpResolver], embedding_dim: int) -> dict[str, Any]:
    """Merge the generated schemas of every function's resolver into the API's one document, stating
    `embedding_dim` (the deployment's EMBEDDING_DIM) as the length of item embeddings."""
    merged: dict[str, Any] = {}
    schemes: dict[str, SecurityScheme] = {BEARER_AUTH: HTTPBearer(bearerFormat="JWT")}
    for app in apps:
        schema = json.loads(
            app.get_openapi_json_schema(title=API_TITLE, version=__version__, security_schemes=schemes)
        )
        if not merged:
            merged = schema
            continue
        merged.setdefault("paths", {}).update(schema.get("paths", {}))
        for kind, entries in schema.get("components", {}).items():
            merged.setdefault("components", {}).setdefault(kind, {}).update(entries)
    merged["paths"] = dict(sorted(merged.get("paths", {}).items()))
    for operations in merged["paths"].values():
        for operation in operations.values():
            # Powertools omits an empty list; the document states public routes as public.
            operation.setdefault("security", [])
            if "requestBody" not in operation:
                for status in BODY_ERROR_STATUSES:
                    operation.get("responses", {}).pop(status, None)
    stated: dict[str, Any] = with_embedding_dim(merged, embedding_dim)
    return stated


def with_embedding_dim(document: Any, embedding_dim: int) -> Any:
    """The document with every array marked `EMBEDDING_LENGTH_MARK` exactly `embedding_dim` long: the
    models accept any configurable length, the deployment one (`mixtape.ingestion.upsert_items`)."""
    if isinstance(document, list):
        return [with_embedding_dim(entry, embedding_dim) for entry in document]
    if not isinstance(document, dict):
        return document
    stated = {key: with_embedding_dim(value, embedding_dim) for key, value in document.items()}
    if stated.get(EMBEDDING_LENGTH_MARK):
        stated.update(minItems=embedding_dim, maxItems=embedding_dim)
    return stated
