"""Seeds a running sandbox for the fuzz run and writes the schemathesis config.

Usage: seed.py URL TEMPLATE_TOML OUT_DIR [SPEC]
Creates a dedicated account (teams / pro_plus, card, credits, empty slots,
among them slots whose ids are the spec's own examples for the provisioning
operations, which schemathesis's examples and coverage phases send), a few
ready functions with a secret, and writes OUT_DIR/schemathesis.toml (the
template plus [dictionaries.*] of the seeded ids). Prints the account's key.
"""

from __future__ import annotations

import json
import sys
import time
import urllib.request

import yaml

# The provisioning operations, the storage of the slot seeded for each.
PROVISION = {"/api/n8n/provision-instance": 10, "/api/openclaw/provision-instance": 30, "/api/website/provision-instance": 50}


def example_slots(spec_path: str) -> list[dict]:
    """Slots with the ids the spec's examples of the provisioning operations use."""
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    slots = []
    for path, gb in PROVISION.items():
        media = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        sid = media.get("example", {}).get("instanceId")
        if sid and all(s["id"] != sid for s in slots):
            slots.append({"id": sid, "storage_gb": gb})
    return slots


def call(url: str, method: str = "GET", body: object = None, key: str | None = None) -> object:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("content-type", "application/json")
    if key:
        req.add_header("authorization", f"Bearer {key}")
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def main() -> None:
    base, template, out_dir = sys.argv[1], sys.argv[2], sys.argv[3]
    spec_path = sys.argv[4] if len(sys.argv) > 4 else "openapi/flowengine.yaml"
    acct = call(
        f"{base}/_sandbox/accounts",
        "POST",
        {
            "label": "fuzz",
            "functions_tier": "teams",
            "main_tier": "pro_plus",
            "has_card": True,
            "credits": 10_000_000,
            "empty_slots": [10, 10, 30, 30, 50, 50],
            "fixed_slots": example_slots(spec_path),
            "email_senders": [{"email": "fuzz@flowengine.local", "daily_quota": 100000}],
        },
    )
    key = acct["api_key"]
    functions = []
    for i in range(3):
        r = call(f"{base}/api/v1/functions/templates/hello-node/fork", "POST", {"name": f"fuzz-seed-{i}"}, key)
        functions.append(r["function_id"])
    for fid in functions:
        for _ in range(200):
            if call(f"{base}/api/v1/functions/{fid}", key=key)["status"] in ("ready", "failed"):
                break
            time.sleep(0.05)
        call(f"{base}/api/v1/functions/{fid}/secrets", "POST", {"name": "FUZZ_SECRET", "value": "x"}, key)
    sessions = [
        call(f"{base}/api/v1/whatsapp/sessions", "POST", {"display_name": f"fuzz {i}", "billing_cycle": "monthly"}, key)[
            "instance_name"
        ]
        for i in range(6)
    ]
    fixed = {s["id"] for s in example_slots(spec_path)}
    slots = [
        i
        for i in call(f"{base}/api/mcp/instances", key=key)["instances"]
        if i["service_type"] == "empty" and i["id"] not in fixed
    ]
    by_size: dict[int, list[str]] = {}
    for s in slots:
        by_size.setdefault(s["storage_limit_gb"], []).append(s["id"])
    dictionaries = {
        "function_ids": functions,
        "whatsapp_sessions": sessions[:3],
        "whatsapp_sessions_deletable": sessions[3:],
        "slots_n8n": by_size.get(10, []),
        "slots_openclaw": by_size.get(30, []),
        "slots_website": by_size.get(50, []),
    }
    with open(template, encoding="utf-8") as f:
        text = f.read()
    for name, values in dictionaries.items():
        text += f"\n[dictionaries.{name}]\nvalues = {json.dumps(values)}\n"
    with open(f"{out_dir}/schemathesis.toml", "w", encoding="utf-8") as f:
        f.write(text)
    print(key)


if __name__ == "__main__":
    main()
