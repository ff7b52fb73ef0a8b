"""Every public method of the spec has its Swift method, reachable the way a
user writes it (`fe.functions.secrets.set(id, name:value:)`), read from the
parse of the Swift sources (tools/swift-syntax.js --decls), not from the
generator: the spec is read here on its own.

For each operation and each of its `x-sdk-also` methods it checks that:
- `FlowEngine` has a property per group segment, each typed by a struct that
  has the next one (`functions` -> `FunctionsAPI.secrets` -> `FunctionsSecretsAPI`);
- that struct has the camelCase method, `public`;
- path parameters come first, positional (`_`), in the path's order;
- required query/body parameters are labeled arguments without a default,
  optional ones have a default;
- its shape matches its kind: `async throws` for calls, an
  `AsyncThrowingStream` for streams, `ChatReply` for collect;
that each local helper (no operation of the spec: `fe.functions.packFolder`)
is in its group with the parameters and result of its static counterpart
(`FlowEngine.packFolder`); that every component schema of the spec has a Swift type, and that every
type named in a property, parameter or result of the typed layer resolves to
a declared type (nested names looked up from the enclosing type outwards).

    python check_methods.py openapi/flowengine.yaml decls.json
"""
from __future__ import annotations

import json
import re
import sys
from typing import Any, Dict, List

import yaml

METHODS = ("get", "post", "put", "patch", "delete")
RENAMES = {"Error": "ErrorBody"}
# Helpers that are no operation (local work): group -> methods, each also a
# static method of `FlowEngine` whose parameters and result it must repeat.
LOCAL_HELPERS = {"functions": ["packFolder"]}


def camel(s: str) -> str:
    parts = [p for p in re.split(r"[_\-\s]+", s) if p]
    if not parts:
        return s
    head = parts[0]
    # heck-style lowerCamel: `Last-Event-ID` -> `lastEventId`, `instanceId` stays.
    out = head[0].lower() + head[1:] if not head.isupper() else head.lower()
    for p in parts[1:]:
        out += p[0].upper() + (p[1:].lower() if p.isupper() else p[1:])
    return out


def upper_camel(s: str) -> str:
    c = camel(s)
    return c[:1].upper() + c[1:]


def resolve(spec: Dict[str, Any], node: Dict[str, Any]) -> Dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        cur: Any = spec
        for part in node["$ref"].lstrip("#/").split("/"):
            cur = cur[part]
        node = cur
    return node


