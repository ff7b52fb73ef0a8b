"""The binding's own behaviour: streams, helpers, every error class,
cancellation, Ctrl-C, the GIL, fork, models and enums, pagination."""

from __future__ import annotations

import asyncio
import gzip
import http.server
import io
import os
import signal
import sys
import tarfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

import flowengine
from flowengine import (
    APIConnectionError,
    APIDecodeError,
    APIError,
    APIStatusError,
    APIStreamError,
    APITimeoutError,
    AsyncFlowEngine,
    AuthenticationError,
    BadRequestError,
    ChatChunk,
    ConflictError,
    DeployFailedError,
    DeployProgress,
    FlowEngine,
    Function,
    FunctionStatus,
    InternalServerError,
    InvalidArgumentError,
    NotFoundError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    Runtime,
)
from flowengine import _native
from flowengine._operations import OPERATIONS

from conftest import ROOT, Sandbox, SlowSSE

HELLO = ROOT / "examples" / "hello"
BAD_KEY = "fe_0000000000000000000000000000000000000000"


def name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def fe(sandbox: Sandbox) -> FlowEngine:
    return FlowEngine(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0)


@pytest.fixture
def afe(sandbox: Sandbox) -> AsyncFlowEngine:
    return AsyncFlowEngine(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0)


@pytest.fixture
def ready_fn(fe: FlowEngine) -> Function:
    fn = fe.functions.create(name=name("ready"), runtime="nodejs22")
    fe.functions.deploy_folder(fn.id, HELLO, poll_interval=0.05)
    return fe.functions.get(fn.id)


# --- the package ----------------------------------------------------------------------


def test_version_and_public_names() -> None:
    assert flowengine.__version__ == _native.__version__
    groups = {
        "functions": ["list", "create", "get", "update", "delete", "request_upload", "deploy", "deploy_folder",
                      "upload_folder", "deploy_github", "fork_template", "usage", "limits", "pack_folder"],
        "functions.source": ["get", "update"],
        "functions.logs": ["list", "tail"],
        "functions.secrets": ["list", "set", "delete"],
        "functions.domain": ["add", "get", "remove"],
        "functions.billing": ["get", "update", "verify_card"],
        "chat": ["stream", "send"],
        "chats": ["list", "create", "get", "delete"],
        "account": ["user", "credits"],
        "n8n.instances": ["create", "list", "get", "delete", "manage", "logs"],
        "instances": ["list", "status", "manage", "logs", "deployments", "update_config", "update_domain"],
        "instances.backups": ["list", "create"],
        "provision": ["n8n", "openclaw", "website"],
        "whatsapp.sessions": ["create", "list", "get", "delete", "set_webhook"],
        "email": ["senders", "send"],
    }
    for client in (FlowEngine(api_key=BAD_KEY, base_url="http://127.0.0.1:9"),
                   AsyncFlowEngine(api_key=BAD_KEY, base_url="http://127.0.0.1:9")):
        for group, methods in groups.items():
            obj: Any = client
            for part in group.split("."):
                obj = getattr(obj, part)
            for m in methods:
                assert callable(getattr(obj, m)), f"{type(client).__name__}.{group}.{m}"


def test_generated_methods_match_the_native_dispatch_table() -> None:
    native = {op: (group, method) for op, group, method in _native.operations()}
    assert set(native) == set(OPERATIONS)
    for op, (group, method, _, _) in OPERATIONS.items():
        assert native[op] == (group, method), op


def test_docstrings_come_from_the_spec() -> None:
    from flowengine._client import Functions, FunctionsSecrets
    assert Functions.create.__doc__ and "Creates a function record" in Functions.create.__doc__
    assert FunctionsSecrets.set.__doc__ and "name:" in FunctionsSecrets.set.__doc__
    assert Function.__doc__ == "A function record."


def test_repr_never_shows_the_key(sandbox: Sandbox) -> None:
    client = FlowEngine(api_key=sandbox.api_key, base_url=sandbox.url)
    assert sandbox.api_key not in repr(client)
    assert sandbox.api_key not in repr(client._native)
    bad = FlowEngine(api_key=BAD_KEY, base_url=sandbox.url, max_retries=0)
    with pytest.raises(AuthenticationError) as e:
        bad.account.user()
    assert BAD_KEY not in str(e.value) and BAD_KEY not in repr(e.value)


