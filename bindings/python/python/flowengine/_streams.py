"""Streams (written once, by hand): chat replies and log tails.

``Stream`` (sync) and ``AsyncStream`` (asyncio) wrap the native event stream.
Both are context managers; leaving the block, ``close()``, or breaking out
and dropping the stream releases the connection. Iterating a sync stream
hands out the native iterator itself, so items cost no Python frame.
"""

from __future__ import annotations

from types import TracebackType
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Generator,
    Generic,
    Iterator,
    Optional,
    Type,
    TypeVar,
    cast,
)

from . import _native
from ._native import ChatChunk

__all__ = ["Stream", "AsyncStream", "ChatChunk", "ChatReply"]

T = TypeVar("T")


class Stream(Generic[T]):
    """A running stream: iterate it for its items (``ChatChunk`` for chat,
    ``str`` lines for a log tail); ``close()`` ends it early."""

    __slots__ = ("_native",)

    def __init__(self, native: _native.EventStream) -> None:
        self._native = native

    def __iter__(self) -> Iterator[T]:
        return cast(Iterator[T], self._native)

    def __next__(self) -> T:
        return cast(T, next(self._native))

    def next(self) -> Optional[T]:
        """The next item, or None at the end."""
        return cast(Optional[T], self._native.next())

    def close(self) -> None:
        """Ends the stream and releases its connection."""
        self._native.close()

    @property
    def closed(self) -> bool:
        return self._native.closed

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncStream(Generic[T]):
    """An asyncio stream. The request is sent on first use: ``async for``,
    ``async with``, or ``await`` (which returns the opened stream)."""

    __slots__ = ("_opener", "_native", "_closed")

    def __init__(self, opener: Callable[[], Awaitable[_native.EventStream]]) -> None:
        self._opener: Optional[Callable[[], Awaitable[_native.EventStream]]] = opener
        self._native: Optional[_native.EventStream] = None
        self._closed = False

    async def _open(self) -> _native.EventStream:
        if self._native is None:
            opener, self._opener = self._opener, None
            if opener is None or self._closed:
                raise RuntimeError("this stream was closed before it was opened")
            self._native = await opener()
        return self._native

    async def _opened(self) -> AsyncStream[T]:
        await self._open()
        return self

    def __await__(self) -> Generator[Any, None, AsyncStream[T]]:
        return self._opened().__await__()

    def __aiter__(self) -> AsyncIterator[T]:
        if self._native is not None:
            return cast(AsyncIterator[T], self._native)
        return self

    async def __anext__(self) -> T:
        native = self._native if self._native is not None else await self._open()
        return cast(T, await native.__anext__())

    async def next(self) -> Optional[T]:
        """The next item, or None at the end."""
        native = self._native if self._native is not None else await self._open()
        return cast(Optional[T], await native.next_async())

    def close(self) -> None:
        """Ends the stream and releases its connection."""
        self._closed = True
        self._opener = None
        if self._native is not None:
            self._native.close()

    async def aclose(self) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed or (self._native is not None and self._native.closed)

    async def __aenter__(self) -> AsyncStream[T]:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class ChatReply:
    """A whole chat reply, collected from its stream."""

    __slots__ = ("content", "finish_reason", "conversation_id", "chunks")

    def __init__(
        self,
        content: str,
        finish_reason: Optional[str] = None,
        conversation_id: Optional[str] = None,
        chunks: int = 0,
    ) -> None:
        self.content = content
        self.finish_reason = finish_reason
        self.conversation_id = conversation_id
        self.chunks = chunks

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> ChatReply:
        return cls(
            content=data.get("content") or "",
            finish_reason=data.get("finish_reason"),
            conversation_id=data.get("conversation_id"),
            chunks=int(data.get("chunks") or 0),
        )

    def to_dict(self) -> Dict[str, Any]:
        return {
            "content": self.content,
            "finish_reason": self.finish_reason,
            "conversation_id": self.conversation_id,
            "chunks": self.chunks,
        }

    def __str__(self) -> str:
        return self.content

    def __repr__(self) -> str:
        return (
            f"ChatReply(content={self.content!r}, finish_reason={self.finish_reason!r}, "
            f"conversation_id={self.conversation_id!r}, chunks={self.chunks})"
        )
