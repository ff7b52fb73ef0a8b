"""The interpreter exits cleanly while the runtime's threads are still
delivering results into Python (CPython kills a thread that waits for the GIL
during finalization; without the atexit drain in rt.rs this crashed about one
run in ten with a segfault or `PyGILState_Release` abort)."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

from conftest import get_sandbox

# Many results in flight, and the interpreter exits as soon as the last one
# arrives: the threads that delivered them are still inside Python.
SCRIPT = """
import asyncio
from flowengine import AsyncFlowEngine

async def main() -> None:
    fe = AsyncFlowEngine()
    for _ in range(5):
        await asyncio.gather(*[fe.account.user() for _ in range(20)])
    await fe.account.credits()

asyncio.run(main())
"""

RUNS = 40


def test_exit_while_results_are_delivered() -> None:
    sb = get_sandbox("tests")
    env = dict(os.environ, FLOWENGINE_API_KEY=sb.api_key, FLOWENGINE_BASE_URL=sb.url)

    def run(_: int) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=60)

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(pool.map(run, range(RUNS)))
    failed = [d for d in done if d.returncode != 0]
    assert not failed, f"{len(failed)}/{RUNS} runs failed; first: exit {failed[0].returncode}\n{failed[0].stderr[-2000:]}"
