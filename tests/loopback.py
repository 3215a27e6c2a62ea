"""A real uvicorn server for an ASGI app on a free loopback port, in a background thread.
Every suite that talks HTTP to Schakel starts its server through this."""

import socket
import threading
import time

import uvicorn


class LoopbackServer:
    def __init__(self, app, *, start_timeout: float = 15.0):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + start_timeout
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"server on {self.url} did not start within {start_timeout:g} s")
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)
