"""Offset pagination (written once, by hand) for operations with
``x-sdk-paginate``. The generated page classes are a model of one page (its
items, ``total``, ``limit``, ``offset``) mixed with one of these::

    page = fe.chats.list(limit=20)      # one page: page.chats, page.total
    for chat in fe.chats.list():        # every item, fetching pages as needed
        ...
    async for chat in afe.chats.list(): # the same, asyncio
        ...
    page = await afe.chats.list()       # one page
"""

from __future__ import annotations

from typing import (
    TYPE_CHECKING,
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    ClassVar,
    Dict,
    Generator,
    Generic,
    Iterator,
    List,
    Optional,
    Type,
    TypeVar,
    cast,
)

if TYPE_CHECKING:
    from ._base import AsyncAPIClient, SyncAPIClient

__all__ = ["SyncPage", "AsyncPage", "AsyncPaginator"]

T = TypeVar("T")
P = TypeVar("P", bound="SyncPage[Any]")
AP = TypeVar("AP", bound="AsyncPage[Any]")


class _PageMeta:
    """What the generated page class says about its operation."""

    __slots__ = ()
    _page_operation: ClassVar[str]
    _page_items: ClassVar[str]  # the attribute with this page's items
    _page_total: ClassVar[str]  # wire names in the response ...
    _page_limit: ClassVar[str]
    _page_offset: ClassVar[str]  # ... and in the query

    _data: Dict[str, Any]
    _page_params: Dict[str, Any]

    def _page_list(self) -> List[Any]:
        return cast(List[Any], getattr(self, self._page_items))

    def _next_params(self) -> Optional[Dict[str, Any]]:
        items = self._data.get(self._page_items) or []
        if not items:
            return None
        offset = int(self._data.get(self._page_offset) or self._page_params.get(self._page_offset) or 0)
        next_offset = offset + len(items)
        total = self._data.get(self._page_total)
        if total is not None and next_offset >= int(total):
            return None
        params = dict(self._page_params)
        params[self._page_offset] = next_offset
        return params

    def has_next_page(self) -> bool:
        return self._next_params() is not None


class SyncPage(_PageMeta, Generic[T]):
    """One page of a paginated list; iterating it yields every item of this
    page and of the pages after it."""

    __slots__ = ()
    _page_client: SyncAPIClient

    @classmethod
    def _fetch(cls: Type[P], client: SyncAPIClient, params: Dict[str, Any]) -> P:
        page = cast(Any, cls).from_dict(client._call(cls._page_operation, params))
        page._page_client = client
        page._page_params = params
        return cast(P, page)

    def next_page(self: P) -> Optional[P]:
        """The page after this one, or None."""
        params = self._next_params()
        return None if params is None else type(self)._fetch(self._page_client, params)

    def iter_pages(self: P) -> Iterator[P]:
        """This page and every page after it."""
        page: Optional[P] = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page._page_list()


class AsyncPage(_PageMeta, Generic[T]):
    """One page of a paginated list (asyncio); ``async for`` over it yields
    every item of this page and of the pages after it."""

    __slots__ = ()
    _page_client: AsyncAPIClient

    @classmethod
    async def _fetch(cls: Type[AP], client: AsyncAPIClient, params: Dict[str, Any]) -> AP:
        page = cast(Any, cls).from_dict(await client._call(cls._page_operation, params))
        page._page_client = client
        page._page_params = params
        return cast(AP, page)

    async def next_page(self: AP) -> Optional[AP]:
        """The page after this one, or None."""
        params = self._next_params()
        return None if params is None else await type(self)._fetch(self._page_client, params)

    async def iter_pages(self: AP) -> AsyncIterator[AP]:
        """This page and every page after it."""
        page: Optional[AP] = self
        while page is not None:
            yield page
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page._page_list():
                yield item


class AsyncPaginator(Generic[AP, T]):
    """What a paginated async method returns: ``await`` it for the first
    page, or ``async for`` over it for every item."""

    __slots__ = ("_fetch",)

    def __init__(self, fetch: Callable[[], Awaitable[AP]]) -> None:
        self._fetch = fetch

    def __await__(self) -> Generator[Any, None, AP]:
        return self._fetch().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._fetch()
        async for item in page:
            yield item
