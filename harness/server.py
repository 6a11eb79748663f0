"""Start the real app (`python app.py`) on a free loopback port for a benchmark, and read its memory."""

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import httpx

ROOT = Path(__file__).resolve().parent.parent


def resident_kb(pid: int | str = "self") -> int:
    """A process's resident memory (VmRSS) in kB, from Linux's /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"VmRSS not found for process {pid}")


@dataclass
class RunningApp:
    url: str
    process: subprocess.Popen
    log: BinaryIO  # what the server has written (stdout and stderr)

    def resident_mb(self) -> float:
        """The server process's resident memory in MB."""
        return resident_kb(self.process.pid) / 1024

    def descriptors(self) -> int:
        """How many descriptors the server process holds open."""
        return sum(1 for _ in Path(f"/proc/{self.process.pid}/fd").iterdir())

    def log_bytes(self) -> int:
        """How many bytes the server has logged so far."""
        return os.fstat(self.log.fileno()).st_size

    def log_text(self, start: int) -> str:
        """What the server has logged since `start` bytes (read without moving the server's own write offset)."""
        return os.pread(self.log.fileno(), self.log_bytes() - start, start).decode(errors="replace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_app(
    model: Path | None = None, startup_seconds: float = 180, python: str = sys.executable, folder: Path = ROOT
) -> Iterator[RunningApp]:
    """`python app.py` run by `python` in `folder`, in a child process; yields once /healthz answers,
    stops the process afterwards. Its output goes to a temporary log, quoted if it fails to start."""
    port = free_port()
    environment = dict(os.environ, GRADIO_SERVER_NAME="127.0.0.1", GRADIO_SERVER_PORT=str(port))
    if model is not None:
        environment["EMOTION_MODEL"] = str(model)
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed in the finally below, after the process ends)
    process = subprocess.Popen([python, "app.py"], cwd=folder, env=environment, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def log_tail() -> str:
        log.seek(0)
        return log.read().decode(errors="replace")[-3000:]

    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"app.py exited with status {process.returncode} before serving:\n{log_tail()}")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"app.py did not answer /healthz within {startup_seconds} s:\n{log_tail()}")
            time.sleep(0.1)
        yield RunningApp(url, process, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


# Ray's single-machine settings, which keep a local cluster on loopback (127.0.0.1), and the token its clients
# are authorised with (token authentication needs one: a new one each run, so nothing is written to ~/.ray).
RAY_LOOPBACK = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_AUTH_MODE": "token",
    "RAY_AUTH_TOKEN": secrets.token_hex(32),
    "RAY_DISABLE_USAGE_STATS": "1",
}


def client(address: str) -> dict[str, str]:
    """Headers that make a request on loopback come from `address`: the app trusts a loopback peer's forwarded
    address, as it trusts a proxy in front of it (uvicorn's FORWARDED_ALLOW_IPS)."""
    return {"X-Forwarded-For": address}


def stalled_uploads(url: str, addresses: list[str]) -> list[socket.socket]:
    """Connections, one from each of `addresses`, that send a multipart photo upload's headers and first part
    header, then nothing."""
    host, port = url.removeprefix("http://").split(":")
    connections = []
    for address in addresses:
        connection = socket.create_connection((host, int(port)))
        connection.sendall(
            b"POST /process_image HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: " + address.encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 100000\r\n\r\n"
            b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n\r\n'
        )
        connections.append(connection)
    return connections
