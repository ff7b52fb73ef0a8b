"""The parts of the C ABI the Swift layer relies on beyond the scenarios:
cancellation (Swift's task cancellation handler calls `CancelToken.cancel`),
`EventStream.close` ending a pending `next()` (an `AsyncThrowingStream`'s
`onTermination`), config errors thrown by the constructor, the error's
fields, and `pack_folder`.
"""
from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT
from test_scenarios import client


def test_config_errors_throw_from_the_constructor_naming_the_field(ffi: Any) -> None:
    for cfg, field in [
        (ffi.ClientConfig(base_url="ftp://x", config_file="/nonexistent"), "base_url"),
        (ffi.ClientConfig(api_key="fe_ bad", config_file="/nonexistent"), "api_key"),
        (ffi.ClientConfig(timeout=0.0, config_file="/nonexistent"), "timeout"),
        (ffi.ClientConfig(max_retries=99, config_file="/nonexistent"), "max_retries"),
    ]:
        with pytest.raises(ffi.NativeError.Failure) as e:
            ffi.FlowEngineClient(cfg)
        assert (e.value.kind, e.value.field) == ("invalid_argument", field)


def test_base_url_keeps_its_prefix_and_the_key_is_not_readable(ffi: Any) -> None:
    fe = ffi.FlowEngineClient(ffi.ClientConfig(api_key="fe_secret_key_123", base_url="https://proxy.test/fe/", config_file="/nonexistent"))
    assert fe.base_url() == "https://proxy.test/fe"
    assert "secret_key" not in repr(fe)


def test_error_fields_cross_the_abi(ffi: Any, sandbox: Any) -> None:
    fe = client(ffi, sandbox.url, sandbox.api_key)

    async def go() -> None:
        with pytest.raises(ffi.NativeError.Failure) as e:
            await fe.call("getFunction", json.dumps({"id": "no-such-function"}))
        assert (e.value.kind, e.value.status) == ("not_found", 404)
        assert e.value.message
        with pytest.raises(ffi.NativeError.Failure) as e:
            await fe.call("createFunction", json.dumps({"name": "x", "runtime": "cobol"}))
        assert (e.value.kind, e.value.field) == ("invalid_argument", "runtime")
        with pytest.raises(ffi.NativeError.Failure) as e:
            await fe.call("noSuchOperation", "{}")
        assert (e.value.kind, e.value.field) == ("invalid_argument", "operation")
        with pytest.raises(ffi.NativeError.Failure) as e:
            await fe.call("getUser", "[not json")
        assert (e.value.kind, e.value.field) == ("invalid_argument", "params")

    asyncio.run(go())


def test_a_cancel_token_stops_a_call_at_once(ffi: Any) -> None:
    # A server that accepts and never answers: only cancellation ends the call.
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    fe = client(ffi, url, "fe_0123456789abcdef0123456789abcdef01234567")

    async def go() -> None:
        token = ffi.CancelToken()
        task = asyncio.ensure_future(fe.call("getUser", "{}", token))
        await asyncio.sleep(0.3)
        assert not task.done()
        started = time.monotonic()
        token.cancel()
        with pytest.raises(ffi.NativeError.Failure) as e:
            await asyncio.wait_for(task, 5)
        assert "cancelled" in e.value.message
        assert time.monotonic() - started < 2
        assert token.is_cancelled()

    try:
        asyncio.run(go())
    finally:
        server.close()


def test_close_ends_a_pending_next(ffi: Any, sandbox: Any) -> None:
    fe = client(ffi, sandbox.url, sandbox.api_key)

    async def go() -> None:
        created = json.loads(await fe.call("createFunction", json.dumps({"name": "close-abi", "runtime": "nodejs22"})))
        s = await fe.stream("getFunctionLogs", json.dumps({"id": created["id"]}))
        # No build, so no lines: next() waits until close().
        pending = asyncio.ensure_future(s.next())
        await asyncio.sleep(0.3)
        assert not pending.done()
        started = time.monotonic()
        s.close()
        assert await asyncio.wait_for(pending, 5) is None
        assert time.monotonic() - started < 2
        assert s.is_closed()
        assert await s.next() is None

    asyncio.run(go())


def test_pack_folder_dry_run_and_in_memory(ffi: Any, tmp_path: Path) -> None:
    async def go() -> None:
        hello = str(ROOT / "examples" / "hello")
        dry = await ffi.pack_folder(hello, True)
        summary = json.loads(dry.summary_json)
        assert summary["file_count"] >= 1 and dry.tarball is None
        packed = await ffi.pack_folder(hello, False)
        assert packed.tarball[:2] == b"\x1f\x8b"
        again = await ffi.pack_folder(hello, False)
        assert again.tarball == packed.tarball, "the same folder gives the same bytes"
        out = tmp_path / "hello.tar.gz"
        to_file = await ffi.pack_folder(hello, False, str(out))
        assert to_file.tarball is None and out.read_bytes() == packed.tarball
        big = tmp_path / "big"
        big.mkdir()
        (big / ("x" * 120)).write_text("long name")
        with pytest.raises(ffi.NativeError.Failure) as e:
            await ffi.pack_folder(str(big), True)
        assert e.value.kind == "invalid_argument" and "x" * 120 in (e.value.field or "")

    asyncio.run(go())


def test_native_version_is_the_workspace_version(ffi: Any) -> None:
    cargo = (ROOT / "Cargo.toml").read_text()
    assert f'version = "{ffi.native_version()}"' in cargo
