"""Replays every scenario of tests/scenarios/*.yaml through the typed
clients, ``FlowEngine`` and ``AsyncFlowEngine`` alike, each against a sandbox
of its own (the Rust replay, crates/core/tests/scenarios.rs, goes through
the narrow waist; this one goes through the generated methods)."""

from __future__ import annotations

import asyncio
import inspect
import re
import sys
import threading
from typing import Any, Dict, List, Optional, Tuple, Union

import pytest

import flowengine
from flowengine import AsyncFlowEngine, AsyncStream, FlowEngine, Model, Stream
from flowengine._errors import APIDecodeError, error_class
from flowengine._operations import OPERATIONS, STREAMS

from conftest import ROOT, get_sandbox

sys.path.insert(0, str(ROOT / "tests" / "scenarios"))
from scenario_lang import (  # noqa: E402  (the scenario language, shared with the Swift-ABI runner)
    BAD_KEY,
    Vars,
    assert_subset,
    check_error,
    check_stream_expect,
    load,
    operations_reached,
    pick,
)

STREAM_STEP_TIMEOUT = 10.0
Client = Union[FlowEngine, AsyncFlowEngine]


CASES = load()


def as_json(result: Any) -> Any:
    if isinstance(result, (Model, flowengine.ChatReply)):
        return result.to_dict()
    return result


async def resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


def method(client: Client, group: str, name: str) -> Any:
    obj: Any = client
    for part in group.split("."):
        obj = getattr(obj, part)
    return getattr(obj, name)


def call_args(op: str, params: Dict[str, Any]) -> Tuple[List[Any], Dict[str, Any]]:
    _, _, positional, keywords = OPERATIONS[op]
    params = dict(params)
    args = [params.pop(w) for w in positional if w in params]
    unknown = [k for k in params if k not in keywords]
    assert not unknown, f"{op}: the scenario passes {unknown}, which the method does not take"
    return args, {keywords[k]: v for k, v in params.items()}


async def run_stream(client: Client, op: str, params: Dict[str, Any], take: int) -> Dict[str, Any]:
    group, name = STREAMS[op]
    args, kwargs = call_args(op, params)
    stream = method(client, group, name)(*args, **kwargs)
    items: List[Any] = []

    def note(item: Any) -> bool:
        items.append(item)
        return len(items) >= take

    if isinstance(stream, AsyncStream):
        await stream  # opens it: errors of the request surface here

        async def consume() -> None:
            async for item in stream:
                if note(item):
                    break

        try:
            await asyncio.wait_for(consume(), STREAM_STEP_TIMEOUT)
        except asyncio.TimeoutError:
            pass
        finally:
            await stream.aclose()
    else:
        assert isinstance(stream, Stream)
        timer = threading.Timer(STREAM_STEP_TIMEOUT, stream.close)
        timer.start()
        try:
            with stream:
                for item in stream:
                    if note(item):
                        break
        finally:
            timer.cancel()
    chunks = [i for i in items if isinstance(i, flowengine.ChatChunk)]
    finish = next((c.finish_reason for c in reversed(chunks) if c.finish_reason), None)
    conversation = next((c.conversation_id for c in reversed(chunks) if c.conversation_id), None)
    return {
        "items": len(items),
        "content": "".join(c.content for c in chunks),
        "finish_reason": finish,
        "conversation_id": conversation,
        "lines": [i for i in items if isinstance(i, str)],
    }


async def run_helper(client: Client, name: str, p: Dict[str, Any]) -> Any:
    if name == "deploy_folder":
        return await resolve(
            client.functions.deploy_folder(p["id"], ROOT / p["path"], wait=p.get("wait", True), poll_interval=0.05)
        )
    if name == "upload_folder":
        return await resolve(client.functions.upload_folder(ROOT / p["path"], name=p.get("name"), runtime=p.get("runtime")))
    if name == "chat_send":
        return await resolve(
            client.chat.send(message=p["message"], model=p["model"], conversation_id=p.get("conversation_id"))
        )
    if name == "chats_iter":
        listing = client.chats.list(limit=p.get("page_size", 50))
        if isinstance(client, AsyncFlowEngine):
            return {"count": len([c async for c in listing])}  # type: ignore[union-attr]
        return {"count": len(list(listing))}  # type: ignore[arg-type]
    raise AssertionError(f"unknown helper {name}")


