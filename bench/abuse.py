"""Hostile clients against the real app (`python app.py`) on loopback, beside ordinary load.

    python -m bench.abuse [--photos ../shared/photos-dev] [--requests 10000] [--concurrency 16] [--round 1|2]

1. Photos while clips run: a photo's latency (one at a time) idle, then while 4 clips are sent to REST at once.
2. Attacks under load: 8 stalled uploads (headers and a part header, then nothing) and a 300 MB chunked upload,
   while `requests` ordinary photo requests run `concurrency` at a time: their errors, p50 and p99.
3. Memory: 8 concurrent 40-megapixel photos, the server's peak resident memory and after.
4. A crash: `kill -9` while a clip, a photo upload through the page's route and photos are in flight; a restart
   on the same folder; what was uploaded before the kill and is still on disk once /healthz answers.
Round two (bench.attacks): each attack of issue 46 with an honest REST and page client beside it.
Prints each figure beside the machine's CPU flags.
"""

import argparse
import asyncio
import contextlib
import io
import os
import socket
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from bench.attacks import run_all
from bench.load import fire, load_photos, report
from emotion.images import open_image, to_rgb_array
from harness.clips import panning_frames, write_clip
from harness.machine import describe_machine
from harness.server import ROOT, resident_kb, running_app, stalled_uploads


def latencies(url: str, photo: bytes, count: int) -> np.ndarray:
    """Milliseconds of `count` photo requests, one at a time."""
    times = []
    with httpx.Client(timeout=120) as client:
        for _ in range(count):
            started = time.perf_counter()
            client.post(f"{url}/process_image", files={"file": ("a.jpg", photo)}).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    return np.array(times)


def photos_beside_clips(url: str, photo: bytes, clip: bytes) -> None:
    idle = latencies(url, photo, 60)
    threads = [
        threading.Thread(
            target=lambda: httpx.post(f"{url}/process_video", files={"file": ("c.mp4", clip)}, timeout=600)
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    busy = latencies(url, photo, 60)
    for thread in threads:
        thread.join()
    print(
        f"photos one at a time, idle: p50 {np.median(idle):.0f} ms, p99 {np.percentile(idle, 99):.0f} ms; "
        f"while 4 clips run: p50 {np.median(busy):.0f} ms, p99 {np.percentile(busy, 99):.0f} ms "
        f"({np.percentile(busy, 99) / np.percentile(idle, 99):.2f}x the idle p99)"
    )


def stalled_answers(connections: list[socket.socket]) -> list[str]:
    answers = []
    for connection in connections:
        connection.settimeout(60)
        try:
            answers.append(connection.recv(200).split(b"\r\n")[0].decode() or "closed")
        except OSError as problem:
            answers.append(type(problem).__name__)
        connection.close()
    return answers


async def endless_upload(url: str, megabytes: int) -> str:
    """A chunked upload of `megabytes` MB (no Content-Length): what came back and how much was sent first."""
    sent = 0

    async def body():
        nonlocal sent
        chunk = b'--XX\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n\r\n' + b"x" * 2**20
        for _ in range(megabytes):
            sent += len(chunk)
            yield chunk

    try:
        async with httpx.AsyncClient(timeout=120) as client:
            response = await client.post(
                f"{url}/process_video", content=body(), headers={"content-type": "multipart/form-data; boundary=XX"}
            )
            outcome = str(response.status_code)
    except httpx.HTTPError as problem:
        outcome = type(problem).__name__
    return f"{outcome} after {sent / 2**20:.0f} MB sent"


async def attacks_under_load(url: str, photos: list[bytes], requests: int, concurrency: int) -> None:
    connections = stalled_uploads(url, [f"10.0.0.{index}" for index in range(1, 9)])
    load = asyncio.create_task(fire(url, photos, requests, concurrency))
    endless = asyncio.create_task(endless_upload(url, 300))
    report(f"{requests} photos at concurrency {concurrency}, beside the attacks", *await load)
    print(f"the 300 MB chunked upload: {await endless}")
    print(f"the 8 stalled uploads got: {sorted(set(await asyncio.to_thread(stalled_answers, connections)))}")


def peak_memory(url: str, pid: int, photo: bytes) -> None:
    peak, done = [resident_kb(pid)], threading.Event()

    def watch() -> None:
        while not done.is_set():
            peak.append(resident_kb(pid))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [
        threading.Thread(
            target=lambda: httpx.post(f"{url}/process_image", files={"file": ("big.jpg", photo)}, timeout=300)
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    watcher.join()
    time.sleep(2)
    print(
        f"8 concurrent 40-megapixel photos: peak {max(peak) / 1024:.0f} MB resident, "
        f"{peak[0] / 1024:.0f} MB before, {resident_kb(pid) / 1024:.0f} MB after"
    )


def crash_and_restart(folder: Path, photo: bytes, clip: bytes) -> None:
    with running_app() as app:
        url = app.url
        threads = [
            threading.Thread(target=send, args=(url, path, name, data), daemon=True)
            for path, name, data in (
                ("/process_video", "c.mp4", clip),
                ("/gradio_api/upload", "p.jpg", photo),
                ("/process_image", "a.jpg", photo),
            )
        ]
        for thread in threads:
            thread.start()
        time.sleep(3)
        before = sorted(path for path in folder.rglob("*") if path.is_file())
        app.process.kill()  # kill -9
        app.process.wait()
    print(f"kill -9 with uploads in flight: {len(before)} files in the app's folder")
    with running_app():
        left = [path for path in before if path.exists()]
        print(f"after the restart, once /healthz answered: {len(left)} of them left on disk")


def send(url: str, path: str, name: str, data: bytes) -> None:
    field = "files" if path.endswith("upload") else "file"
    with contextlib.suppress(httpx.HTTPError):  # the server is killed under it
        httpx.post(f"{url}{path}", files={field: (name, data)}, timeout=60)


def forty_megapixels() -> bytes:
    photo = Image.open(ROOT / "assets" / "examples" / "group.jpg").convert("RGB").resize((7700, 5190))
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared" / "photos-dev")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--round", type=int, choices=[1, 2], help="only this round (default: both)")
    arguments = parser.parse_args()
    print(describe_machine())
    photos = load_photos(arguments.photos if arguments.photos.is_dir() else None, 200)
    with tempfile.TemporaryDirectory() as scratch:
        os.environ["EMOTION_TEMP_DIR"] = str(Path(scratch) / "app")
        clip_path = Path(scratch) / "clip.mp4"
        face = to_rgb_array(open_image(ROOT / "assets" / "examples" / "group.jpg"))
        write_clip(clip_path, panning_frames(face, seconds=20))
        clip, photo = clip_path.read_bytes(), (ROOT / "assets" / "examples" / "happy_baby.jpg").read_bytes()
        if arguments.round in (None, 1):
            with running_app() as app:
                photos_beside_clips(app.url, photo, clip)
                asyncio.run(attacks_under_load(app.url, photos, arguments.requests, arguments.concurrency))
                peak_memory(app.url, app.process.pid, forty_megapixels())
            crash_and_restart(Path(scratch) / "app", photo, clip)
        if arguments.round in (None, 2):
            with running_app() as app:
                for outcome in run_all(app, Path(scratch), Path(scratch) / "app"):
                    print(outcome.line(), flush=True)


if __name__ == "__main__":
    main()
