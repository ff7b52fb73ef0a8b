"""Schemathesis hooks for the sandbox fuzz run (scripts/sandbox-fuzz.sh).

Schemathesis generates "valid" data from the JSON-Schema part of the spec
only. The contract says more, and the sandbox enforces it, so:

`map_case` teaches the generator those rules for *positive* cases only
(negative cases are left alone), so that "valid data is accepted" is still
checked on every operation:
  * `x-key-pattern` (the spec's extension): map keys that break it are renamed;
  * `x-require-one-of` (the spec's extension): a missing member is taken from
    the operation's own example;
  * file paths (the reference's tarball rules: relative, at most 100 bytes),
    which OpenAPI 3.0 cannot say of map keys or multipart part names;
  * WebhookUrl, "an http or https URL": the pattern admits strings no URL
    parser accepts (`https://\x07`), which the sandbox refuses.

`filter_failure` drops only failures the contract itself explains, each
listed below with its reason.
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from typing import Any

import schemathesis
import yaml
from schemathesis.generation import GenerationMode

SPEC = os.environ.get("SANDBOX_FUZZ_SPEC", "openapi/flowengine.yaml")

# 400s that depend on state, not on the request's shape: (operationId, field) -> why.
STATE_DEPENDENT_400 = {
    ("deployFunction", "sourceTarball"): "step 3 before anything was PUT to the upload URL",
    ("getFunctionSource", "files."): "the deployed tarball holds a binary file (the editor shows text only)",
    ("getFunctionSource", "source"): "the deployed tarball cannot be read",
    ("provisionOpenclaw", "instanceId"): "OpenClaw needs a slot of 30 GB or more",
    ("manageInstance", "action"): "an empty slot has nothing to start or redeploy",
}

# Sub-resources that exist only after their own call; schemathesis infers a
# link from POST /functions to every /functions/{id}/... operation.
CREATED_LATER = {"getFunctionDomain", "removeFunctionDomain", "getFunctionSource"}

# Collections whose DELETE removes one named item (`?name=`), not the collection.
DELETES_ONE_ITEM = {"listFunctionSecrets"}

# Operations whose map keys / multipart part names are file paths (None: the body itself).
PATH_KEYED = {"uploadFunctionFolder": None, "updateFunctionSource": "files"}
MULTIPART_FIELDS = {"name", "runtime"}

SIMPLE_URL = re.compile(r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]{0,250})(?::[0-9]{1,4})?(?:/[!-~]*)?$")


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    with open(SPEC, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _resolve(schema: Any) -> Any:
    for _ in range(32):
        if not isinstance(schema, dict) or "$ref" not in schema:
            return schema
        node: Any = _spec()
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def valid_path(p: Any) -> bool:
    """The sandbox's (and the core's) rule for a file path inside a tarball."""
    if not isinstance(p, str) or not p or p.startswith("/") or p.endswith("/"):
        return False
    if len(p.encode("utf-8", "surrogatepass")) > 100:
        return False
    if any(c == "\\" or ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in p):
        return False
    return all(part not in ("", "..") for part in p.split("/"))


def _rename(keys: dict, ok, make) -> dict:
    out: dict = {}
    for i, (k, v) in enumerate(keys.items()):
        if not ok(k):
            k = make(k, i)
            while k in keys or k in out:
                k = f"{k}_"
        out[k] = v
    return out


def _fix(schema: Any, value: Any, example: Any) -> Any:
    """`value` with the spec's extensions (and path / URL rules) satisfied."""
    if isinstance(schema, dict) and schema.get("$ref", "").endswith("/WebhookUrl") and isinstance(value, str):
        return value if SIMPLE_URL.match(value) else "https://example.com/webhook"
    schema = _resolve(schema)
    if not isinstance(schema, dict) or not isinstance(value, dict):
        return value
    props = schema.get("properties", {})
    pattern = schema.get("x-key-pattern")
    if pattern:
        value = _rename(value, lambda k: k in props or re.search(pattern, k), lambda k, i: (re.sub(r"[^A-Za-z0-9_]", "_", k)[:90] or "K") + str(i))
    group = schema.get("x-require-one-of")
    if group and not any(value.get(n) is not None for n in group):
        for n in group:
            if isinstance(example, dict) and example.get(n) is not None:
                value[n] = example[n]
                break
    for k, v in list(value.items()):
        if k in props:
            value[k] = _fix(props[k], v, example.get(k) if isinstance(example, dict) else None)
    return value


def _operation_id(case: Any) -> str:
    return case.operation.definition.raw.get("operationId", "")


def _body(case: Any) -> tuple[Any, Any]:
    body = case.operation.definition.raw.get("requestBody", {})
    for media in body.get("content", {}).values():
        return media.get("schema"), media.get("example")
    return None, None


@schemathesis.hook
def map_case(context, case):
    meta = getattr(case, "meta", None)
    if meta is None or meta.generation.mode != GenerationMode.POSITIVE or not isinstance(case.body, dict):
        return case
    op = _operation_id(case)
    schema, example = _body(case)
    body = dict(case.body)
    if op in PATH_KEYED:
        inner = PATH_KEYED[op]
        make = lambda k, i: f"file-{i}.txt"  # noqa: E731
        if inner is None:
            body = _rename(body, lambda k: k in MULTIPART_FIELDS or valid_path(k), make)
        elif isinstance(body.get(inner), dict):
            # Text files only: a NUL character marks a binary file.
            body[inner] = {k: v.replace("\x00", "") if isinstance(v, str) else v for k, v in _rename(body[inner], valid_path, make).items()}
    if schema is not None:
        body = _fix(schema, body, example)
    if body == case.body:
        return case
    case.body = body
    if op == "uploadFunctionFolder" and hasattr(case, "_record_starting_state"):
        # Schemathesis re-judges an edited body against the JSON schema, and
        # judges any body holding binary parts (a multipart upload) invalid; the
        # edit above only renamed parts, so the case stays the positive case it was.
        case._record_starting_state()
    return case


def _error_field(response: Any) -> str | None:
    try:
        return json.loads(response.content).get("field")
    except (ValueError, AttributeError):
        return None


@schemathesis.hook
def filter_failure(context, failure, case, response) -> bool:
    code = getattr(failure, "code", "")
    op = _operation_id(case)
    if code == "ST302" and op in CREATED_LATER:
        return False
    if code == "ST301" and op in DELETES_ONE_ITEM:
        return False
    if code != "ST202" or response.status_code != 400:
        return True
    field = _error_field(response)
    if field is None:
        return True
    for (op_id, prefix), _why in STATE_DEPENDENT_400.items():
        if op_id == op and (field == prefix or (prefix.endswith(".") and field.startswith(prefix))):
            return False
    return True
