"""The helpers that are not one operation (written once, by hand, like their
Rust counterparts in the core): the deploy chain and the tarball packer
(``pack_folder``, a dry run or not). The generated groups bind them as
methods (``fe.functions.deploy_folder``); the spec's ``x-sdk-also`` entries
of kind ``helper`` name them."""

from __future__ import annotations

import os
from typing import Any, Callable, List, Optional, Sequence, cast

from . import _native
from ._base import AsyncResource, PathLike, SyncResource
from ._model import Model

__all__ = [
    "DeployOutcome",
    "DeployProgress",
    "PackSummary",
    "PackedFile",
    "deploy_folder",
    "async_deploy_folder",
    "pack_folder",
    "async_pack_folder",
]


class DeployProgress(Model):
    """Where a deploy stands. ``phase`` is ``packed`` (``files``, ``bytes``,
    ``compressed_bytes``), ``uploading`` (``sent`` of ``total`` bytes),
    ``triggered`` (``deployment_id``), ``building`` (``status``) or ``ready``
    (``url``)."""

    __slots__ = ()

    @property
    def phase(self) -> str:
        return cast(str, self._data.get("phase", ""))

    @property
    def files(self) -> Optional[int]:
        return cast(Optional[int], self._data.get("files"))

    @property
    def bytes(self) -> Optional[int]:
        return cast(Optional[int], self._data.get("bytes"))

    @property
    def compressed_bytes(self) -> Optional[int]:
        return cast(Optional[int], self._data.get("compressed_bytes"))

    @property
    def sent(self) -> Optional[int]:
        return cast(Optional[int], self._data.get("sent"))

    @property
    def total(self) -> Optional[int]:
        return cast(Optional[int], self._data.get("total"))

    @property
    def deployment_id(self) -> Optional[str]:
        return cast(Optional[str], self._data.get("deployment_id"))

    @property
    def status(self) -> Optional[str]:
        return cast(Optional[str], self._data.get("status"))

    @property
    def url(self) -> Optional[str]:
        return cast(Optional[str], self._data.get("url"))


class DeployOutcome(Model):
    """What a finished deploy returns."""

    __slots__ = ()

    @property
    def function_id(self) -> str:
        return cast(str, self._data["function_id"])

    @property
    def deployment_id(self) -> str:
        return cast(str, self._data["deployment_id"])

    @property
    def status(self) -> str:
        """``ready`` after a wait; ``building`` or ``creating`` without one."""
        return cast(str, self._data["status"])

    @property
    def url(self) -> Optional[str]:
        return cast(Optional[str], self._data.get("url"))

    @property
    def files(self) -> int:
        return cast(int, self._data["files"])

    @property
    def bytes(self) -> int:
        return cast(int, self._data["bytes"])

    @property
    def compressed_bytes(self) -> int:
        return cast(int, self._data["compressed_bytes"])


class PackedFile(Model):
    """One file of a tarball (relative path, size in bytes)."""

    __slots__ = ()

    @property
    def path(self) -> str:
        return cast(str, self._data["path"])

    @property
    def size(self) -> int:
        return cast(int, self._data["size"])

    @property
    def executable(self) -> bool:
        return bool(self._data.get("executable"))

    @property
    def symlink(self) -> bool:
        return bool(self._data.get("symlink"))


class PackSummary(Model):
    """What a folder's tarball holds (or, for a dry run, would hold)."""

    __slots__ = ()

    @property
    def root(self) -> str:
        return cast(str, self._data["root"])

    @property
    def file_count(self) -> int:
        return cast(int, self._data["file_count"])

    @property
    def total_bytes(self) -> int:
        """File contents, uncompressed."""
        return cast(int, self._data["total_bytes"])

    @property
    def compressed_bytes(self) -> Optional[int]:
        """The archive's size (None for a dry run)."""
        return cast(Optional[int], self._data.get("compressed_bytes"))

    @property
    def files(self) -> List[PackedFile]:
        return [PackedFile.from_dict(f) for f in self._data.get("files", [])]

    @property
    def skipped(self) -> List[Any]:
        """Entries left out without an ignore rule (``path``, ``reason``)."""
        return cast(List[Any], self._data.get("skipped", []))

    @property
    def tarball(self) -> Optional[bytes]:
        """The gzip'd archive, when packed to memory (not a dry run, no
        ``output``); None otherwise."""
        return cast(Optional[bytes], self._data.get("tarball"))