def test_config_resolution_from_the_environment(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWENGINE_API_KEY", sandbox.api_key)
    monkeypatch.setenv("FLOWENGINE_BASE_URL", sandbox.url)
    with FlowEngine(max_retries=0) as fe:
        assert fe.base_url == sandbox.url
        assert fe.account.user().user_id
        assert fe.timeout == 60.0 and fe.max_retries == 0


def test_bad_settings_are_invalid_arguments() -> None:
    with pytest.raises(InvalidArgumentError) as e:
        FlowEngine(api_key=BAD_KEY, base_url="ftp://nowhere")
    assert e.value.field == "base_url"
    with pytest.raises(InvalidArgumentError):
        FlowEngine(api_key=BAD_KEY, base_url="http://127.0.0.1:9", timeout=0)
    with pytest.raises(ValueError):  # InvalidArgumentError is a ValueError too
        FlowEngine(api_key="fe_ with space", base_url="http://127.0.0.1:9")


# --- models and enums -------------------------------------------------------------------


def test_models_are_typed_views_that_keep_unknown_fields() -> None:
    data = {"id": "f1", "name": "n", "runtime": "nodejs24", "status": "sleeping", "brand_new": {"x": 1},
            "latest_deployment": {"id": "d1", "status": "ready"}}
    fn = Function.from_dict(data)
    assert fn.id == "f1" and fn.name == "n"
    assert fn.runtime == "nodejs24" and isinstance(fn.runtime, Runtime) and not fn.runtime.is_known
    assert fn.status == "sleeping" and not fn.status.is_known
    assert fn.latest_deployment is not None and fn.latest_deployment.status == "ready"
    assert fn.latest_deployment.status.is_known
    assert fn.url is None
    assert fn["brand_new"] == {"x": 1} and fn.get("brand_new") == {"x": 1}
    assert getattr(fn, "brand_new") == {"x": 1}
    assert fn.to_dict() == data
    assert Function.from_dict(fn.to_dict()) == fn
    built = Function(id="f2", name="m", runtime=Runtime.PYTHON312, status=FunctionStatus.READY, extra_field=3)
    assert built.to_dict() == {"id": "f2", "name": "m", "runtime": "python312", "status": "ready", "extra_field": 3}
    assert Runtime("nodejs22") is Runtime.NODEJS22 and str(Runtime.NODEJS22) == "nodejs22"
    with pytest.raises(AttributeError):
        getattr(fn, "no_such_field")


# --- streams --------------------------------------------------------------------------


def test_chat_stream_sync(fe: FlowEngine) -> None:
    chunks = list(fe.chat.stream(message="héllo", model="regular"))
    assert len(chunks) >= 2 and all(isinstance(c, ChatChunk) for c in chunks)
    text = "".join(c.content for c in chunks)
    assert "👋" in text
    assert chunks[-1].finish_reason == "stop"
    assert any(c.conversation_id for c in chunks)
    assert chunks[0].raw and chunks[0].to_dict()["content"] == chunks[0].content
    with fe.chat.stream(message="hi", model="regular") as s:
        first = next(iter(s))
        assert isinstance(first, ChatChunk)
    assert s.closed and s.next() is None and list(s) == []


def test_chat_send_collects_the_reply(fe: FlowEngine) -> None:
    reply = fe.chat.send(message="hi", model="regular")
    assert reply.finish_reason == "stop" and "👋" in reply.content and reply.chunks >= 2
    assert reply.conversation_id
    again = fe.chat.send(message="more", model="regular", conversation_id=reply.conversation_id)
    assert again.conversation_id == reply.conversation_id


async def test_chat_stream_async(afe: AsyncFlowEngine) -> None:
    chunks = [c async for c in afe.chat.stream(message="hi", model="regular")]
    assert chunks[-1].finish_reason == "stop" and "👋" in "".join(c.content for c in chunks)
    async with afe.chat.stream(message="hi", model="regular") as s:
        items = [c async for c in s]
    assert len(items) == len(chunks) and s.closed
    opened = await afe.chat.stream(message="hi", model="boost")
    first = await opened.next()
    assert isinstance(first, ChatChunk)
    await opened.aclose()
    assert await opened.next() is None
    reply = await afe.chat.send(message="hi", model="regular")
    assert reply.content == "".join(c.content for c in chunks).replace("hi", "hi")


def test_log_tail_yields_new_lines(fe: FlowEngine, ready_fn: Function) -> None:
    lines: List[str] = []
    with fe.functions.logs.tail(ready_fn.id) as tail:
        # New lines: a redeploy writes its build log.
        threading.Timer(0.2, lambda: fe.functions.source.update(ready_fn.id, files={"index.js": "export default () => 1", "package.json": "{}"})).start()
        for line in tail:
            assert isinstance(line, str)
            lines.append(line)
            if len(lines) >= 3:
                break
    assert len(lines) == 3 and tail.closed


async def test_log_tail_async_and_task_cancel(fe: FlowEngine, afe: AsyncFlowEngine, ready_fn: Function) -> None:
    seen: List[str] = []

    async def consume() -> None:
        async for line in afe.functions.logs.tail(ready_fn.id):
            seen.append(line)

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.2)
    await asyncio.get_running_loop().run_in_executor(
        None, lambda: fe.functions.source.update(ready_fn.id, files={"index.js": "x", "package.json": "{}"})
    )
    for _ in range(100):
        if seen:
            break
        await asyncio.sleep(0.05)
    assert seen, "no log line arrived"
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0


