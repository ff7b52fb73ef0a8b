"""The scenario language of README.md, for the runners written in Python:
bindings/python/tests (the typed Python clients) and bindings/swift/tests/abi
(the C ABI the Swift package links). Same meaning as the Rust runner,
crates/core/tests/scenarios.rs: saved values that are not strings are kept as
JSON text, `null` in an expectation matches an absent field, numbers compare
by value.

What differs per binding (how a step is called, what its errors look like)
stays in each runner; everything about the data is here, once.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

import yaml

SCENARIO_DIR = Path(__file__).resolve().parent
BAD_KEY = "fe_0000000000000000000000000000000000000000"


def files() -> List[Path]:
    return sorted(SCENARIO_DIR.glob("*.yaml"))


def load() -> List[Tuple[str, Dict[str, Any]]]:
    """Every scenario, as (file name, scenario)."""
    out = []
    for path in files():
        for scenario in yaml.safe_load(path.read_text())["scenarios"]:
            out.append((path.name, scenario))
    return out


class Vars:
    """`${name}` values: `run` (a per-run suffix), `long_title`, the empty
    hosting slots (`slot10`, `slot30`) and what steps `save`."""

    def __init__(self) -> None:
        self.values: Dict[str, str] = {"run": uuid.uuid4().hex[:8], "long_title": "t" * 201}

    def fill(self, v: Any) -> Any:
        if isinstance(v, str):
            out = v
            for k, val in self.values.items():
                out = out.replace("${" + k + "}", val)
            assert "${" not in out, f"unknown variable in {v!r}"
            return out
        if isinstance(v, list):
            return [self.fill(x) for x in v]
        if isinstance(v, dict):
            return {k: self.fill(x) for k, x in v.items()}
        return v

    def save(self, name: str, value: Any) -> None:
        self.values[name] = value if isinstance(value, str) else json.dumps(value)

    def add_slots(self, instances: Iterable[Dict[str, Any]]) -> None:
        """`${slot10}` / `${slot30}`: an empty hosting slot of that size."""
        listed = list(instances)
        for size in (10, 30):
            slot = next((i for i in listed if i.get("storage_limit_gb") == size and i.get("service_type") == "empty"), None)
            if slot is not None:
                self.values[f"slot{size}"] = slot["id"]


def pick(v: Any, path: str) -> Any:
    """`a.b.0.c`, `list[key=value].field`; `\\.` escapes a dot in a key.
    None when nothing is there."""
    cur = v
    for raw in path.replace("\\.", "\0").split("."):
        part = raw.replace("\0", ".")
        if cur is None:
            return None
        if part.endswith("]") and "[" in part:
            name, flt = part[:-1].split("[", 1)
            k, want = flt.split("=", 1)
            items = cur.get(name) if isinstance(cur, dict) else None
            if not isinstance(items, list):
                return None
            cur = next(
                (i for i in items if isinstance(i, dict) and k in i and (i[k] == want if isinstance(i[k], str) else json.dumps(i[k]) == want)),
                None,
            )
        elif part.isdigit():
            cur = cur[int(part)] if isinstance(cur, list) and int(part) < len(cur) else None
        else:
            cur = cur.get(part) if isinstance(cur, dict) else None
    return cur


def assert_subset(actual: Any, expected: Any, at: str) -> None:
    """`expected` is a subset of `actual`."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{at}: expected an object, got {actual!r}"
        for k, ev in expected.items():
            if ev is None and actual.get(k) is None:
                continue  # the typed layers leave out optional fields that are null
            assert k in actual, f"{at}: missing `{k}` in {actual!r}"
            assert_subset(actual[k], ev, f"{at}.{k}")
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, (int, float)):
        assert float(actual) == float(expected), f"{at}: {actual!r} != {expected!r}"
    else:
        assert actual == expected, f"{at}: {actual!r} != {expected!r}"


def check_stream_expect(result: Dict[str, Any], expect: Dict[str, Any], at: str) -> None:
    """A stream step's `expect`: `min_items`, `content_contains`, and fields
    of the collected reply (`finish_reason`, ...)."""
    for k, v in expect.items():
        if k == "min_items":
            assert result["items"] >= v, f"{at}: {result}"
        elif k == "content_contains":
            assert v in result["content"], f"{at}: {result}"
        else:
            assert result.get(k) == v, f"{at}: `{k}` in {result}"


def check_error(
    at: str,
    expected: Dict[str, Any],
    *,
    kind: str,
    status: Optional[int],
    field: Optional[str],
    code: Optional[str],
    upgrade_url: Optional[str],
    message: str,
    key: str,
) -> None:
    """A step's `error`: kind always, status / field / code when given,
    upgrade_url present when named; never a decode error, never the key in
    the message."""
    seen = f"{kind} status={status} field={field!r} code={code!r}: {message}"
    assert kind == expected["kind"], f"{at}: {seen}"
    if "status" in expected:
        assert status == expected["status"], f"{at}: {seen}"
    if "field" in expected:
        assert field == expected["field"], f"{at}: {seen}"
    if "code" in expected:
        assert code == expected["code"], f"{at}: {seen}"
    if "upgrade_url" in expected:
        assert upgrade_url, f"{at}: no upgrade_url: {seen}"
    assert kind != "decode", f"{at}: {seen}"
    assert key not in message and BAD_KEY not in message, f"{at}: the key is in the message"


def operations_reached(cases: Iterable[Tuple[str, Dict[str, Any]]]) -> Set[str]:
    """The operationIds the scenarios call, directly or through a helper."""
    used: Set[str] = set()
    for _, scenario in cases:
        for step in scenario["steps"]:
            for k in ("op", "stream"):
                if step.get(k):
                    used.add(step[k])
            if step.get("helper") == "upload_folder":
                used.add("uploadFunctionFolder")
            if step.get("helper") == "deploy_folder":
                used.add("deployFunction")
    return used


def spec_operations(root: Path) -> Set[str]:
    spec = yaml.safe_load((root / "openapi" / "flowengine.yaml").read_text())
    return {op["operationId"] for item in spec["paths"].values() for m, op in item.items() if m in ("get", "post", "put", "patch", "delete")}
