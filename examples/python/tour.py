"""A tour of the FlowEngine Python SDK: every group of the API, sync.

Run it against the local sandbox (no account, no network):

    target/debug/flowengine-sandbox --memory --port 0     # prints its url and api_key
    FLOWENGINE_BASE_URL=<url> FLOWENGINE_API_KEY=<key> python examples/python/tour.py

`mypy --strict` checks this file (bindings/python/test.sh).
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from flowengine import (
    DeployProgress,
    FlowEngine,
    FunctionStatus,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    Runtime,
)

HELLO = Path(__file__).resolve().parents[1] / "hello"


def show_progress(p: DeployProgress) -> None:
    if p.phase == "uploading":
        print(f"  uploading {p.sent}/{p.total} bytes")
    else:
        print(f"  {p.phase} {p.status or ''}")


def main() -> int:
    run = uuid.uuid4().hex[:6]
    with FlowEngine() as fe:
        # account
        user = fe.account.user()
        credits = fe.account.credits()
        print(f"account {user.user_id}: tier {user.tier}, {credits.credits_remaining} credits")

        # functions: create, deploy a folder (pack + signed-URL upload + trigger), read, update
        plan = fe.functions.pack_folder(HELLO, dry_run=True)
        print(f"{HELLO.name}: {plan.file_count} files, {plan.total_bytes} bytes: {[f.path for f in plan.files]}")
        fn = fe.functions.create(name=f"tour-{run}", runtime=Runtime.NODEJS22, memory="512Mi")
        print(f"created {fn.name} ({fn.status})")
        outcome = fe.functions.deploy_folder(fn.id, HELLO, wait=True, on_progress=show_progress)
        print(f"deployed: {outcome.status} at {outcome.url}")
        fn = fe.functions.get(fn.id)
        assert fn.status == FunctionStatus.READY
        fe.functions.update(fn.id, timeout_seconds=120, cpu_throttling=False)
        print(f"{len(fe.functions.list().functions)} functions; limits: {fe.functions.limits().limits.memory}")
        print(f"usage: {fe.functions.usage().total.requests} requests")
        upload = fe.functions.request_upload(fn.id)
        print(f"step 1 of a deploy gives an upload URL that expires in {upload.expires_in} s")
        uploaded = fe.functions.upload_folder(HELLO, name=f"tour-up-{run}", runtime="nodejs22")
        print(f"multipart upload: {uploaded.function_id} {uploaded.status}")
        try:
            gh = fe.functions.deploy_github(repo="octocat/hello-world", name=f"tour-gh-{run}")
            print(f"from GitHub: {gh.function_id}")
            tpl = fe.functions.fork_template("openai-chat", name=f"tour-tpl-{run}")
            print(f"from a template: {tpl.function_id}")
        except RateLimitError as e:
            print(f"too many deploys in flight (retry after {e.retry_after}s)")

        # functions.source, functions.logs, functions.secrets, functions.domain, functions.billing
        files = fe.functions.source.get(fn.id).files
        print(f"deployed source: {sorted(files)}")
        fe.functions.source.update(fn.id, files=dict(files))
        for entry in fe.functions.logs.list(fn.id).logs[-3:]:
            print(f"  log {entry.severity}: {entry.message}")
        with fe.functions.logs.tail(fn.id) as tail:
            print(f"tailing logs ({'open' if not tail.closed else 'closed'}); closing at once")
        fe.functions.secrets.set(fn.id, name="OPENAI_API_KEY", value="sk-tour")
        print(f"secrets: {[s.name for s in fe.functions.secrets.list(fn.id).secrets]}")
        fe.functions.secrets.delete(fn.id, name="OPENAI_API_KEY")
        mapping = fe.functions.domain.add(fn.id, domain=f"api-{run}.example.com")
        print(f"domain {mapping.domain}: {mapping.status}, add {[r.type.value for r in mapping.records]}")
        print(f"domain now {fe.functions.domain.get(fn.id).status}")
        fe.functions.domain.remove(fn.id)
        billing = fe.functions.billing.update(overage_action="stop", auto_topup_enabled=False)
        print(f"billing: {billing.overage_action} / {fe.functions.billing.get().topup_balance_usd}")
        try:
            fe.functions.billing.verify_card()
        except PermissionDeniedError as e:
            print(f"verify card: {e}")

        # chat and chats
        for chunk in fe.chat.stream(message="Create a calculator workflow", model="regular"):
            print(chunk.content, end="", flush=True)
        print()
        reply = fe.chat.send(message="and now in French", model="regular")
        print(f"reply ({reply.finish_reason}): {reply.content[:40]}...")
        fe.chats.create(title=f"tour {run}")
        page = fe.chats.list(limit=2)
        print(f"{page.total} conversations; the first page has {len(page.chats)}")
        titles = [c.title for c in fe.chats.list(limit=2)]
        print(f"all of them, page by page: {len(titles)}")
        if reply.conversation_id:
            chat = fe.chats.get(reply.conversation_id).chat
            print(f"conversation {chat.id}: {chat.message_count} messages")
            fe.chats.delete(chat.id)

        # hosting: instances, backups, provisioning, n8n
        slots = fe.instances.list().instances
        empty = [i for i in slots if i.service_type == "empty"]
        if empty:
            site = fe.provision.website(instance_id=empty[0].id, docker_image="nginx:latest", port=80)
            print(f"provisioned {site.instance.instance_name}: {site.instance.status}")
            inst = site.instance.id
            fe.instances.update_config(inst, env_vars={"NODE_ENV": "production"})
            fe.instances.manage(inst, action="redeploy")
            print(f"status {fe.instances.status(inst).status}; {len(fe.instances.deployments(inst).deployments)} deployments")
            print(f"logs: {fe.instances.logs(inst, lines=5).logs[:60]!r}")
            fe.instances.update_domain(inst, domain=f"site-{run}.example.com")
            fe.instances.backups.create(inst)
            print(f"{len(fe.instances.backups.list(inst).backups)} backups")
        rest = empty[1:]
        big = next((s for s in rest if (s.storage_limit_gb or 0) >= 30), None)
        if big is not None:  # OpenClaw needs 30 GB
            print(f"OpenClaw: {fe.provision.openclaw(instance_id=big.id).instance.service_type}")
        small = next((s for s in rest if s is not big), None)
        if small is not None:
            print(f"n8n on a slot: {fe.provision.n8n(instance_id=small.id).instance.service_type}")
        n8n = fe.n8n.instances.create(instance_name=f"tour {run}", storage_gb=10, billing_cycle="monthly")
        n8n_id = n8n.instance.id
        fe.n8n.instances.manage(n8n_id, action="restart")
        print(f"n8n {fe.n8n.instances.get(n8n_id).instance.status}; {len(fe.n8n.instances.list().instances)} instances")
        print(f"n8n logs: {len(fe.n8n.instances.logs(n8n_id, lines=10).logs)} characters")
        fe.n8n.instances.delete(n8n_id)

        # whatsapp and email
        wa = fe.whatsapp.sessions.create(display_name=f"Shop {run}", billing_cycle="monthly")
        fe.whatsapp.sessions.set_webhook(wa.instance_name, webhook_url="https://example.com/hook")
        print(f"whatsapp {fe.whatsapp.sessions.get(wa.instance_name).status}; {len(fe.whatsapp.sessions.list().sessions)} sessions")
        fe.whatsapp.sessions.delete(wa.instance_name)
        senders = fe.email.senders().senders
        if senders:
            sent = fe.email.send(to="lead@example.com", subject="Hello", text="Hi from the tour")
            print(f"email sent from {sent.sent_from}, {sent.remaining_today} left today")

        # clean up, and an error on purpose
        fe.functions.delete(fn.id)
        try:
            fe.functions.get(fn.id)
        except NotFoundError as e:
            print(f"deleted: {e.status_code} {e.message}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
