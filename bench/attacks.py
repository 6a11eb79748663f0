"""Round two of bench.abuse: each attack of issue 46 against the real app on loopback, with honest clients beside it
(a REST photo every 0.25 s, a page photo every second, from addresses of their own), and what each costs: the
honest clients' p50 and p99, the attacker's answers, the server's peak memory and descriptors, and its log bytes.

Clients are told apart by the address the app trusts a loopback peer to forward (harness.server.client).
"""

import base64
import collections
import contextlib
import io
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
from gradio_client import Client, handle_file
from PIL import Image

from harness.clips import panning_frames, write_clip
from harness.hostile_files import (
    float_tiff,
    many_scans_jpeg,
    many_strips_tiff,
    run_length_bmp,
    sixteen_bit_png,
    size_switching_avi,
)
from harness.images import packed_crowd
from harness.server import RunningApp, client

ATTACKER, HONEST_REST, HONEST_PAGE = "10.6.6.6", "10.9.0.1", "10.9.0.2"
ANSWERED = re.compile(r"emotion\.requests \S+ (200|ok):")  # an answered request's line (the honest clients')


@dataclass
class Outcome:
    name: str
    answers: collections.Counter  # the attacker's: status codes or what happened
    rest_ms: list[float] = field(default_factory=list)  # the honest REST client's photos
    page_ms: list[float] = field(default_factory=list)  # the honest page client's photos
    honest_failures: int = 0
    base_mb: float = 0.0
    peak_mb: float = 0.0
    descriptors: int = 0
    log_bytes: int = 0  # what the server logged meanwhile, but the honest clients' answered requests
    note: str = ""

    def line(self) -> str:
        def spread(values: list[float]) -> str:
            if not values:
                return "none answered"
            p50, p99 = np.percentile(values, [50, 99])
            return f"p50 {p50:.0f} ms, p99 {p99:.0f} ms ({len(values)})"

        answers = ", ".join(f"{key}: {count}" for key, count in sorted(self.answers.items(), key=str))
        refusals = sum(count for key, count in self.answers.items() if str(key)[:1] in "45")
        per_refusal = f", {self.log_bytes / refusals:.0f} B a refusal" if refusals else ""
        return (
            f"{self.name}\n  attacker: {answers}{self.note}\n  honest REST {spread(self.rest_ms)}; honest page "
            f"{spread(self.page_ms)}; honest failures {self.honest_failures}\n  memory {self.base_mb:.0f} -> peak "
            f"{self.peak_mb:.0f} MB (+{self.peak_mb - self.base_mb:.0f}); descriptors at most {self.descriptors}; "
            f"log +{self.log_bytes} B but answered requests' lines{per_refusal}"
        )


def post_file(url: str, route: str, name: str, data: bytes, address: str = ATTACKER, timeout: float = 120) -> str:
    field_name = "files" if route.endswith("upload") else "file"
    try:
        response = httpx.post(
            f"{url}{route}", files={field_name: (name, data)}, headers=client(address), timeout=timeout
        )
        return str(response.status_code)
    except httpx.HTTPError as problem:
        return type(problem).__name__


def page_photo(url: str, name: str, data: bytes, folder: Path, address: str) -> str:
    """A photo analysed through the page's API (upload, then the queue), as a visitor's browser does."""
    path = folder / name
    path.write_bytes(data)
    try:
        Client(url, verbose=False, headers=client(address)).predict(handle_file(str(path)), api_name="/predict")
        return "answered"
    except Exception as problem:  # noqa: BLE001 (gradio_client raises the app's refusal as its own errors)
        return type(problem).__name__


def under_attack(app: RunningApp, name: str, attack: Callable[[], collections.Counter], folder: Path) -> Outcome:
    """Run `attack` with the honest clients and the watcher beside it, until it ends and 1 s more."""
    outcome = Outcome(name, collections.Counter(), base_mb=app.resident_mb())
    log_start, done = app.log_bytes(), threading.Event()
    photo = (Path(__file__).resolve().parent.parent / "assets" / "examples" / "happy_baby.jpg").read_bytes()
    (folder / "honest.jpg").write_bytes(photo)

    def honest_rest() -> None:
        with httpx.Client(timeout=60, headers=client(HONEST_REST)) as http:
            while not done.is_set():
                started = time.perf_counter()
                try:
                    status = http.post(f"{app.url}/process_image", files={"file": ("a.jpg", photo)}).status_code
                except httpx.HTTPError:
                    status = 0
                if status == 200:
                    outcome.rest_ms.append((time.perf_counter() - started) * 1000)
                else:
                    outcome.honest_failures += 1
                time.sleep(0.25)

    def honest_page() -> None:
        page = Client(app.url, verbose=False, headers=client(HONEST_PAGE))
        while not done.is_set():
            started = time.perf_counter()
            try:
                page.predict(handle_file(str(folder / "honest.jpg")), api_name="/predict")
                outcome.page_ms.append((time.perf_counter() - started) * 1000)
            except Exception:  # noqa: BLE001
                outcome.honest_failures += 1
            time.sleep(1.0)

    def watch() -> None:
        while not done.is_set():
            outcome.peak_mb = max(outcome.peak_mb, app.resident_mb())
            outcome.descriptors = max(outcome.descriptors, app.descriptors())
            time.sleep(0.1)

    helpers = [threading.Thread(target=target, daemon=True) for target in (honest_rest, honest_page, watch)]
    for helper in helpers:
        helper.start()
    time.sleep(1.0)
    outcome.answers = attack()
    time.sleep(1.0)
    done.set()
    for helper in helpers:
        helper.join(120)
    logged = app.log_text(log_start).splitlines(keepends=True)
    outcome.log_bytes = sum(len(line.encode()) for line in logged if not ANSWERED.search(line))
    return outcome


