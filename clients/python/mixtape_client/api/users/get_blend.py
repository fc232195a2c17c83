from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.blend_response import BlendResponse
from ...models.error_response import ErrorResponse
from ...models.gateway_error_response import GatewayErrorResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    users: str,
    limit: int | Unset = 20,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    params["users"] = users

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/blend",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse | None:
    if response.status_code == 200:
        response_200 = BlendResponse.from_dict(response.json())

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
) -> Response[BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    users: str,
    limit: int | Unset = 20,
) -> Response[BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse]:
    """One list for a group of 2..10 listeners

    Args:
        users (str): 2..10 distinct listener ids, comma-separated
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse]
    """

    kwargs = _get_kwargs(
        users=users,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    users: str,
    limit: int | Unset = 20,
) -> BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse | None:
    """One list for a group of 2..10 listeners

    Args:
        users (str): 2..10 distinct listener ids, comma-separated
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse
    """

    return sync_detailed(
        client=client,
        users=users,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    users: str,
    limit: int | Unset = 20,
) -> Response[BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse]:
    """One list for a group of 2..10 listeners

    Args:
        users (str): 2..10 distinct listener ids, comma-separated
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse]
    """

    kwargs = _get_kwargs(
        users=users,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    users: str,
    limit: int | Unset = 20,
) -> BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse | None:
    """One list for a group of 2..10 listeners

    Args:
        users (str): 2..10 distinct listener ids, comma-separated
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BlendResponse | ErrorResponse | ErrorResponse | GatewayErrorResponse
    """

    return (
        await asyncio_detailed(
            client=client,
            users=users,
            limit=limit,
        )
    ).parsed