def test_closing_a_stream_from_another_thread_wakes_its_reader(fe: FlowEngine, ready_fn: Function) -> None:
    tail = fe.functions.logs.tail(ready_fn.id)
    threading.Timer(0.3, tail.close).start()
    started = time.monotonic()
    lines = list(tail)  # whatever the tail sends, then blocked until closed
    assert all(isinstance(line, str) for line in lines)
    assert 0.2 < time.monotonic() - started < 5
    assert tail.closed and tail.next() is None


# --- helpers ------------------------------------------------------------------------------


def test_deploy_folder_reports_progress_and_reaches_ready(fe: FlowEngine) -> None:
    fn = fe.functions.create(name=name("dep"), runtime="nodejs22")
    seen: List[DeployProgress] = []
    threads = set()

    def on_progress(p: DeployProgress) -> None:
        seen.append(p)
        threads.add(threading.get_ident())

    out = fe.functions.deploy_folder(fn.id, HELLO, on_progress=on_progress, poll_interval=0.05)
    assert out.status == "ready" and out.url and out.files == 3 and out.function_id == fn.id
    phases = [p.phase for p in seen]
    assert phases[0] == "packed" and "uploading" in phases and "triggered" in phases and phases[-1] == "ready"
    assert threads == {threading.get_ident()}, "on_progress runs on the caller's thread"
    assert fe.functions.get(fn.id).status == FunctionStatus.READY


def test_an_exception_in_on_progress_stops_the_deploy(fe: FlowEngine) -> None:
    fn = fe.functions.create(name=name("stop"), runtime="nodejs22")

    def boom(p: DeployProgress) -> None:
        if p.phase == "packed":
            raise KeyError("stop here")

    with pytest.raises(KeyError):
        fe.functions.deploy_folder(fn.id, HELLO, on_progress=boom)


async def test_deploy_folder_async_progress_on_the_loop(afe: AsyncFlowEngine) -> None:
    fn = await afe.functions.create(name=name("adep"), runtime="nodejs22")
    loop_thread = threading.get_ident()
    seen: List[str] = []
    threads = set()

    def on_progress(p: DeployProgress) -> None:
        seen.append(p.phase)
        threads.add(threading.get_ident())

    out = await afe.functions.deploy_folder(fn.id, HELLO, on_progress=on_progress, poll_interval=0.05)
    await asyncio.sleep(0.05)
    assert out.status == "ready" and "packed" in seen and threads == {loop_thread}


def test_deploy_without_the_entry_file_is_deploy_failed(fe: FlowEngine) -> None:
    fn = fe.functions.create(name=name("nopy"), runtime="python312")
    with pytest.raises(DeployFailedError) as e:
        fe.functions.deploy_folder(fn.id, HELLO, poll_interval=0.05)
    assert e.value.kind == "deploy_failed" and "fail" in str(e.value)


