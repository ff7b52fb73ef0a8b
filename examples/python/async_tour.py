"""The asyncio client: concurrent calls, a streamed chat, pagination and a
log tail cancelled by a timeout. Same environment as tour.py."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path

from flowengine import AsyncFlowEngine, ChatChunk

HELLO = Path(__file__).resolve().parents[1] / "hello"


async def main() -> int:
    async with AsyncFlowEngine() as fe:
        user, credits, functions = await asyncio.gather(fe.account.user(), fe.account.credits(), fe.functions.list())
        print(f"{user.user_id}: {credits.credits_remaining} credits, {len(functions.functions)} functions")

        fn = await fe.functions.create(name=f"atour-{uuid.uuid4().hex[:6]}", runtime="nodejs22")
        done = await fe.functions.deploy_folder(fn.id, HELLO, on_progress=lambda p: print(f"  {p.phase}"))
        print(f"deployed {done.status}")

        async with fe.chat.stream(message="hi", model="regular") as stream:
            async for chunk in stream:
                assert isinstance(chunk, ChatChunk)
                print(chunk.content, end="", flush=True)
        print()

        page = await fe.chats.list(limit=5)
        print(f"{page.total} conversations")
        async for chat in fe.chats.list(limit=5):
            print(f"  {chat.id} {chat.title}")

        async def tail() -> None:
            async for line in fe.functions.logs.tail(fn.id):
                print(f"  log: {line}")

        try:
            await asyncio.wait_for(tail(), timeout=0.5)
        except asyncio.TimeoutError:
            print("log tail cancelled after 0.5 s")
        await fe.functions.delete(fn.id)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