def at_once(jobs: list[Callable[[], str]]) -> collections.Counter:
    with ThreadPoolExecutor(len(jobs)) as pool:
        return collections.Counter(pool.map(lambda job: job(), jobs))


def live_frame() -> dict:
    picture = io.BytesIO()
    Image.new("RGB", (160, 120), (128, 128, 128)).save(picture, "JPEG")
    return {"url": "data:image/jpeg;base64," + base64.b64encode(picture.getvalue()).decode()}


def event_index(url: str, test: Callable[[dict], bool]) -> int:
    dependencies = httpx.get(f"{url}/config", timeout=30).json()["dependencies"]
    return next(index for index, event in enumerate(dependencies) if test(event))


def join(url: str, index: int, data: list, address: str, session: str) -> str:
    body = {"data": data, "fn_index": index, "session_hash": session, "event_data": None}
    try:
        response = httpx.post(f"{url}/gradio_api/queue/join", json=body, headers=client(address), timeout=30)
        return str(response.status_code)
    except httpx.HTTPError as problem:
        return type(problem).__name__


def first_live_answer(url: str, index: int, address: str) -> float:
    """Seconds from an honest live run's start to its first answer (or -1 after 60 s)."""
    session, started = f"honest-live-{time.monotonic_ns()}", time.monotonic()
    join(url, index, [live_frame(), None], address, session)
    with (
        httpx.Client(timeout=60) as http,
        http.stream("GET", f"{url}/gradio_api/queue/data", params={"session_hash": session}) as answers,
    ):
        for line in answers.iter_lines():
            if line.startswith("data:") and json.loads(line[5:]).get("msg") in (
                "process_generating",
                "process_streaming",
                "process_completed",
            ):
                return time.monotonic() - started
    return -1.0


