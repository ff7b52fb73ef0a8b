"""flowengine-mcp driven by a real MCP client (the Python `mcp` package's
ClientSession over stdio) against a FlowEngine sandbox.

Run by crates/mcp/test.sh, which builds the binaries, starts the sandbox
and passes it in FLOWENGINE_SANDBOX_URL / FLOWENGINE_SANDBOX_KEY. Run
alone (`pytest crates/mcp/tests`), the tests start a sandbox themselves
from target/debug.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
import urllib.request
import uuid
from pathlib import Path

import jsonschema
import pytest
import yaml
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

ROOT = Path(__file__).resolve().parents[3]
SPEC = ROOT / "openapi" / "flowengine.yaml"
HELLO = ROOT / "examples" / "hello"
BIN = Path(os.environ.get("FLOWENGINE_MCP_BIN", ROOT / "target" / "debug" / "flowengine-mcp"))
SANDBOX_BIN = ROOT / "target" / "debug" / "flowengine-sandbox"
WRONG_KEY = "fe_" + "0" * 40


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory):
    """{url, api_key} of a running sandbox: test.sh's, or one started here."""
    url, key = os.environ.get("FLOWENGINE_SANDBOX_URL"), os.environ.get("FLOWENGINE_SANDBOX_KEY")
    if url and key:
        yield {"url": url, "api_key": key}
        return
    proc = subprocess.Popen(
        [str(SANDBOX_BIN), "--memory", "--port", "0", "--build-step-ms", "100", "--log-poll-ms", "200"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = json.loads(proc.stdout.readline())
        yield {"url": first["url"], "api_key": first["api_key"]}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def home(tmp_path):
    """An empty HOME, so that the machine's ~/.flowengine/config.json stays out."""
    h = tmp_path / "home"
    h.mkdir()
    return h


def server_env(home: Path, **overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FLOWENGINE_")}
    env["HOME"] = str(home)
    for k, v in overrides.items():
        if v is not None:
            env[k] = v
    return env


@contextlib.asynccontextmanager
async def mcp_session(env: dict[str, str]):
    params = StdioServerParameters(command=str(BIN), args=[], env=env, cwd=str(ROOT))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


def session_for(sandbox, home, key: str | None = None):
    return mcp_session(
        server_env(home, FLOWENGINE_API_KEY=key or sandbox["api_key"], FLOWENGINE_BASE_URL=sandbox["url"])
    )


def ok(result) -> dict:
    """The structured result of a successful call (and its text agrees)."""
    text = result.content[0].text if result.content else ""
    assert not result.isError, text
    assert json.loads(text) == result.structuredContent
    return result.structuredContent


def err(result) -> dict:
    """The typed error of a failed call."""
    assert result.isError, result
    text = result.content[0].text
    assert text.startswith("FlowEngine error: "), text
    error = result.structuredContent["error"]
    assert error["message"] in text
    return error


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def spec_operations():
    spec = yaml.safe_load(SPEC.read_text())
    for path, item in spec["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                yield method.upper(), path, item[method]


def expected_tools() -> dict[str, tuple[str, str]]:
    """Tool name -> (operationId, HTTP method), read from the spec here, independently of the server."""
    names = {}
    for method, _path, op in spec_operations():
        group = op["x-sdk-group"].replace(".", "_")
        stream = op.get("x-sdk-stream")
        if not (stream and not stream.get("when")):  # chat is only offered collected
            names[f"{group}_{op['x-sdk-method']}"] = (op["operationId"], method)
        for also in op.get("x-sdk-also", []):
            names[f"{group}_{also['method']}"] = (op["operationId"], method)
    return names


# --- initialize and tools/list -------------------------------------------------------


@pytest.mark.anyio
async def test_initialize(sandbox, home):
    params = StdioServerParameters(command=str(BIN), env=server_env(home, FLOWENGINE_API_KEY=sandbox["api_key"], FLOWENGINE_BASE_URL=sandbox["url"]))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            assert init.serverInfo.name == "flowengine-mcp"
            assert init.protocolVersion
            assert init.capabilities.tools is not None
            assert "functions_deploy_folder" in (init.instructions or "")
            await session.send_ping()


@pytest.mark.anyio
async def test_tools_list_has_every_operation_with_a_valid_schema(sandbox, home):
    async with session_for(sandbox, home) as s:
        tools = {t.name: t for t in (await s.list_tools()).tools}
    expected = expected_tools()
    assert set(tools) == set(expected), (set(tools) ^ set(expected))
    assert len(tools) == 58
    for name, tool in tools.items():
        schema = tool.inputSchema
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft7Validator.check_schema(schema)
        assert schema["type"] == "object", name
        text = json.dumps(schema)
        for openapi_only in ('"$ref"', '"nullable"', '"example"', '"x-'):
            assert openapi_only not in text, (name, openapi_only)
        assert tool.description and tool.title, name
        operation, method = expected[name]
        assert f"`{operation}`" in tool.description, name
        a = tool.annotations
        if method == "GET":
            assert a.readOnlyHint is True, name
        if method == "DELETE":
            assert a.readOnlyHint is False and a.destructiveHint is True, name
    for name in ("instances_manage", "n8n_instances_manage"):  # can stop an instance
        assert tools[name].annotations.destructiveHint is True
    # Tools that overwrite what is there (replace the source, overwrite a
    # secret's value, update a config or domain) are destructive too...
    for name in ("functions_source_update", "functions_secrets_set", "instances_update_config", "instances_update_domain"):
        a = tools[name].annotations
        assert a.readOnlyHint is False and a.destructiveHint is True, name
    for name, tool in tools.items():
        if expected[name][1] in ("PUT", "PATCH"):
            assert tool.annotations.destructiveHint is True, name
    # ...and plain creates are not.
    for name in ("functions_create", "functions_deploy_folder", "chat_send", "instances_backups_create"):
        assert tools[name].annotations.destructiveHint is False, name
    assert tools["functions_logs_tail"].annotations.readOnlyHint is True

    # The schemas say what the API accepts.
    create = jsonschema.Draft202012Validator(tools["functions_create"].inputSchema)
    assert create.is_valid({"name": "my-fn", "runtime": "nodejs22", "memory": "1Gi", "base_image": None})
    assert not create.is_valid({"name": "My Fn", "runtime": "nodejs22"})
    assert not create.is_valid({"name": "my-fn"})
    assert not create.is_valid({"name": "my-fn", "runtime": "cobol"})
    assert not create.is_valid({"name": "my-fn", "runtime": "nodejs22", "bogus": 1})
    config = jsonschema.Draft202012Validator(tools["instances_update_config"].inputSchema)
    assert config.is_valid({"instanceId": "i1", "envVars": {"NODE_ENV": "production"}})
    assert not config.is_valid({"instanceId": "i1", "envVars": {"BAD-KEY": "x"}})
    assert set(tools["functions_deploy_folder"].inputSchema["required"]) == {"path"}
    assert set(tools["chat_send"].inputSchema["required"]) == {"message", "model"}


# --- tools/call -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_read(sandbox, home):
    async with session_for(sandbox, home) as s:
        user = ok(await s.call_tool("account_user", {}))
        assert user["user_id"]
        credits = ok(await s.call_tool("account_credits", {}))
        assert "credits_remaining" in json.dumps(credits) or credits
        functions = ok(await s.call_tool("functions_list", {}))
        assert isinstance(functions["functions"], list)
        limits = ok(await s.call_tool("functions_limits", {}))
        assert limits["functions_tier"]


@pytest.mark.anyio
async def test_write(sandbox, home):
    name = unique("mcp-write")
    async with session_for(sandbox, home) as s:
        created = ok(await s.call_tool("functions_create", {"name": name, "runtime": "python312", "memory": "512Mi"}))
        assert created["name"] == name and created["status"] == "creating"
        fid = created["id"]
        updated = ok(await s.call_tool("functions_update", {"id": fid, "timeout_seconds": 120}))
        assert updated["timeout_seconds"] == 120
        ok(await s.call_tool("functions_secrets_set", {"id": fid, "name": "OPENAI_API_KEY", "value": "sk-test"}))
        secrets = ok(await s.call_tool("functions_secrets_list", {"id": fid}))
        assert "OPENAI_API_KEY" in [b["name"] for b in secrets["secrets"]]
        chat = ok(await s.call_tool("chats_create", {"title": "from MCP"}))
        assert chat["chat"]["id"]
        ok(await s.call_tool("functions_delete", {"id": fid}))
        gone = err(await s.call_tool("functions_get", {"id": fid}))
        assert gone["status"] == 404 and gone["kind"] == "not_found"


@pytest.mark.anyio
async def test_deploy_folder_to_ready(sandbox, home):
    name = unique("hello")
    progress: list[str] = []

    async def on_progress(value, total, message):
        progress.append(message or "")

    async with session_for(sandbox, home) as s:
        result = await s.call_tool(
            "functions_deploy_folder",
            {"path": str(HELLO), "name": name, "wait_seconds": 120},
            progress_callback=on_progress,
        )
        out = ok(result)
        assert out["status"] == "ready", out
        assert out["created"] is True and out["name"] == name and out["runtime"] == "nodejs22"
        assert out["url"] and out["files"] >= 2
        assert [p["phase"] for p in out["progress"]][0] == "packed"
        assert out["progress"][-1]["phase"] == "ready"
        assert any(m.startswith("ready at") for m in progress), progress

        function = ok(await s.call_tool("functions_get", {"id": out["function_id"]}))
        assert function["status"] == "ready"
        source = ok(await s.call_tool("functions_source_get", {"id": out["function_id"]}))
        assert "index.js" in source["files"] and "package.json" in source["files"]
        logs = ok(await s.call_tool("functions_logs_list", {"id": out["function_id"]}))
        assert logs["logs"], logs

        # Again by name: a redeploy of the same function, in place.
        again = ok(await s.call_tool("functions_deploy_folder", {"path": str(HELLO), "name": name}))
        assert again["function_id"] == out["function_id"] and again["created"] is False
        assert again["status"] == "ready" and again["deployment_id"] != out["deployment_id"]


@pytest.mark.anyio
async def test_upload_folder(sandbox, home):
    name = unique("upload")
    async with session_for(sandbox, home) as s:
        out = ok(await s.call_tool("functions_upload_folder", {"path": str(HELLO), "name": name, "runtime": "nodejs22"}))
        assert out["function_id"] and out["deployment_id"]
        missing = err(await s.call_tool("functions_upload_folder", {"path": str(HELLO / "no-such-folder")}))
        assert missing["field"] == "path"


@pytest.mark.anyio
async def test_chat(sandbox, home):
    async with session_for(sandbox, home) as s:
        reply = ok(await s.call_tool("chat_send", {"message": "Create a calculator workflow", "model": "regular"}))
        assert reply["content"] and reply["finish_reason"] == "stop" and reply["conversation_id"]
        assert reply["chunks"] > 1
        more = ok(await s.call_tool("chat_send", {"message": "and now?", "model": "regular", "conversation_id": reply["conversation_id"]}))
        assert more["content"]


@pytest.mark.anyio
async def test_logs_tail_is_bounded(sandbox, home):
    import anyio

    async with session_for(sandbox, home) as s:
        deployed = ok(await s.call_tool("functions_deploy_folder", {"path": str(HELLO), "name": unique("tail")}))
        fid = deployed["function_id"]

        started = time.monotonic()
        quiet = ok(await s.call_tool("functions_logs_tail", {"id": fid, "max_seconds": 1}))
        assert quiet["stopped"] in ("max_seconds", "max_lines") and time.monotonic() - started < 15

        # A redeploy while tailing writes build lines: the tail returns after max_lines.
        tail: dict = {}

        async def run_tail():
            tail.update(ok(await s.call_tool("functions_logs_tail", {"id": fid, "max_lines": 2, "max_seconds": 60})))

        async with anyio.create_task_group() as tg:
            tg.start_soon(run_tail)
            # Redeploy until the tail has its lines (a busy machine may connect it late).
            for _ in range(10):
                await anyio.sleep(0.5)
                if tail:
                    break
                ok(await s.call_tool("functions_deploy_folder", {"path": str(HELLO), "function_id": fid}))
        assert tail["stopped"] == "max_lines" and tail["count"] == 2, tail
        assert all(isinstance(line, str) and line for line in tail["lines"])


# --- errors: isError results carrying the typed error -----------------------------------


@pytest.mark.anyio
async def test_error_401_with_a_wrong_key(sandbox, home):
    async with session_for(sandbox, home, key=WRONG_KEY) as s:
        result = await s.call_tool("functions_list", {})
        e = err(result)
        assert e["status"] == 401 and e["kind"] == "authentication"
        assert "(401)" in result.content[0].text
        assert "FLOWENGINE_API_KEY" in e["hint"]
        # The server is still there.
        assert len((await s.list_tools()).tools) == 58


@pytest.mark.anyio
async def test_error_400_carries_its_field(sandbox, home):
    async with session_for(sandbox, home) as s:
        fid = ok(await s.call_tool("functions_create", {"name": unique("bad"), "runtime": "nodejs22"}))["id"]
        upload = ok(await s.call_tool("functions_request_upload", {"id": fid}))
        assert upload["uploadUrl"] and upload["sourceTarball"]
        # Trigger a build of a tarball that was never PUT: the service answers 400 naming the field.
        result = await s.call_tool("functions_deploy", {"id": fid, "sourceTarball": upload["sourceTarball"]})
        e = err(result)
        assert e["status"] == 400 and e["kind"] == "bad_request" and e["field"] == "sourceTarball"
        assert "[field: sourceTarball]" in result.content[0].text

        # Another 400: managing an empty hosting slot.
        slots = ok(await s.call_tool("instances_list", {}))["instances"]
        empty = next(i for i in slots if i["service_type"] == "empty")
        e = err(await s.call_tool("instances_manage", {"instanceId": empty["id"], "action": "start"}))
        assert e["status"] == 400 and e["field"] == "action"


@pytest.mark.anyio
async def test_error_403_carries_the_upgrade_url(sandbox, home):
    req = urllib.request.Request(
        sandbox["url"] + "/_sandbox/accounts",
        data=json.dumps({"main_tier": "free"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    free_key = json.loads(urllib.request.urlopen(req, timeout=10).read())["api_key"]
    async with session_for(sandbox, home, key=free_key) as s:
        result = await s.call_tool("chat_send", {"message": "hi", "model": "boost"})
        e = err(result)
        assert e["status"] == 403 and e["upgrade_url"].startswith("https://")
        assert "[upgrade: https://" in result.content[0].text


@pytest.mark.anyio
async def test_invalid_arguments_are_errors_naming_the_field(sandbox, home):
    async with session_for(sandbox, home) as s:
        e = err(await s.call_tool("functions_create", {"name": "Not A Name", "runtime": "nodejs22"}))
        assert e["kind"] == "invalid_argument" and e["field"] == "name" and "status" not in e
        e = err(await s.call_tool("functions_get", {"id": "x", "bogus": True}))
        assert e["field"] == "bogus"
        e = err(await s.call_tool("functions_logs_tail", {"id": "x", "max_lines": 0}))
        assert e["field"] == "max_lines"
        e = err(await s.call_tool("functions_deploy_folder", {"path": "/no/such/folder"}))
        assert e["field"] == "path"
        e = err(await s.call_tool("functions_get", {}))
        assert e["field"] == "id"


@pytest.mark.anyio
async def test_missing_key_does_not_stop_the_server(home):
    # No key anywhere, and an unreachable base URL: the server starts and answers.
    async with mcp_session(server_env(home, FLOWENGINE_BASE_URL="http://127.0.0.1:9")) as s:
        assert len((await s.list_tools()).tools) == 58
        result = await s.call_tool("functions_list", {})
        e = err(result)
        assert e["kind"] == "authentication" and "status" not in e
        assert "fe login" in result.content[0].text


@pytest.mark.anyio
async def test_key_from_the_config_file_and_login_without_restart(sandbox, home):
    async with mcp_session(server_env(home)) as s:
        assert err(await s.call_tool("account_user", {}))["kind"] == "authentication"
        # `fe login` writes the config file; the running server picks it up.
        cfg = home / ".flowengine" / "config.json"
        cfg.parent.mkdir(parents=True)
        cfg.write_text(json.dumps({"api_key": sandbox["api_key"], "base_url": sandbox["url"]}))
        assert ok(await s.call_tool("account_user", {}))["user_id"]


@pytest.mark.anyio
async def test_a_malformed_config_file_is_reported_not_fatal(home):
    cfg = home / ".flowengine" / "config.json"
    cfg.parent.mkdir(parents=True)
    cfg.write_text("{not json")
    async with mcp_session(server_env(home)) as s:
        e = err(await s.call_tool("account_user", {}))
        assert e["field"] == "config_file"
