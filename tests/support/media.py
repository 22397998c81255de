"""Pictures and voice messages as a chat platform hands them over: bytes behind a local url that (like QQ's
time-limited links) stops answering after the first fetch; and small real files to put there."""

from __future__ import annotations

import io
import math
import threading
import time
from array import array
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The first bytes a camera's JPEG starts with, then filler: enough for a content check, not for a viewer.
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
# A 1×1 PNG that a browser shows.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e2b1a4bf0000000049454e44ae426082"
)


def silk(seconds: float = 1.0) -> bytes:
    """A real QQ voice message (SILK v3 with QQ's 0x02 prefix) of a gliding tone, made with silk-python."""
    import pysilk

    rate = 24000
    pcm = array(
        "h", (int(8000 * math.sin(2 * math.pi * (200 + 100 * n / rate) * n / rate)) for n in range(int(seconds * rate)))
    )
    out = io.BytesIO()
    pysilk.encode(io.BytesIO(pcm.tobytes()), out, rate, 24000, tencent=True)
    return out.getvalue()


class MediaServer:
    """A local HTTP server: `put(name, data)` gives a url that answers once (then 404, as an expired link)."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.fetched: list[str] = []
        self.delay = 0.0  # seconds before each answer (a slow platform)
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.lstrip("/")
                time.sleep(server.delay)
                data = server.blobs.pop(name, None)
                server.fetched.append(name)
                if data is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args) -> None:
                """Quiet."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> MediaServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def put(self, name: str, data: bytes) -> str:
        """Serve `data` once at the returned url."""
        self.blobs[name] = data
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{name}"