def main() -> int:
    spec = yaml.safe_load(open(sys.argv[1]))
    decls: List[Dict[str, Any]] = json.load(open(sys.argv[2]))
    types: Dict[str, Dict[str, Any]] = {}
    for d in decls:
        if d.get("kind") in ("struct", "class", "enum", "protocol"):
            types[d["name"]] = d
        elif d.get("kind") == "extension" and d["name"] in types:
            types[d["name"]]["functions"] = types[d["name"]].get("functions", []) + d.get("functions", [])
    names = {d["name"] for d in decls}
    problems: List[str] = []
    checked = 0
    ops = 0

    def group_type(group: str) -> Dict[str, Any] | None:
        cur = types.get("FlowEngine")
        if cur is None:
            problems.append("no `FlowEngine` class")
            return None
        for seg in group.split("."):
            prop = camel(seg)
            ty = cur.get("properties", {}).get(prop)
            if ty is None:
                problems.append(f"{cur['name']} has no property `{prop}` (group {group})")
                return None
            nxt = types.get(ty)
            if nxt is None:
                problems.append(f"{cur['name']}.{prop} is a `{ty}`, which is not declared")
                return None
            cur = nxt
        return cur

    def check_method(where: str, op: Dict[str, Any], name: str, kind: str, fixed: Dict[str, Any], ctx: Dict[str, Any]) -> None:
        t = group_type(op["x-sdk-group"])
        if t is None:
            return
        fn = next((f for f in t.get("functions", []) if f["name"] == camel(name)), None)
        if fn is None:
            problems.append(f"{where}: {t['name']} has no func `{camel(name)}`")
            return
        args = fn["params"]
        if kind == "multipart":
            if not args or args[0]["label"] != "_":
                problems.append(f"{where}: the folder path should be the first, positional argument")
            args = args[1:]
        positional = [a["name"] for a in args if a["label"] == "_"]
        want_positional = [camel(p) for p in ctx["path_order"]]
        if positional != want_positional:
            problems.append(f"{where}: positional arguments {positional}, the path has {want_positional}")
        labeled = {a["label"]: a for a in args if a["label"] != "_"}
        # Methods that take the operation's params (not `call` aliases with fixed params, not helpers).
        takes_params = kind in ("stream", "collect", "multipart") or (kind == "call" and name == op["x-sdk-method"])
        if takes_params:
            fixed_args = {camel(k) for k in fixed}
            for r in sorted(ctx["required"] - fixed_args):
                if r not in labeled:
                    problems.append(f"{where}: no argument `{r}:` (required)")
                elif labeled[r]["default"]:
                    problems.append(f"{where}: `{r}:` is required but has a default")
            for o in sorted(ctx["optional"] - fixed_args):
                if o not in labeled:
                    problems.append(f"{where}: no argument `{o}:` (optional)")
                elif not labeled[o]["default"]:
                    problems.append(f"{where}: `{o}:` is optional but has no default")
        ret = fn["returns"]
        if kind == "stream":
            if not ret.startswith("AsyncThrowingStream<") or fn["async"]:
                problems.append(f"{where}: a stream should return an AsyncThrowingStream (not async), got `{ret}`")
        elif kind == "collect":
            if ret != "ChatReply" or not (fn["async"] and fn["throws"]):
                problems.append(f"{where}: should be `async throws -> ChatReply`, got `{ret}`")
        elif not (fn["async"] and fn["throws"]):
            problems.append(f"{where}: should be `async throws`")
        if kind == "helper" and ("path" not in labeled or "onProgress" not in labeled):
            problems.append(f"{where}: the {name} helper needs `path:` and `onProgress:`")

    bad = 0
    for path, item in spec["paths"].items():
        shared = item.get("parameters", [])
        for m in METHODS:
            op = item.get(m)
            if not op:
                continue
            ops += 1
            params = [resolve(spec, p) for p in shared + op.get("parameters", [])]
            content = (op.get("requestBody") or {}).get("content") or {}
            media = content.get("application/json") or content.get("multipart/form-data") or {}
            body = resolve(spec, media.get("schema", {}))
            when = (op.get("x-sdk-stream") or {}).get("when") or {}
            required = {camel(p["name"]) for p in params if p["in"] != "path" and p.get("required")}
            required |= {camel(k) for k in body.get("required", [])}
            optional = {camel(p["name"]) for p in params if p["in"] != "path" and not p.get("required") and p["name"] not in when}
            optional |= {camel(k) for k in body.get("properties", {}) if k not in body.get("required", [])}
            ctx = {"path_order": re.findall(r"\{([^}]+)\}", path), "required": required, "optional": optional}
            stream_only = bool(op.get("x-sdk-stream")) and not when
            base_kind = "multipart" if op.get("x-sdk-multipart") else "stream" if stream_only else "call"
            methods = [(op["x-sdk-method"], base_kind, {})] + [(a["method"], a["kind"], a.get("params") or {}) for a in op.get("x-sdk-also", [])]
            for name, kind, fixed in methods:
                checked += 1
                before = len(problems)
                check_method(f"{op['x-sdk-group']}.{name} ({op['operationId']})", op, name, kind, fixed, ctx)
                if len(problems) > before:
                    bad += 1

    # Local helpers: in their group, as the static method of `FlowEngine` (the
    # class and its extensions) takes them.
    engine_fns = [f for d in decls if d["name"] == "FlowEngine" for f in d.get("functions", [])]
    shape = lambda f: ([(a["label"], a["name"], a["type"], a["default"]) for a in f["params"]], f["async"], f["throws"], f["returns"])
    for group, helpers in LOCAL_HELPERS.items():
        for name in helpers:
            checked += 1
            before = len(problems)
            where = f"{group}.{name} (local helper)"
            static = next((f for f in engine_fns if f["name"] == name), None)
            t = group_type(group)
            fn = next((f for f in (t or {}).get("functions", []) if f["name"] == name), None)
            if static is None:
                problems.append(f"{where}: FlowEngine has no func `{name}`")
            elif t is not None and fn is None:
                problems.append(f"{where}: {t['name']} has no func `{name}`")
            elif fn is not None and shape(fn) != shape(static):
                problems.append(f"{where}: {shape(fn)} differs from FlowEngine.{name}'s {shape(static)}")
            if len(problems) > before:
                bad += 1

    # Every type named in a declaration resolves: a declared type (nested names
    # looked up from the enclosing type outwards, as Swift does) or a known one.
    known = {"String", "Int", "Double", "Bool", "Data", "Error", "Void", "TimeInterval", "AsyncThrowingStream", "Sendable",
             "UInt16", "UInt32", "Core", "CancelToken", "EventStream", "FlowEngineClient", "NSLock", "DeployProgressListener",
             "Encoder", "Decoder", "Date", "URL", "UUID"}
    generics = {"T", "R", "Item", "Page"}  # the generic parameters of the hand-written runtime
    declared = {d["name"] for d in decls if d.get("name")}
    unresolved = set()
    refs = 0

    def resolves(name: str, scope: str) -> bool:
        if name in known or name in declared:
            return True
        parts = scope.split(".") if scope else []
        while parts:
            if ".".join(parts + [name]) in declared:
                return True
            parts.pop()
        return False

    for d in decls:
        if not d.get("file", "").endswith((".swift",)) or "FlowEngineNative" in d.get("file", ""):
            continue
        texts = [t for t in d.get("properties", {}).values() if t]
        for f in d.get("functions", []):
            texts += [a["type"] for a in f["params"]] + [f["returns"]]
        for t in texts:
            for ident in re.findall(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*", t.replace("@Sendable", "")):
                ident = ident[:-5] if ident.endswith(".Type") else ident
                if ident in ("inout", "async", "throws", "some", "any", "Self") or ident in generics or ident[0].islower():
                    continue
                refs += 1
                if not resolves(ident, d["name"]):
                    unresolved.add(f"{d['name']}: `{ident}`")
    for u in sorted(unresolved):
        problems.append(f"type not declared: {u}")

    schemas = spec["components"]["schemas"]
    missing_models = [n for n in schemas if RENAMES.get(n, upper_camel(n)) not in names]
    for n in missing_models:
        problems.append(f"schema {n} has no Swift type")

    for p in problems:
        print(f"swift methods: {p}", file=sys.stderr)
    print(
        f"swift methods: {checked - bad}/{checked} public methods of {ops} operations "
        f"and {sum(map(len, LOCAL_HELPERS.values()))} local helper "
        f"present with their arguments; {len(schemas) - len(missing_models)}/{len(schemas)} schemas have a Swift type; "
        f"{refs - len(unresolved)}/{refs} type references resolve"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