def slow_part_upload(url: str, parts: int) -> str:
    """An upload of `parts` small parts, sent a part every 0.1 s: what the server answers."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as connection:
        connection.sendall(
            b"POST /gradio_api/upload HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: " + ATTACKER.encode() + b"\r\n"
            b"Content-Type: multipart/form-data; boundary=XX\r\nContent-Length: 10000000\r\n\r\n"
        )
        with contextlib.suppress(OSError):  # refused, the server may close before every part is sent
            for index in range(parts):
                connection.sendall(
                    b'--XX\r\nContent-Disposition: form-data; name="files"; filename="%d"\r\n\r\nx\r\n' % index
                )
                time.sleep(0.1)
        try:
            return connection.recv(100).split(b"\r\n")[0].decode() or "closed"
        except OSError as problem:
            return type(problem).__name__


def slow_headers(url: str, count: int, seconds: float) -> collections.Counter:
    host, port = url.removeprefix("http://").split(":")
    connections, outcome = [], collections.Counter()
    for _ in range(count):
        try:
            connection = socket.create_connection((host, int(port)), timeout=5)
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            connections.append(connection)
            outcome["held"] += 1
        except OSError as problem:
            outcome[type(problem).__name__] += 1
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for connection in connections:
            try:
                connection.sendall(b"X")
            except OSError:
                outcome["closed by the server"] += 1
        time.sleep(2)
    for connection in connections:
        connection.close()
    return outcome


def unknown_session_polls(url: str, count: int) -> collections.Counter:
    outcome = collections.Counter()
    with httpx.Client(timeout=10, headers=client(ATTACKER)) as http:
        for _ in range(count):
            outcome[str(http.get(f"{url}/gradio_api/queue/data", params={"session_hash": "x"}).status_code)] += 1
    return outcome


def dropped_clips(url: str, clip: bytes, count: int, after: float) -> collections.Counter:
    def drop() -> str:
        with httpx.Client(timeout=after, headers=client(ATTACKER)) as http:
            try:
                return str(http.post(f"{url}/process_video", files={"file": ("c.mp4", clip)}).status_code)
            except httpx.TimeoutException:
                return "dropped by the client"

    return at_once([drop] * count)


def cache_megabytes(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 2**20


def run_all(app: RunningApp, folder: Path, app_folder: Path) -> list[Outcome]:
    """Every attack, one after the other, each with the honest clients beside it."""
    url, outcomes = app.url, []
    live = event_index(url, lambda event: event.get("connection") == "stream")
    long_clip, small_clip, fast_clip = folder / "long.mp4", folder / "small.mp4", folder / "fast.mp4"
    face = np.asarray(Image.open(Path(__file__).resolve().parent.parent / "assets" / "examples" / "astronaut.jpg"))
    write_clip(long_clip, panning_frames(face, 60.0, fps=25), fps=25)
    write_clip(small_clip, panning_frames(face, 2.0, fps=25), fps=25)
    write_clip(fast_clip, panning_frames(face, 2.0, fps=1000), fps=1000)
    scans = many_scans_jpeg((7200, 5500), 50_000)

    def scans_attack() -> collections.Counter:
        rest = [lambda: post_file(url, "/process_image", "scans.jpg", scans)] * 4
        page = [lambda: page_photo(url, "scans.jpg", scans, folder, ATTACKER)] * 2
        return at_once(rest + page)

    outcomes.append(under_attack(app, "1. four REST and two page photos of 50,000 JPEG scans", scans_attack, folder))
    others = [many_strips_tiff(1, 1_000_000), run_length_bmp(4000, 1200)]
    outcomes.append(
        under_attack(
            app,
            "1. a TIFF of 1,000,000 strips and a BMP of 4.8 M runs, 4 of each to REST",
            lambda: at_once([lambda data=data: post_file(url, "/process_image", "x", data) for data in others * 4]),
            folder,
        )
    )
    tiff, png = float_tiff(6400, 6250), sixteen_bit_png(6400, 6250)
    outcomes.append(
        under_attack(
            app,
            "2. eight 40 MP float TIFFs to REST and eight 16-bit PNGs to the page, at once, from 16 addresses",
            lambda: at_once(
                [lambda n=n: post_file(url, "/process_image", "f.tif", tiff, f"10.6.7.{n}") for n in range(8)]
                + [lambda n=n: page_photo(url, f"{n}.png", png, folder, f"10.6.8.{n}") for n in range(8)]
            ),
            folder,
        )
    )

    def live_slots() -> collections.Counter:
        outcome = collections.Counter(join(url, live, [live_frame(), None], ATTACKER, f"held-{n}") for n in range(4))
        outcome[f"honest live run's first answer after {first_live_answer(url, live, '10.9.0.3'):.1f} s"] += 1
        return outcome

    outcomes.append(under_attack(app, "3. four live runs whose answers are never read", live_slots, folder))
    outcomes.append(
        under_attack(
            app,
            "4. 36 live posts whose answers are never read, from one address",
            lambda: collections.Counter(
                join(url, live, [live_frame(), None], ATTACKER, f"flood-{n}") for n in range(36)
            ),
            folder,
        )
    )
    outcomes.append(
        under_attack(
            app,
            "5. 20 uploads of 1,000 parts, sent slowly",
            lambda: at_once([lambda: slow_part_upload(url, 1000)] * 20),
            folder,
        )
    )
    slowloris = "6. 2,000 connections sending headers a byte every 2 s, for 20 s"
    outcomes.append(under_attack(app, slowloris, lambda: slow_headers(url, 2000, 20), folder))
    outcomes.append(
        under_attack(app, "7. 2,000 polls of an unknown session", lambda: unknown_session_polls(url, 2000), folder)
    )
    outcomes.append(
        under_attack(
            app,
            "8. a 2 s clip at 1,000 frames a second",
            lambda: collections.Counter([post_file(url, "/process_video", "fast.mp4", fast_clip.read_bytes())]),
            folder,
        )
    )

    def abandoned() -> collections.Counter:
        outcome = dropped_clips(url, long_clip.read_bytes(), 3, 5.0)
        started = time.monotonic()
        honest = Client(url, verbose=False, headers=client("10.9.0.4"))
        honest.predict(handle_file(str(small_clip)), api_name="/predict_video")
        outcome[f"honest 2 s page clip answered in {time.monotonic() - started:.1f} s"] += 1
        return outcome

    dropped = "9. three REST clips of 60 s dropped by their clients after 5 s"
    outcomes.append(under_attack(app, dropped, abandoned, folder))
    crowd = io.BytesIO()
    packed_crowd(160).save(crowd, "JPEG", quality=90)
    outcomes.append(
        under_attack(
            app,
            "10. two page photos of 160 faces (100 analysed)",
            lambda: at_once([lambda: page_photo(url, "crowd.jpg", crowd.getvalue(), folder, ATTACKER)] * 2),
            folder,
        )
    )
    growing = size_switching_avi((640, 360), (16384, 8192))
    outcomes.append(
        under_attack(
            app,
            "12. a clip of 640x360 frames that switches to 16384x8192",
            lambda: collections.Counter([post_file(url, "/process_video", "grow.avi", growing)]),
            folder,
        )
    )
    big = b"x" * (50 * 2**20)

    def disk() -> collections.Counter:
        outcome = collections.Counter(post_file(url, "/gradio_api/upload", "big.bin", big) for _ in range(40))
        outcome[f"the app's folder holds {cache_megabytes(app_folder):.0f} MB"] += 1
        return outcome

    outcomes.append(under_attack(app, "13. 40 uploads of 50 MB from one address", disk, folder))
    return outcomes