def test_pack_folder(fe: FlowEngine, tmp_path: Path) -> None:
    plan = fe.functions.pack_folder(HELLO, dry_run=True)
    assert plan.file_count == 3 and plan.compressed_bytes is None and plan.tarball is None
    assert sorted(f.path for f in plan.files) == [".gitignore", "index.js", "package.json"]
    out = tmp_path / "hello.tar.gz"
    packed = fe.functions.pack_folder(HELLO, output=out)
    assert packed.compressed_bytes == out.stat().st_size and packed.tarball is None
    with tarfile.open(out) as tar:
        assert sorted(tar.getnames()) == [".gitignore", "index.js", "package.json"]
    # Not a dry run by default (as Node's and Swift's packFolder): the bytes, in memory.
    in_memory = fe.functions.pack_folder(str(HELLO))
    assert in_memory.tarball == out.read_bytes(), "deterministic"
    assert in_memory.compressed_bytes == len(in_memory.tarball or b"")
    assert gzip.decompress(in_memory.tarball or b"")
    assert [p.name for p in tmp_path.iterdir()] == ["hello.tar.gz"], "no temporary file is left"
    (tmp_path / "big").mkdir()
    (tmp_path / "big" / ("x" * 120)).write_text("long name")
    with pytest.raises(InvalidArgumentError) as e:
        fe.functions.pack_folder(tmp_path / "big", output=tmp_path / "big.tar.gz")
    assert e.value.field and "x" * 100 in e.value.field
    assert not (tmp_path / "big.tar.gz").exists(), "a failed pack writes no output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big", "hello.tar.gz"]


def test_pack_folder_ignore(fe: FlowEngine, tmp_path: Path) -> None:
    folder = hello_with_extras(tmp_path)
    everything = fe.functions.pack_folder(folder, dry_run=True)
    assert {"secret.txt", "notes/todo.md"} <= {f.path for f in everything.files}
    plan = fe.functions.pack_folder(folder, dry_run=True, ignore=["secret.txt", "notes/"])
    assert sorted(f.path for f in plan.files) == [".gitignore", "index.js", "package.json"]
    packed = fe.functions.pack_folder(folder, ignore=("secret.txt", "notes/"))
    with tarfile.open(fileobj=io.BytesIO(packed.tarball or b"")) as tar:
        assert sorted(tar.getnames()) == [".gitignore", "index.js", "package.json"]
    with pytest.raises(InvalidArgumentError) as e:
        fe.functions.pack_folder(folder, ignore="secret.txt")  # type: ignore[arg-type]  # one pattern per letter
    assert e.value.field == "ignore"
    with pytest.raises(InvalidArgumentError) as e:
        fe.functions.pack_folder(folder, ignore=[1])  # type: ignore[list-item]
    assert e.value.field == "ignore"


async def test_pack_folder_async(afe: AsyncFlowEngine, tmp_path: Path) -> None:
    plan = await afe.functions.pack_folder(HELLO, dry_run=True)
    assert plan.file_count == 3 and plan.tarball is None
    packed = await afe.functions.pack_folder(hello_with_extras(tmp_path), ignore=["secret.txt", "notes/"])
    assert packed.file_count == 3 and packed.tarball and gzip.decompress(packed.tarball)


def big_folder(tmp_path: Path) -> Path:
    """~90 MB of incompressible files: packing takes a while."""
    folder = tmp_path / "big-folder"
    folder.mkdir()
    for i in range(9):
        (folder / f"blob{i}.bin").write_bytes(os.urandom(10 * 1024 * 1024))
    return folder


def leftovers(directory: Path) -> List[str]:
    """The temporary files of a pack still in ``directory``, once the pack
    (which may go on in the background after an interruption) ended."""
    deadline = time.monotonic() + 20
    while True:
        partial = [p.name for p in directory.iterdir() if p.name.endswith(".partial")]
        if not partial or time.monotonic() > deadline:
            return partial
        time.sleep(0.05)


def when_packing(directory: Path, then: Callable[[], object]) -> threading.Thread:
    """Calls ``then`` once a pack's temporary file appears in ``directory``."""

    def watch() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if any(p.name.endswith(".partial") for p in directory.iterdir()):
                then()
                return
            time.sleep(0.001)

    t = threading.Thread(target=watch, daemon=True)
    t.start()
    return t