ProgressCallback = Callable[[DeployProgress], object]


def _progress(on_progress: Optional[ProgressCallback]) -> Optional[Callable[[Any], object]]:
    if on_progress is None:
        return None
    return lambda raw: on_progress(DeployProgress.from_dict(raw))


def deploy_folder(
    self: SyncResource,
    function_id: str,
    path: PathLike,
    *,
    wait: bool = True,
    on_progress: Optional[ProgressCallback] = None,
    poll_interval: Optional[float] = None,
    wait_timeout: Optional[float] = None,
    ignore: Optional[Sequence[str]] = None,
) -> DeployOutcome:
    """Packs a folder, uploads it to a signed URL and triggers the deploy.

    Every local check (ignore files, symlinks, 25 MB a file, 100 MB in all,
    100-byte paths) runs before anything is sent. With ``wait`` (the
    default) this returns once the function is ``ready``; a failed build
    raises :class:`DeployFailedError` with the build log's tail.

    Args:
        function_id: the function to deploy to.
        path: the folder.
        wait: wait until the function is ready.
        on_progress: called with a :class:`DeployProgress` at each step
            (on this thread); an exception it raises stops the deploy.
        poll_interval: seconds between status checks while waiting (default 1).
        wait_timeout: how long to wait for the build at most (default 900).
        ignore: more gitignore-style patterns (relative to the folder), on
            top of its ``.gitignore`` and ``.feignore`` files.
    """
    raw = self._client._native.deploy_folder(
        function_id, os.fspath(path), wait, _progress(on_progress), poll_interval, wait_timeout, ignore
    )
    return DeployOutcome.from_dict(raw)


async def async_deploy_folder(
    self: AsyncResource,
    function_id: str,
    path: PathLike,
    *,
    wait: bool = True,
    on_progress: Optional[ProgressCallback] = None,
    poll_interval: Optional[float] = None,
    wait_timeout: Optional[float] = None,
    ignore: Optional[Sequence[str]] = None,
) -> DeployOutcome:
    """Packs a folder, uploads it to a signed URL and triggers the deploy.

    As the sync ``deploy_folder``; ``on_progress`` runs on the event loop.
    """
    raw = await self._client._native.deploy_folder_async(
        function_id, os.fspath(path), wait, _progress(on_progress), poll_interval, wait_timeout, ignore
    )
    return DeployOutcome.from_dict(raw)


def _output(output: Optional[PathLike]) -> Optional[str]:
    return None if output is None else os.fspath(output)


def pack_folder(
    self: SyncResource,
    path: PathLike,
    *,
    dry_run: bool = False,
    output: Optional[PathLike] = None,
    ignore: Optional[Sequence[str]] = None,
) -> PackSummary:
    """Packs a folder the way ``deploy_folder`` would, without any request.

    The ignore files and every limit are applied first. With ``dry_run``
    nothing is written: the summary lists every file that would be
    uploaded. Otherwise the gzip'd tarball goes to ``output`` (written to a
    temporary file beside it and renamed when complete, so ``output`` is
    never left half-written), or into ``summary.tarball`` when no output is
    given. Ctrl-C interrupts it.

    Args:
        path: the folder.
        dry_run: only check and list what would be packed.
        output: where to write the ``.tar.gz``.
        ignore: more gitignore-style patterns (relative to the folder), on
            top of its ``.gitignore`` and ``.feignore`` files.
    """
    return PackSummary.from_dict(_native.pack_folder(os.fspath(path), dry_run, _output(output), ignore))


async def async_pack_folder(
    self: AsyncResource,
    path: PathLike,
    *,
    dry_run: bool = False,
    output: Optional[PathLike] = None,
    ignore: Optional[Sequence[str]] = None,
) -> PackSummary:
    """Packs a folder the way ``deploy_folder`` would, without any request
    (on the runtime's blocking pool; cancelling the task stops it, and
    ``output`` is never left half-written). See the sync ``pack_folder``."""
    return PackSummary.from_dict(await _native.pack_folder_async(os.fspath(path), dry_run, _output(output), ignore))
