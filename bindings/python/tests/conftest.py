"""Fixtures: a FlowEngine sandbox per test session (one for each client
flavour, so that both replay the scenarios on fresh state), accounts of any
tier, and small local servers that misbehave on purpose."""

from __future__ import annotations

import http.server
import json
import os
import select
import socket
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[3]
SANDBOX_ARGS = [
    "--memory",
    "--port",
    "0",
    "--check-responses",
    "--build-step-ms",
    "30",
    "--log-poll-ms",
    "50",
    "--domain-verify-ms",
    "200",
    "--instance-boot-ms",
    "100",
    "--backup-ms",
    "100",
    "--whatsapp-connect-ms",
    "200",
]


def sandbox_binary() -> Path:
    explicit = os.environ.get("FLOWENGINE_SANDBOX_BIN")
    if explicit:
        return Path(explicit)
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return target / "debug" / "flowengine-sandbox"


class Sandbox:
    """A `flowengine-sandbox --memory --port 0` child process."""

    def __init__(self) -> None:
        binary = sandbox_binary()
        if not binary.exists():
            pytest.exit(f"no sandbox at {binary}: run `cargo build -p flowengine-sandbox` first", returncode=2)
        self.proc = subprocess.Popen(
            [str(binary), *SANDBOX_ARGS],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()
        if not first:
            raise RuntimeError("the sandbox exited before printing its address")
        info = json.loads(first)
        self.url: str = info["url"]
        self.api_key: str = info["api_key"]
        # Keep reading its stdout so that it never blocks on a full pipe.
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.proc.stdout is not None
        for _ in self.proc.stdout:
            pass

    def new_account(self, spec: Dict[str, Any]) -> str:
        """A fresh account (``POST /_sandbox/accounts``); returns its key."""
        body = dict(spec)
        senders = body.pop("email_senders", None)
        if senders is not None:
            body["email_senders"] = [{"email": s[0], "daily_quota": s[1]} for s in senders]
        req = urllib.request.Request(
            f"{self.url}/_sandbox/accounts",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.api_key}"},
            method="POST",
        )
        with urllib.request.urlopen(req, timeout=10) as resp:
            return str(json.loads(resp.read())["api_key"])

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


_sandboxes: Dict[str, Sandbox] = {}


def get_sandbox(name: str) -> Sandbox:
    if name not in _sandboxes:
        _sandboxes[name] = Sandbox()
    return _sandboxes[name]


@pytest.fixture(scope="session", autouse=True)
def _stop_sandboxes() -> Iterator[None]:
    yield
    for sb in _sandboxes.values():
        sb.stop()


@pytest.fixture(scope="session")
def sandbox() -> Sandbox:
    """The sandbox of the tests that are not scenarios."""
    return get_sandbox("tests")


@pytest.fixture(autouse=True)
def _isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's ~/.flowengine or FLOWENGINE_* variables."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FLOWENGINE_API_KEY", raising=False)
    monkeypatch.delenv("FLOWENGINE_BASE_URL", raising=False)


# --- servers that misbehave ---------------------------------------------------------


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections (the kernel's backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    sock.close()


@pytest.fixture
def closed_port() -> str:
    """A port nothing listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


@pytest.fixture
def scripted_server() -> Iterator[Callable[[Handler], str]]:
    """An HTTP server whose every request runs the given function."""
    servers: List[http.server.ThreadingHTTPServer] = []

    def start(handle: Handler) -> str:
        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                handle(self)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for s in servers:
        s.shutdown()
        s.server_close()


class SlowSSE:
    """A raw-socket HTTP server that answers its first request with a
    never-ending SSE stream (``events`` chat chunks, then an SSE comment
    every ``interval`` seconds, which yields no item), or, with
    ``silent=True``, reads the request and never answers. It records when
    the client closed the connection: a read returns b'' (or is reset), or a
    write fails. The server itself never closes it before ``stop()``."""

    def __init__(self, events: int = 1, interval: float = 0.05, silent: bool = False) -> None:
        self.events = events
        self.interval = interval
        self.silent = silent
        self.requested = threading.Event()
        self.closed = threading.Event()
        self.closed_at = 0.0
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            readable, _, _ = select.select([self._sock], [], [], self.interval)
            if readable:
                break
        else:
            return
        conn, _ = self._sock.accept()
        with conn:
            try:
                if self._read_request(conn):
                    self._respond(conn)
            except OSError:
                pass  # reset by the client
            if not self._stop.is_set():
                self.closed_at = time.monotonic()
                self.closed.set()

    def _read_request(self, conn: socket.socket) -> bool:
        """Reads the headers and a Content-Length body; False if the client
        went away first."""
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            key, _, value = line.partition(b":")
            if key.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return False
            body += chunk
        self.requested.set()
        return True

    def _respond(self, conn: socket.socket) -> None:
        """Streams until the client closes the connection (or stop())."""
        if not self.silent:
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
        sent = 0
        while not self._stop.is_set():
            readable, _, _ = select.select([conn], [], [], self.interval)
            if readable:
                if not conn.recv(65536):
                    return  # the client's FIN
                continue
            if self.silent:
                continue
            if sent < self.events:
                payload = b'data: {"choices":[{"delta":{"content":"c%d"},"finish_reason":null}]}\n\n' % sent
                sent += 1
            else:
                payload = b": still here\n\n"
            conn.sendall(b"%x\r\n%s\r\n" % (len(payload), payload))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()


@pytest.fixture
def slow_sse() -> Iterator[Callable[..., SlowSSE]]:
    """Starts :class:`SlowSSE` servers (stopped after the test)."""
    servers: List[SlowSSE] = []

    def start(**kwargs: Any) -> SlowSSE:
        server = SlowSSE(**kwargs)
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()