def assert_whole_or_absent(out: Path, folder: Path) -> None:
    """``output`` after an interrupted pack: absent, or the whole archive
    (when the pack finished before the interruption took effect)."""
    if out.exists():
        with tarfile.open(out) as tar:
            assert sorted(tar.getnames()) == sorted(p.name for p in folder.iterdir())


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_pack_folder(fe: FlowEngine, tmp_path: Path) -> None:
    folder = big_folder(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "big.tar.gz"
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    interrupted_at: List[float] = []

    def interrupt() -> None:
        interrupted_at.append(time.monotonic())
        os.kill(os.getpid(), signal.SIGINT)

    try:
        watcher = when_packing(out_dir, interrupt)
        with pytest.raises(KeyboardInterrupt):
            fe.functions.pack_folder(folder, output=out)
        returned = time.monotonic()
        watcher.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert interrupted_at and returned - interrupted_at[0] < 1.0
    assert leftovers(out_dir) == [], "an interrupted pack removes its temporary file"
    assert_whole_or_absent(out, folder)


async def test_cancelling_an_async_pack_folder(afe: AsyncFlowEngine, tmp_path: Path) -> None:
    folder = big_folder(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "big.tar.gz"
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(afe.functions.pack_folder(folder, output=out))
    started = loop.create_future()
    when_packing(out_dir, lambda: loop.call_soon_threadsafe(started.set_result, None))
    await asyncio.wait_for(started, 20)
    cancelled = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - cancelled < 1.0
    assert await loop.run_in_executor(None, leftovers, out_dir) == []
    assert_whole_or_absent(out, folder)


def hello_with_extras(tmp_path: Path) -> Path:
    """examples/hello plus files that ``ignore`` patterns leave out."""
    folder = tmp_path / "hello-extras"
    folder.mkdir()
    for f in HELLO.iterdir():
        (folder / f.name).write_bytes(f.read_bytes())
    (folder / "secret.txt").write_text("not for upload")
    (folder / "notes").mkdir()
    (folder / "notes" / "todo.md").write_text("- ship it")
    return folder


def test_deploy_folder_ignore_leaves_files_out(fe: FlowEngine, tmp_path: Path) -> None:
    folder = hello_with_extras(tmp_path)
    fn = fe.functions.create(name=name("ign"), runtime="nodejs22")
    out = fe.functions.deploy_folder(fn.id, folder, poll_interval=0.05, ignore=["secret.txt", "notes/"])
    assert out.status == "ready" and out.files == 3
    files = fe.functions.source.get(fn.id).files
    assert "index.js" in files and "secret.txt" not in files and not any(p.startswith("notes/") for p in files)
    # Without ignore, the same folder deploys every file.
    fe.functions.deploy_folder(fn.id, folder, poll_interval=0.05)
    assert {"secret.txt", "notes/todo.md"} <= set(fe.functions.source.get(fn.id).files)


async def test_deploy_folder_async_ignore(afe: AsyncFlowEngine, tmp_path: Path) -> None:
    folder = hello_with_extras(tmp_path)
    fn = await afe.functions.create(name=name("aign"), runtime="nodejs22")
    out = await afe.functions.deploy_folder(fn.id, folder, poll_interval=0.05, ignore=["secret.txt", "notes/"])
    assert out.status == "ready" and out.files == 3
    files = (await afe.functions.source.get(fn.id)).files
    assert "index.js" in files and "secret.txt" not in files and "notes/todo.md" not in files


def test_upload_folder_ignore(fe: FlowEngine, afe: AsyncFlowEngine, tmp_path: Path) -> None:
    folder = hello_with_extras(tmp_path)
    accepted = fe.functions.upload_folder(folder, name=name("upi"), runtime="nodejs22", ignore=["secret.txt", "notes/"])
    files = fe.functions.source.get(accepted.function_id).files
    assert "index.js" in files and "secret.txt" not in files and "notes/todo.md" not in files

    async def upload() -> str:
        done = await afe.functions.upload_folder(folder, name=name("aupi"), runtime="nodejs22", ignore=["secret.txt"])
        return done.function_id

    files = fe.functions.source.get(asyncio.run(upload())).files
    assert "secret.txt" not in files and "notes/todo.md" in files


def test_upload_folder(fe: FlowEngine) -> None:
    accepted = fe.functions.upload_folder(HELLO, name=name("up"), runtime="nodejs22")
    assert accepted.success and accepted.function_id
    with pytest.raises(InvalidArgumentError) as e:
        fe.functions.upload_folder(HELLO, name="Not A Name")
    assert e.value.field == "name"


# --- pagination ----------------------------------------------------------------------------


def test_pagination_sync_and_async(sandbox: Sandbox) -> None:
    key = sandbox.new_account({"functions_tier": "free", "main_tier": "free", "has_card": False})
    fe = FlowEngine(api_key=key, base_url=sandbox.url, max_retries=0)
    ids = {fe.chats.create(title=f"c{i}").chat.id for i in range(5)}
    page = fe.chats.list(limit=2)
    assert page.total == 5 and len(page.chats) == 2 and page.has_next_page()
    assert [len(p.chats) for p in page.iter_pages()] == [2, 2, 1]
    assert {c.id for c in fe.chats.list(limit=2)} == ids

    async def run() -> None:
        afe = AsyncFlowEngine(api_key=key, base_url=sandbox.url, max_retries=0)
        first = await afe.chats.list(limit=3)
        assert first.total == 5 and len(first.chats) == 3
        assert {c.id async for c in afe.chats.list(limit=2)} == ids
        second = await first.next_page()
        assert second is not None and len(second.chats) == 2 and await second.next_page() is None

    asyncio.run(run())


# --- every error class ------------------------------------------------------------------------


def test_status_errors(sandbox: Sandbox, fe: FlowEngine) -> None:
    with pytest.raises(NotFoundError) as nf:
        fe.functions.get("no-such-function")
    assert nf.value.status_code == 404 and isinstance(nf.value, APIStatusError)

    with pytest.raises(AuthenticationError) as auth:
        FlowEngine(api_key=BAD_KEY, base_url=sandbox.url, max_retries=0).functions.list()
    assert auth.value.status_code == 401

    with pytest.raises(AuthenticationError) as nokey:
        FlowEngine(base_url=sandbox.url).functions.list()
    assert nokey.value.status_code is None and "API key" in nokey.value.message

    slot10 = next(i.id for i in fe.instances.list().instances if i.service_type == "empty" and i.storage_limit_gb == 10)
    with pytest.raises(BadRequestError) as bad:
        fe.provision.openclaw(instance_id=slot10)
    assert bad.value.status_code == 400 and bad.value.field == "instanceId"

    n = name("dup")
    fe.functions.create(name=n, runtime="nodejs22")
    with pytest.raises(ConflictError) as conflict:
        fe.functions.create(name=n, runtime="nodejs22")
    assert conflict.value.status_code == 409

    free = FlowEngine(api_key=sandbox.new_account({"functions_tier": "free", "main_tier": "free", "has_card": False, "credits": 0}),
                      base_url=sandbox.url, max_retries=0)
    with pytest.raises(PaymentRequiredError) as pay:
        free.n8n.instances.create(instance_name="x", storage_gb=10, billing_cycle="monthly")
    assert pay.value.status_code == 402
    with pytest.raises(PermissionDeniedError) as denied:
        free.chat.send(message="hi", model="boost")
    assert denied.value.status_code == 403 and denied.value.upgrade_url
    with pytest.raises(InternalServerError) as server:
        free.chat.send(message="hi", model="regular")
    assert server.value.status_code == 500

    teams = FlowEngine(api_key=sandbox.new_account({"functions_tier": "teams", "main_tier": "pro", "has_card": True}),
                       base_url=sandbox.url, max_retries=0)
    with pytest.raises(RateLimitError) as limited:
        for i in range(6):
            teams.functions.deploy_github(repo=f"octocat/r{i}", name=name("rl"))
    assert limited.value.status_code == 429


def test_invalid_argument_is_raised_before_any_request(closed_port: str) -> None:
    fe = FlowEngine(api_key=BAD_KEY, base_url=closed_port, max_retries=0)
    with pytest.raises(InvalidArgumentError) as e:
        fe.functions.create(name="ok", runtime="cobol")  # type: ignore[arg-type]
    assert e.value.field == "runtime" and e.value.status_code is None
    with pytest.raises(InvalidArgumentError) as e2:
        fe.functions.create(name="ok", runtime="nodejs22", memory="1Tb")
    assert e2.value.field == "memory"
    with pytest.raises(InvalidArgumentError):
        fe.chats.list(limit=0)
    with pytest.raises(InvalidArgumentError) as e3:
        fe.functions.update("id", trigger_config={"when": object()})
    assert e3.value.field == "trigger_config.when"


def test_connection_error(closed_port: str) -> None:
    fe = FlowEngine(api_key=BAD_KEY, base_url=closed_port, max_retries=0)
    with pytest.raises(APIConnectionError) as e:
        fe.account.user()
    assert type(e.value) is APIConnectionError and e.value.kind == "connection"


def test_timeout_error(silent_server: str) -> None:
    fe = FlowEngine(api_key=BAD_KEY, base_url=silent_server, timeout=0.3, max_retries=0)
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as e:
        fe.account.user()
    assert isinstance(e.value, APIConnectionError) and time.monotonic() - started < 5


def test_decode_error_quotes_the_body(scripted_server: Callable[..., str]) -> None:
    def html(h: http.server.BaseHTTPRequestHandler) -> None:
        body = b"<html><body>not json</body></html>"
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    fe = FlowEngine(api_key=BAD_KEY, base_url=scripted_server(html), max_retries=0)
    with pytest.raises(APIDecodeError) as e:
        fe.account.user()
    assert "not json" in str(e.value)


def test_html_error_page_keeps_its_status(scripted_server: Callable[..., str]) -> None:
    def bad_gateway(h: http.server.BaseHTTPRequestHandler) -> None:
        body = b"<html>502 Bad Gateway</html>"
        h.send_response(502)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)

    fe = FlowEngine(api_key=BAD_KEY, base_url=scripted_server(bad_gateway), max_retries=0)
    with pytest.raises(InternalServerError) as e:
        fe.account.user()
    assert e.value.status_code == 502 and "Bad Gateway" in e.value.message


def test_stream_error_when_a_chat_breaks_off(scripted_server: Callable[..., str]) -> None:
    def broken_chat(h: http.server.BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(b'data: {"choices":[{"delta":{"content":"half"},"finish_reason":null}]}\n\n')
        h.wfile.flush()
        h.close_connection = True

    fe = FlowEngine(api_key=BAD_KEY, base_url=scripted_server(broken_chat), max_retries=0)
    got: List[str] = []
    with pytest.raises(APIStreamError) as e:
        for chunk in fe.chat.stream(message="hi", model="regular"):
            got.append(chunk.content)
    assert got == ["half"] and isinstance(e.value, APIConnectionError)


def test_errors_pickle_with_their_fields() -> None:
    import pickle

    err = RateLimitError("slow down", kind="rate_limited", status_code=429, retry_after=7.0, request_id="r1")
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is RateLimitError and back.retry_after == 7.0 and back.request_id == "r1"
    assert isinstance(back, APIError) and str(back) == str(err)


# --- cancellation, Ctrl-C, the GIL, fork ----------------------------------------------------------


async def closed_within(server: SlowSSE, since: float, seconds: float = 2.0) -> None:
    """The server saw the client close its connection, within ``seconds``."""
    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, server.closed.wait, seconds + 3), "the connection stayed open"
    assert server.closed_at - since < seconds, f"closed {server.closed_at - since:.2f} s later"


async def test_cancelling_an_async_call(slow_sse: Callable[..., SlowSSE]) -> None:
    server = slow_sse(silent=True)
    afe = AsyncFlowEngine(api_key=BAD_KEY, base_url=server.url, timeout=30, max_retries=0)
    started = time.monotonic()
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(afe.account.user(), timeout=0.3)
    cancelled = time.monotonic()
    assert cancelled - started < 2 and server.requested.is_set()
    # The request is dropped, not left running: its connection closes.
    await closed_within(server, cancelled)


def test_leaving_a_sync_stream_closes_its_connection(slow_sse: Callable[..., SlowSSE]) -> None:
    # Each server streams one chunk, then only SSE comments (no items), and
    # never ends the stream: only the client can close the connection.
    def client(server: SlowSSE) -> FlowEngine:
        return FlowEngine(api_key=BAD_KEY, base_url=server.url, timeout=30, max_retries=0)

    def assert_closed_within(server: SlowSSE, since: float) -> None:
        assert server.closed.wait(5), "the connection stayed open"
        assert server.closed_at - since < 2, f"closed {server.closed_at - since:.2f} s later"

    # Breaking out of a for loop drops the stream.
    broken = slow_sse()
    for chunk in client(broken).chat.stream(message="hi", model="regular"):
        assert chunk.content == "c0"
        time.sleep(0.2)
        assert not broken.closed.is_set()
        break
    assert_closed_within(broken, time.monotonic())

    # Leaving a with block closes it (the stream object is still referenced).
    left = slow_sse()
    with client(left).chat.stream(message="hi", model="regular") as s:
        assert next(s).content == "c0"
        time.sleep(0.2)
        assert not left.closed.is_set()
    assert_closed_within(left, time.monotonic())
    assert s.closed

    # close() from another thread while this one waits for the next item.
    waiting = slow_sse()
    s = client(waiting).chat.stream(message="hi", model="regular")
    assert next(s).content == "c0"
    closed_at: List[float] = []

    def close() -> None:
        closed_at.append(time.monotonic())
        s.close()

    threading.Timer(0.3, close).start()
    assert s.next() is None  # blocked (comments only) until closed
    assert_closed_within(waiting, closed_at[0])
    assert s.closed


async def test_cancelling_a_task_awaiting_a_stream_item_closes_its_connection(slow_sse: Callable[..., SlowSSE]) -> None:
    server = slow_sse()
    afe = AsyncFlowEngine(api_key=BAD_KEY, base_url=server.url, timeout=30, max_retries=0)
    got: List[str] = []

    async def consume() -> None:
        async for chunk in afe.chat.stream(message="hi", model="regular"):
            got.append(chunk.content)

    task = asyncio.create_task(consume())
    for _ in range(200):
        if got:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)  # the task now awaits the next item (comments only)
    assert got == ["c0"] and not task.done() and not server.closed.is_set()
    cancelled = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - cancelled < 1.0
    await closed_within(server, cancelled)

    # aclose() of an opened stream, with no task cancelled.
    closing = slow_sse()
    afe2 = AsyncFlowEngine(api_key=BAD_KEY, base_url=closing.url, timeout=30, max_retries=0)
    opened = await afe2.chat.stream(message="hi", model="regular")
    assert (await opened.next()).content == "c0"  # type: ignore[union-attr]
    await asyncio.sleep(0.2)
    assert not closing.closed.is_set()
    closed_at = time.monotonic()
    await opened.aclose()
    await closed_within(closing, closed_at)


