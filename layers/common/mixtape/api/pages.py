"""HTTP replies for the static pages (`mixtape.web`): the console and Swagger UI pages and their assets.

Public routes: they carry no data, only the code that asks the protected API for it with the operator's
token. Each page is sent with a Content-Security-Policy that lets it load only its own assets and talk
only to its own origin, so nothing is fetched from elsewhere and injected markup cannot run scripts.
"""

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

from mixtape.errors import NotFoundError
from mixtape.web.static import page, static_file

# Swagger UI sets its inline styles through the DOM (allowed), not as markup: one policy fits both pages.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# An asset asked for by its current digest never changes; any other request revalidates.
IMMUTABLE = "public, max-age=31536000, immutable"


def page_response(folder: str, name: str) -> Response[str]:
    return Response(
        status_code=200,
        content_type="text/html; charset=utf-8",
        body=page(folder, name),
        headers={
            "Cache-Control": "no-cache",  # always revalidated: a new layer's page names new asset digests
            "Content-Security-Policy": PAGE_POLICY,
            "Referrer-Policy": "no-referrer",
        },
    )


def asset_response(
    folder: str, name: str, version: str | None, request_headers: Mapping[str, str]
) -> Response[str]:
    """The asset as text; 304 when the client's copy is current (ETag). `precompressed` gzips it."""
    asset = static_file(folder, name)
    if asset is None:
        raise NotFoundError(f"no asset {name!r}")
    headers = {
        "Cache-Control": IMMUTABLE if version == asset.digest else "no-cache",
        "ETag": f'"{asset.digest}"',
    }
    # HTTP API payload 2.0 hands the function lower-case header names.
    if request_headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, body="", headers=headers)
    if asset.gzipped is not None:
        headers["Vary"] = "Accept-Encoding"
    return Response(status_code=200, content_type=asset.content_type, body=asset.text, headers=headers)


def precompressed(folder: str) -> Callable[[APIGatewayHttpResolver, NextMiddleware], Response[Any]]:
    """Route middleware of `folder`'s asset route: the asset's gzip, made once per container, for a
    client that accepts it. A middleware because Powertools validates what a route returns as its
    declared body type (text), and gzip is bytes; middlewares run after that validation."""

    def middleware(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response[Any]:
        response = next_middleware(app)
        asset = static_file(folder, (app.current_event.path_parameters or {}).get("asset", ""))
        accepts = "gzip" in (app.current_event.headers or {}).get("accept-encoding", "")
        if response.status_code == 200 and asset is not None and asset.gzipped is not None and accepts:
            response.body = asset.gzipped  # Powertools sends bytes base64-encoded, as API Gateway expects
            response.headers["Content-Encoding"] = "gzip"
        return response

    return middleware
