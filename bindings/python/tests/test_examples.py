"""The examples run against a sandbox of their own, as a user would run them."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, get_sandbox


@pytest.mark.parametrize("example", ["tour.py", "async_tour.py"])
def test_example_runs(example: str) -> None:
    sb = get_sandbox("examples")
    env = dict(os.environ, FLOWENGINE_API_KEY=sb.api_key, FLOWENGINE_BASE_URL=sb.url)
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "python" / example)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