async def test_many_concurrent_async_calls(afe: AsyncFlowEngine) -> None:
    users = await asyncio.gather(*(afe.account.user() for _ in range(200)))
    assert len({u.user_id for u in users}) == 1


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_interrupts_a_blocking_call(silent_server: str) -> None:
    fe = FlowEngine(api_key=BAD_KEY, base_url=silent_server, timeout=30, max_retries=0)
    # Python's own Ctrl-C handler, whatever an earlier event loop left installed.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
    try:
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            fe.account.user()
        assert time.monotonic() - started < 5
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)


def test_the_gil_is_released_while_a_call_waits(silent_server: str) -> None:
    fe = FlowEngine(api_key=BAD_KEY, base_url=silent_server, timeout=1.0, max_retries=0)
    errors: List[BaseException] = []

    def call() -> None:
        try:
            fe.account.user()
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    t = threading.Thread(target=call)
    t.start()
    ticks = 0
    while t.is_alive():
        ticks += 1
        time.sleep(0.001)
    assert ticks > 100, "the main thread ran while the call waited"
    assert errors and isinstance(errors[0], APITimeoutError)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_client_works_in_a_child_after_fork(fe: FlowEngine) -> None:
    user = fe.account.user()  # the parent's pool and runtime are in use
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(r)
            child_user = fe.account.user()
            reply = fe.chat.send(message="from the child", model="regular")
            os.write(w, f"{child_user.user_id}|{reply.finish_reason}".encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            pytest.fail("the child hung")
        time.sleep(0.05)
    out = os.read(r, 1000).decode()
    os.close(r)
    assert os.waitstatus_to_exitcode(status) == 0
    assert out == f"{user.user_id}|stop"
    assert fe.account.user().user_id == user.user_id  # and the parent still works


def test_close_releases_the_pool_and_the_client_stays_usable(sandbox: Sandbox) -> None:
    with FlowEngine(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0) as fe:
        first = fe.account.user()
    assert fe.account.user().user_id == first.user_id  # after close: new connections

    async def run() -> None:
        async with AsyncFlowEngine(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0) as afe:
            assert (await afe.account.user()).user_id == first.user_id

    asyncio.run(run())
