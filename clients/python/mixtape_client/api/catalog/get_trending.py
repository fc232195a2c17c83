from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.gateway_error_response import GatewayErrorResponse
from ...models.get_trending_window import GetTrendingWindow
from ...models.trending_response import TrendingResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    window: GetTrendingWindow | Unset = GetTrendingWindow.VALUE_1,
    genre: None | str | Unset = UNSET,
    limit: int | Unset = 20,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    json_window: str | Unset = UNSET
    if not isinstance(window, Unset):
        json_window = window.value

    params["window"] = json_window

    json_genre: None | str | Unset
    if isinstance(genre, Unset):
        json_genre = UNSET
    else:
        json_genre = genre
    params["genre"] = json_genre

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/trending",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse | None:
    if response.status_code == 200:
        response_200 = TrendingResponse.from_dict(response.json())

        return response_200

    if response.status_code == 401:

        def _parse_response_401(data: object) -> ErrorResponse | GatewayErrorResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_gateway_or_error_response_type_0 = ErrorResponse.from_dict(data)

                return componentsschemas_gateway_or_error_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_gateway_or_error_response_type_1 = GatewayErrorResponse.from_dict(data)

            return componentsschemas_gateway_or_error_response_type_1

        response_401 = _parse_response_401(response.json())

        return response_401

    if response.status_code == 403:

        def _parse_response_403(data: object) -> ErrorResponse | GatewayErrorResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_gateway_or_error_response_type_0 = ErrorResponse.from_dict(data)

                return componentsschemas_gateway_or_error_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_gateway_or_error_response_type_1 = GatewayErrorResponse.from_dict(data)

            return componentsschemas_gateway_or_error_response_type_1

        response_403 = _parse_response_403(response.json())

        return response_403

    if response.status_code == 404:

        def _parse_response_404(data: object) -> ErrorResponse | GatewayErrorResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_gateway_or_error_response_type_0 = ErrorResponse.from_dict(data)

                return componentsschemas_gateway_or_error_response_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_gateway_or_error_response_type_1 = GatewayErrorResponse.from_dict(data)

            return componentsschemas_gateway_or_error_response_type_1

        response_404 = _parse_response_404(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = ErrorResponse.from_dict(response.json())

        return response_422

    if response.status_code == 503:
        response_503 = ErrorResponse.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    window: GetTrendingWindow | Unset = GetTrendingWindow.VALUE_1,
    genre: None | str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse]:
    """What is trending: distinct listeners per window, rising vs merely popular

    Args:
        window (GetTrendingWindow | Unset):  Default: GetTrendingWindow.VALUE_1.
        genre (None | str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse]
    """

    kwargs = _get_kwargs(
        window=window,
        genre=genre,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    window: GetTrendingWindow | Unset = GetTrendingWindow.VALUE_1,
    genre: None | str | Unset = UNSET,
    limit: int | Unset = 20,
) -> ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse | None:
    """What is trending: distinct listeners per window, rising vs merely popular

    Args:
        window (GetTrendingWindow | Unset):  Default: GetTrendingWindow.VALUE_1.
        genre (None | str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse
    """

    return sync_detailed(
        client=client,
        window=window,
        genre=genre,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    window: GetTrendingWindow | Unset = GetTrendingWindow.VALUE_1,
    genre: None | str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse]:
    """What is trending: distinct listeners per window, rising vs merely popular

    Args:
        window (GetTrendingWindow | Unset):  Default: GetTrendingWindow.VALUE_1.
        genre (None | str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse]
    """

    kwargs = _get_kwargs(
        window=window,
        genre=genre,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    window: GetTrendingWindow | Unset = GetTrendingWindow.VALUE_1,
    genre: None | str | Unset = UNSET,
    limit: int | Unset = 20,
) -> ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse | None:
    """What is trending: distinct listeners per window, rising vs merely popular

    Args:
        window (GetTrendingWindow | Unset):  Default: GetTrendingWindow.VALUE_1.
        genre (None | str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | ErrorResponse | GatewayErrorResponse | TrendingResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            window=window,
            genre=genre,
            limit=limit,
        )
    ).parsed
