# Type stub of the native module (bindings/python/src): the narrow waist of
# DESIGN.md and nothing else. Written by hand, once: it changes only when the
# waist does, never per operation.
from os import PathLike
from typing import Any, Awaitable, Callable, Iterable, Iterator, AsyncIterator, Optional, Union

__version__: str

_Params = Union[dict[str, Any], str, None]
_Path = Union[str, PathLike[str]]

class NativeError(Exception):
    kind: str
    message: str
    status: Optional[int]
    code: Optional[str]
    field: Optional[str]
    upgrade_url: Optional[str]
    retry_after: Optional[float]
    request_id: Optional[str]

def set_error_factory(
    factory: Callable[
        [str, str, Optional[int], Optional[str], Optional[str], Optional[str], Optional[float], Optional[str]],
        BaseException,
    ],
) -> bool: ...
def pack_folder(
    path: _Path, dry_run: bool = False, output: Optional[_Path] = None, ignore: Optional[Iterable[str]] = None
) -> dict[str, Any]: ...
def pack_folder_async(
    path: _Path, dry_run: bool = False, output: Optional[_Path] = None, ignore: Optional[Iterable[str]] = None
) -> Awaitable[dict[str, Any]]: ...
def operations() -> list[tuple[str, str, str]]: ...

class ChatChunk:
    """One chunk of a chat reply."""

    @property
    def content(self) -> str: ...
    @property
    def finish_reason(self) -> Optional[str]: ...
    @property
    def conversation_id(self) -> Optional[str]: ...
    @property
    def id(self) -> Optional[str]: ...
    @property
    def model(self) -> Optional[str]: ...
    @property
    def raw(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]: ...

class EventStream:
    def next(self) -> Any: ...
    def next_async(self) -> Awaitable[Any]: ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __next__(self) -> Any: ...
    def __aiter__(self) -> AsyncIterator[Any]: ...
    def __anext__(self) -> Awaitable[Any]: ...

class Client:
    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        total_timeout: Optional[float] = None,
        user_agent: Optional[str] = None,
        config_file: Optional[_Path] = None,
    ) -> None: ...
    @property
    def base_url(self) -> str: ...
    @property
    def has_api_key(self) -> bool: ...
    @property
    def timeout(self) -> float: ...
    @property
    def max_retries(self) -> int: ...
    def call(self, operation: str, params: _Params = None) -> Any: ...
    def call_async(self, operation: str, params: _Params = None) -> Awaitable[Any]: ...
    def stream(self, operation: str, params: _Params = None) -> EventStream: ...
    def stream_async(self, operation: str, params: _Params = None) -> Awaitable[EventStream]: ...
    def collect(self, operation: str, params: _Params = None) -> dict[str, Any]: ...
    def collect_async(self, operation: str, params: _Params = None) -> Awaitable[dict[str, Any]]: ...
    def deploy_folder(
        self,
        function_id: str,
        path: _Path,
        wait: bool = True,
        on_progress: Optional[Callable[[dict[str, Any]], object]] = None,
        poll_interval: Optional[float] = None,
        wait_timeout: Optional[float] = None,
        ignore: Optional[Iterable[str]] = None,
    ) -> dict[str, Any]: ...
    def deploy_folder_async(
        self,
        function_id: str,
        path: _Path,
        wait: bool = True,
        on_progress: Optional[Callable[[dict[str, Any]], object]] = None,
        poll_interval: Optional[float] = None,
        wait_timeout: Optional[float] = None,
        ignore: Optional[Iterable[str]] = None,
    ) -> Awaitable[dict[str, Any]]: ...
    def upload_folder(
        self,
        path: _Path,
        name: Optional[str] = None,
        runtime: Optional[str] = None,
        ignore: Optional[Iterable[str]] = None,
    ) -> dict[str, Any]: ...
    def upload_folder_async(
        self,
        path: _Path,
        name: Optional[str] = None,
        runtime: Optional[str] = None,
        ignore: Optional[Iterable[str]] = None,
    ) -> Awaitable[dict[str, Any]]: ...
    def close(self) -> None: ...
