"""deploy/nginx.conf in front of the app on loopback: honest requests are served while 2,000 connections send their
headers a byte at a time (header slowloris, which took every descriptor of the app served alone), and nginx
closes those connections after its header timeout. Skipped where nginx is not installed."""

import contextlib
import os
import shutil
import socket
import subprocess
import threading
import time

import httpx
import pytest
from PIL import Image

from tests.helpers import ROOT, encode

NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")  # Debian's is in /usr/sbin
SLOW_CONNECTIONS = 2000
pytestmark = [pytest.mark.slow, pytest.mark.skipif(NGINX is None, reason="nginx is not installed")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def proxy(server, tmp_path):
    """nginx with deploy/nginx.conf, listening on a free loopback port in front of the test app."""
    url, _ = server
    app_port, port = int(url.rsplit(":", 1)[1]), free_port()
    config = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "server 127.0.0.1:7860;" in config and "listen 80;" in config
    config = config.replace("server 127.0.0.1:7860;", f"server 127.0.0.1:{app_port};")
    config = config.replace("listen 80;", f"listen 127.0.0.1:{port};")
    (tmp_path / "nginx.conf").write_text(config)
    (tmp_path / "logs").mkdir()
    settings = f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/logs/error.log;"
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-g", settings])
    proxied = f"http://127.0.0.1:{port}"
    for _ in range(50):
        try:
            httpx.get(f"{proxied}/healthz", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    yield proxied
    process.terminate()
    process.wait(10)


def closed_by_nginx(connection: socket.socket) -> bool:
    """Whether the server has closed the connection (with a 408 or without a word)."""
    connection.settimeout(1.0)
    try:
        data = connection.recv(200)
    except TimeoutError:
        return False
    except OSError:
        return True
    return data == b"" or data.startswith(b"HTTP/1.1 408")


def test_honest_requests_are_served_through_nginx_during_2000_slow_header_connections(proxy, astronaut):
    host, port = proxy.removeprefix("http://").split(":")
    assert host == "127.0.0.1"
    slow = []
    for _ in range(SLOW_CONNECTIONS):
        connection = socket.create_connection((host, int(port)))
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        slow.append(connection)
    stop = threading.Event()

    def trickle() -> None:  # a header byte a connection every 2 s: never a whole request
        while not stop.wait(2.0):
            for connection in slow:
                with contextlib.suppress(OSError):  # closed by nginx
                    connection.sendall(b"X")

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    photo, seconds = encode(Image.fromarray(astronaut), "JPEG"), []
    try:
        with httpx.Client(timeout=10) as honest:
            for _ in range(8):
                started = time.monotonic()
                assert honest.get(f"{proxy}/healthz").status_code == 200
                answer = honest.post(f"{proxy}/process_image", files={"file": ("a.jpg", photo)})
                assert answer.status_code == 200 and answer.json()["faces"]
                seconds.append(time.monotonic() - started)
                time.sleep(0.5)
        assert max(seconds) < 2.0
        time.sleep(12)  # past nginx's client_header_timeout (10 s)
        closed = sum(closed_by_nginx(connection) for connection in slow)
        assert closed == SLOW_CONNECTIONS
    finally:
        stop.set()
        for connection in slow:
            connection.close()