def missing_argument(e: TypeError, step: Dict[str, Any]) -> flowengine.InvalidArgumentError:
    m = re.search(r"missing \d+ required (?:keyword-only |positional )?arguments?: '(\w+)'", str(e))
    if m is None:
        raise e
    op = step.get("op") or step.get("stream")
    wire = {py: w for w, py in OPERATIONS[op][3].items()}.get(m.group(1), m.group(1)) if op else m.group(1)
    return flowengine.InvalidArgumentError(str(e), kind="invalid_argument", field=wire)


async def run_scenario(flavor: str, file: str, scenario: Dict[str, Any]) -> int:
    sb = get_sandbox(f"scenarios-{flavor}")
    key = sb.new_account(scenario["account"]) if scenario.get("account") else sb.api_key
    make = FlowEngine if flavor == "sync" else AsyncFlowEngine
    client: Client = make(api_key=key, base_url=sb.url, max_retries=0)
    bad: Client = make(api_key=BAD_KEY, base_url=sb.url, max_retries=0)
    vars = Vars()
    vars.add_slots((await resolve(client.instances.list())).to_dict()["instances"])
    steps = 0
    for i, step in enumerate(scenario["steps"]):
        at = f"{file} / {scenario['name']} / step {i + 1} ({flavor})"
        if step.get("wait_ms"):
            await asyncio.sleep(step["wait_ms"] / 1000)
        who = bad if step.get("key") == "invalid" else client
        params = vars.fill(step.get("params") or {})
        is_stream = "stream" in step
        result: Any = None
        error: Optional[BaseException] = None
        try:
            if "op" in step:
                group, name, _, _ = OPERATIONS[step["op"]]
                args, kwargs = call_args(step["op"], params)
                result = as_json(await resolve(method(who, group, name)(*args, **kwargs)))
            elif is_stream:
                result = await run_stream(who, step["stream"], params, int(step.get("take", 1000)))
            elif "helper" in step:
                result = as_json(await run_helper(who, step["helper"], params))
            else:
                raise AssertionError(f"{at}: a step needs op, stream or helper")
        except flowengine.APIError as e:
            error = e
        except TypeError as e:
            # A required parameter left out: the generated signature refuses
            # the call before the core sees it (the core would answer
            # invalid_argument naming the same parameter).
            error = missing_argument(e, step)
        steps += 1
        expected_error = step.get("error")
        if expected_error is None:
            assert error is None, f"{at}: unexpected error: {error!r} {error}"
            if step.get("expect") is not None:
                expect = vars.fill(step["expect"])
                if is_stream:
                    check_stream_expect(result, expect, at)
                else:
                    assert_subset(result, expect, at)
            for var, path in (step.get("save") or {}).items():
                v = pick(result, vars.fill(path))
                assert v is not None, f"{at}: nothing at `{path}` in {result!r}"
                vars.save(var, v)
        else:
            assert error is not None, f"{at}: expected error {expected_error}, got {result!r}"
            assert isinstance(error, flowengine.APIError)
            e = vars.fill(expected_error)
            assert isinstance(error, error_class(e["kind"], e.get("status"))), f"{at}: {type(error).__name__}"
            assert not isinstance(error, APIDecodeError), f"{at}: {error}"
            check_error(
                at, e, kind=error.kind, status=error.status_code, field=error.field, code=error.code,
                upgrade_url=error.upgrade_url, message=str(error), key=key,
            )
    return steps


@pytest.mark.parametrize("flavor", ["sync", "async"])
@pytest.mark.parametrize("file,scenario", CASES, ids=[f"{f}::{s['name']}" for f, s in CASES])
async def test_scenario(flavor: str, file: str, scenario: Dict[str, Any]) -> None:
    steps = await run_scenario(flavor, file, scenario)
    assert steps == len(scenario["steps"])


def test_every_operation_has_a_scenario_and_a_method() -> None:
    assert set(OPERATIONS) - operations_reached(CASES) == set()
    for op, (group, name, _, _) in OPERATIONS.items():
        assert callable(method(FlowEngine(api_key=BAD_KEY, base_url="http://127.0.0.1:9"), group, name)), op
