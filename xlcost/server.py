"""xlwings Server for xlcost: each function call off the event loop, oversized requests refused.

xlwings Server reads a call's JSON, converts its ranges, calls the function and writes
the answer on its one event loop, so a 1,000 x 1,000 range holds every other client
until it is done. ``Guard`` wraps xlwings Server's ASGI app: a call
(``/xlwings/custom-functions-call``) is read without blocking, then handled whole on a
worker thread (its own event loop), so a scalar call answers while a big one computes;
a body above ``MAX_REQUEST_BYTES`` (32 MiB, about 2 million numbers as Office.js sends
them; environment variable ``XLCOST_MAX_REQUEST_BYTES``) is answered with HTTP 413 and
a message, before it is held in memory. Run ``uvicorn xlcost.server_app:app`` from the
server project (``xlcost.server_app`` imports xlwings Server, which needs its licence key).

>>> import asyncio
>>> sent = []
>>> async def app(scope, receive, send): pass
>>> async def receive(): return {"type": "http.request", "body": b"x" * 11, "more_body": False}
>>> async def send(message): sent.append(message)
>>> asyncio.run(Guard(app, max_bytes=10)({"type": "http", "path": "/", "headers": []}, receive, send))
>>> sent[0]["status"]
413
"""

import asyncio
import json
import os

MAX_REQUEST_BYTES = int(os.environ.get("XLCOST_MAX_REQUEST_BYTES", 32 * 2**20))
CALL_PATH = "/xlwings/custom-functions-call"


class Guard:
    """ASGI middleware: request-size limit on every HTTP request; function calls run on a worker thread."""

    def __init__(self, app, max_bytes=MAX_REQUEST_BYTES):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._refuse(send, int(declared))
        chunks, size = [], 0
        while True:  # the body, read without blocking the loop, counted as it arrives
            message = await receive()
            if message["type"] != "http.request":
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return await self._refuse(send, size)
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        if scope.get("path") != CALL_PATH:
            return await self.app(scope, _replay(body), send)
        replies = await asyncio.to_thread(asyncio.run, self._handle(scope, body))
        for message in replies:
            await send(message)

    async def _handle(self, scope, body):
        replies = []

        async def collect(message):
            replies.append(message)

        await self.app(scope, _replay(body), collect)
        return replies

    async def _refuse(self, send, size):
        text = json.dumps({"detail": (
            f"xlcost: request of {size:,} bytes refused: the limit is {self.max_bytes:,} bytes "
            "(XLCOST_MAX_REQUEST_BYTES); pass a smaller range or split it over several cells")}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(text)).encode())]})
        await send({"type": "http.response.body", "body": text})


def _replay(body):
    """An ASGI ``receive`` giving ``body`` once, then a disconnect."""
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return receive
