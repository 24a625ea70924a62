"""Running the page: in the foreground (`replybot serve`) or on a thread beside the daemon
(`[web] enabled = true`), on a socket bound before the server starts so its port is known."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass

import uvicorn

from bot.app import App
from bot.log import log
from bot.web.app import create_app


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    return sock


def server_for(parts: App) -> uvicorn.Server:
    # proxy headers are read by the page itself, only from [web] trusted_proxies
    config = uvicorn.Config(create_app(parts), log_level="warning", access_log=False,
                            proxy_headers=False, server_header=False, lifespan="off")
    return uvicorn.Server(config)


def serve(parts: App, host: str, port: int) -> None:
    """Serve until SIGINT or SIGTERM."""
    sock = bind(host, port)
    log.info("web page served", url=f"http://{_netloc(host, sock)}/")
    server_for(parts).run(sockets=[sock])


@dataclass
class Running:
    """A page served on a thread; `stop` ends it."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self, timeout: float = 10) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start(parts: App, host: str = "127.0.0.1", port: int = 0) -> Running:
    """Serve on a thread (uvicorn installs no signal handlers off the main thread)."""
    sock = bind(host, port)
    server = server_for(parts)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="web",
                              daemon=True)
    thread.start()
    running = Running(server, thread, f"http://{_netloc(host, sock)}")
    while not server.started and thread.is_alive():
        threading.Event().wait(0.02)
    log.info("web page served", url=running.url + "/")
    return running


def _netloc(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
