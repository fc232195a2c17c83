from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_response import ErrorResponse
from ...models.recommendations_response import RecommendationsResponse
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: str,
    *,
    limit: int | Unset = 20,
    exclude_explicit: bool | Unset = False,
    genre: None | str | Unset = UNSET,
    surface: None | str | Unset = UNSET,
    device: None | str | Unset = UNSET,
    local_time: None | str | Unset = UNSET,
    explore: float | None | Unset = UNSET,
) -> dict[str, Any]:
    params: dict[str, Any] = {}

    params["limit"] = limit

    params["exclude_explicit"] = exclude_explicit

    json_genre: None | str | Unset
    if isinstance(genre, Unset):
        json_genre = UNSET
    else:
        json_genre = genre
    params["genre"] = json_genre

    json_surface: None | str | Unset
    if isinstance(surface, Unset):
        json_surface = UNSET
    else:
        json_surface = surface
    params["surface"] = json_surface

    json_device: None | str | Unset
    if isinstance(device, Unset):
        json_device = UNSET
    else:
        json_device = device
    params["device"] = json_device

    json_local_time: None | str | Unset
    if isinstance(local_time, Unset):
        json_local_time = UNSET
    else:
        json_local_time = local_time
    params["local_time"] = json_local_time

    json_explore: float | None | Unset
    if isinstance(explore, Unset):
        json_explore = UNSET
    else:
        json_explore = explore
    params["explore"] = json_explore

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/users/{user_id}/recommendations".format(
            user_id=quote(str(user_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorResponse | RecommendationsResponse | None:
    if response.status_code == 200:
        response_200 = RecommendationsResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorResponse.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorResponse.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorResponse.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = ErrorResponse.from_dict(response.json())

        return response_404

    if response.status_code == 413:
        response_413 = ErrorResponse.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorResponse.from_dict(response.json())

        return response_415

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
) -> Response[ErrorResponse | RecommendationsResponse]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 20,
    exclude_explicit: bool | Unset = False,
    genre: None | str | Unset = UNSET,
    surface: None | str | Unset = UNSET,
    device: None | str | Unset = UNSET,
    local_time: None | str | Unset = UNSET,
    explore: float | None | Unset = UNSET,
) -> Response[ErrorResponse | RecommendationsResponse]:
    """Ranked, filtered, explained items

    Args:
        user_id (str): Listener id
        limit (int | Unset):  Default: 20.
        exclude_explicit (bool | Unset):  Default: False.
        genre (None | str | Unset):
        surface (None | str | Unset): Where the list is shown; a surface with a preset in
            RANKING_SURFACES ranks with it
        device (None | str | Unset): Client device class; presets in RANKING_DEVICES
        local_time (None | str | Unset): The listener's local wall-clock time, HH:MM (24 h):
            boosts the genres they play at that time of day. Without it there is no time-of-day term
        explore (float | None | Unset): Share of the list given to long-tail and unfamiliar-genre
            items, 0..1 (default: the deployment's, a surface's or an experiment's); the same picks
            all day for one listener

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | RecommendationsResponse]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        limit=limit,
        exclude_explicit=exclude_explicit,
        genre=genre,
        surface=surface,
        device=device,
        local_time=local_time,
        explore=explore,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    user_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 20,
    exclude_explicit: bool | Unset = False,
    genre: None | str | Unset = UNSET,
    surface: None | str | Unset = UNSET,
    device: None | str | Unset = UNSET,
    local_time: None | str | Unset = UNSET,
    explore: float | None | Unset = UNSET,
) -> ErrorResponse | RecommendationsResponse | None:
    """Ranked, filtered, explained items

    Args:
        user_id (str): Listener id
        limit (int | Unset):  Default: 20.
        exclude_explicit (bool | Unset):  Default: False.
        genre (None | str | Unset):
        surface (None | str | Unset): Where the list is shown; a surface with a preset in
            RANKING_SURFACES ranks with it
        device (None | str | Unset): Client device class; presets in RANKING_DEVICES
        local_time (None | str | Unset): The listener's local wall-clock time, HH:MM (24 h):
            boosts the genres they play at that time of day. Without it there is no time-of-day term
        explore (float | None | Unset): Share of the list given to long-tail and unfamiliar-genre
            items, 0..1 (default: the deployment's, a surface's or an experiment's); the same picks
            all day for one listener

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | RecommendationsResponse
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        limit=limit,
        exclude_explicit=exclude_explicit,
        genre=genre,
        surface=surface,
        device=device,
        local_time=local_time,
        explore=explore,
    ).parsed


async def asyncio_detailed(
    user_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 20,
    exclude_explicit: bool | Unset = False,
    genre: None | str | Unset = UNSET,
    surface: None | str | Unset = UNSET,
    device: None | str | Unset = UNSET,
    local_time: None | str | Unset = UNSET,
    explore: float | None | Unset = UNSET,
) -> Response[ErrorResponse | RecommendationsResponse]:
    """Ranked, filtered, explained items

    Args:
        user_id (str): Listener id
        limit (int | Unset):  Default: 20.
        exclude_explicit (bool | Unset):  Default: False.
        genre (None | str | Unset):
        surface (None | str | Unset): Where the list is shown; a surface with a preset in
            RANKING_SURFACES ranks with it
        device (None | str | Unset): Client device class; presets in RANKING_DEVICES
        local_time (None | str | Unset): The listener's local wall-clock time, HH:MM (24 h):
            boosts the genres they play at that time of day. Without it there is no time-of-day term
        explore (float | None | Unset): Share of the list given to long-tail and unfamiliar-genre
            items, 0..1 (default: the deployment's, a surface's or an experiment's); the same picks
            all day for one listener

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorResponse | RecommendationsResponse]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        limit=limit,
        exclude_explicit=exclude_explicit,
        genre=genre,
        surface=surface,
        device=device,
        local_time=local_time,
        explore=explore,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    user_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = 20,
    exclude_explicit: bool | Unset = False,
    genre: None | str | Unset = UNSET,
    surface: None | str | Unset = UNSET,
    device: None | str | Unset = UNSET,
    local_time: None | str | Unset = UNSET,
    explore: float | None | Unset = UNSET,
) -> ErrorResponse | RecommendationsResponse | None:
    """Ranked, filtered, explained items

    Args:
        user_id (str): Listener id
        limit (int | Unset):  Default: 20.
        exclude_explicit (bool | Unset):  Default: False.
        genre (None | str | Unset):
        surface (None | str | Unset): Where the list is shown; a surface with a preset in
            RANKING_SURFACES ranks with it
        device (None | str | Unset): Client device class; presets in RANKING_DEVICES
        local_time (None | str | Unset): The listener's local wall-clock time, HH:MM (24 h):
            boosts the genres they play at that time of day. Without it there is no time-of-day term
        explore (float | None | Unset): Share of the list given to long-tail and unfamiliar-genre
            items, 0..1 (default: the deployment's, a surface's or an experiment's); the same picks
            all day for one listener

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorResponse | RecommendationsResponse
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            limit=limit,
            exclude_explicit=exclude_explicit,
            genre=genre,
            surface=surface,
            device=device,
            local_time=local_time,
            explore=explore,
        )
    ).parsed
