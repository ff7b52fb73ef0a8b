"""The base clients (written once, by hand): each holds one native client
and turns the generated methods' (operation, params) into native calls.
The generated ``FlowEngine`` and ``AsyncFlowEngine`` add the groups."""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any, Awaitable, Dict, Optional, Sequence, Type, TypeVar, Union

from . import _errors as _errors  # registers the error classes with the native module
from . import _native
from ._streams import AsyncStream, Stream

__all__ = ["SyncAPIClient", "AsyncAPIClient", "SyncResource", "AsyncResource", "PathLike"]

PathLike = Union[str, "os.PathLike[str]"]

S = TypeVar("S", bound="SyncAPIClient")
A = TypeVar("A", bound="AsyncAPIClient")


def _native_client(
    api_key: Optional[str], base_url: Optional[str], timeout: Optional[float], max_retries: Optional[int]
) -> _native.Client:
    return _native.Client(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=max_retries)


class _ClientCommon:
    __slots__ = ("_native",)
    _native: _native.Client

    @property
    def base_url(self) -> str:
        """The resolved base URL."""
        return self._native.base_url

    @property
    def timeout(self) -> float:
        """Seconds any wait for the next byte may take."""
        return self._native.timeout

    @property
    def max_retries(self) -> int:
        return self._native.max_retries

    def __repr__(self) -> str:
        # Never the key.
        return f"{type(self).__name__}(base_url={self.base_url!r})"


class SyncAPIClient(_ClientCommon):
    """Blocking calls: the GIL is released while a call waits, and Ctrl-C
    interrupts it."""

    __slots__ = ()

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = 60.0,
        max_retries: Optional[int] = 2,
    ) -> None:
        self._native = _native_client(api_key, base_url, timeout, max_retries)

    def _call(self, operation: str, params: Optional[Dict[str, Any]] = None) -> Any:
        return self._native.call(operation, params)

    def _stream(self, operation: str, params: Optional[Dict[str, Any]] = None) -> Stream[Any]:
        return Stream(self._native.stream(operation, params))

    def _collect(self, operation: str, params: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return self._native.collect(operation, params)

    def _upload_folder(
        self, path: PathLike, params: Optional[Dict[str, Any]], ignore: Optional[Sequence[str]] = None
    ) -> Dict[str, Any]:
        params = params or {}
        return self._native.upload_folder(os.fspath(path), params.get("name"), params.get("runtime"), ignore)

    def close(self) -> None:
        """Closes the pooled connections (the client stays usable: a later
        call opens new ones). ``with`` / ``async with`` call this on exit."""
        self._native.close()

    def __enter__(self: S) -> S:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncAPIClient(_ClientCommon):
    """asyncio calls, on the same native runtime as the sync client;
    cancelling a task cancels its request."""

    __slots__ = ()

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = 60.0,
        max_retries: Optional[int] = 2,
    ) -> None:
        self._native = _native_client(api_key, base_url, timeout, max_retries)

    def _call(self, operation: str, params: Optional[Dict[str, Any]] = None) -> Awaitable[Any]:
        return self._native.call_async(operation, params)

    def _stream(self, operation: str, params: Optional[Dict[str, Any]] = None) -> AsyncStream[Any]:
        native = self._native
        return AsyncStream(lambda: native.stream_async(operation, params))

    def _collect(self, operation: str, params: Optional[Dict[str, Any]] = None) -> Awaitable[Dict[str, Any]]:
        return self._native.collect_async(operation, params)

    def _upload_folder(
        self, path: PathLike, params: Optional[Dict[str, Any]], ignore: Optional[Sequence[str]] = None
    ) -> Awaitable[Dict[str, Any]]:
        params = params or {}
        return self._native.upload_folder_async(os.fspath(path), params.get("name"), params.get("runtime"), ignore)

    async def close(self) -> None:
        """Closes the pooled connections (the client stays usable: a later
        call opens new ones). ``with`` / ``async with`` call this on exit."""
        self._native.close()

    async def __aenter__(self: A) -> A:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()


class SyncResource:
    """Base of the generated groups of the sync client."""

    __slots__ = ("_client",)

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client


class AsyncResource:
    """Base of the generated groups of the async client."""

    __slots__ = ("_client",)

    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client
