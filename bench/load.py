"""Load test of POST /process_image against the real app (`python app.py`) on loopback.

    python -m bench.load [--photos ../shared/photos-dev] [--requests 1000] [--concurrency 16]

Starts the app in a child process, warms it up, then fires the requests with at most `concurrency` in
flight, cycling through real photos (the project's example images when the folder is absent). Prints
requests/s, latency percentiles, every non-200 answer by status, and the server's resident memory after
warm-up, after the run and after a second, identical run (growth between the two runs would be a leak).
"""

import argparse
import asyncio
import time
from collections import Counter
from pathlib import Path

import httpx
import numpy as np

from harness.server import ROOT, running_app
from train.data import PHOTO_SUFFIXES

WARM_UP_REQUESTS = 50


def load_photos(folder: Path | None, count: int) -> list[bytes]:
    paths = sorted(p for p in folder.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES) if folder else []
    if not paths:
        paths = sorted((ROOT / "assets" / "examples").glob("*.jpg"))
    step = max(len(paths) // count, 1)
    return [path.read_bytes() for path in paths[::step][:count]]


async def fire(url: str, photos: list[bytes], requests: int, concurrency: int) -> tuple[list[float], Counter, float]:
    """Latencies (ms) of the 200 answers, a count of every status, and the wall time (s)."""
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    statuses: Counter = Counter()

    async def one(client: httpx.AsyncClient, index: int) -> None:
        async with limit:
            started = time.perf_counter()
            try:
                response = await client.post(
                    f"{url}/process_image", files={"file": ("photo.jpg", photos[index % len(photos)])}
                )
                status = response.status_code
            except httpx.HTTPError as problem:
                status = type(problem).__name__
            statuses[status] += 1
            if status in (200, 422):  # 422 = a real photo where no face was found: a correct answer
                latencies.append((time.perf_counter() - started) * 1000)

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(one(client, index) for index in range(requests)))
        return latencies, statuses, time.perf_counter() - started


def report(name: str, latencies: list[float], statuses: Counter, seconds: float) -> None:
    answered = sum(statuses.values())
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99]) if latencies else (float("nan"),) * 3
    errors = {status: count for status, count in statuses.items() if status not in (200, 422)}
    print(
        f"{name}: {answered} requests in {seconds:.1f} s = {answered / seconds:.1f} req/s; "
        f"latency p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms; "
        f"200: {statuses[200]}, 422 (no face): {statuses[422]}, errors: {errors or 0}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared" / "photos-dev")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--distinct-photos", type=int, default=200)
    arguments = parser.parse_args()
    photos = load_photos(arguments.photos if arguments.photos.is_dir() else None, arguments.distinct_photos)
    print(f"{len(photos)} distinct photos, {np.mean([len(p) for p in photos]) / 1024:.0f} KB on average")
    with running_app() as app:
        print(f"server memory at start: {app.resident_mb():.0f} MB")
        asyncio.run(fire(app.url, photos, WARM_UP_REQUESTS, arguments.concurrency))
        print(f"server memory after {WARM_UP_REQUESTS} warm-up requests: {app.resident_mb():.0f} MB")
        for run in (1, 2):
            report(f"run {run}", *asyncio.run(fire(app.url, photos, arguments.requests, arguments.concurrency)))
            print(f"server memory after run {run}: {app.resident_mb():.0f} MB")
        healthy = httpx.get(f"{app.url}/healthz", timeout=10).status_code == 200
        print(f"/healthz after the load: {'200 ok' if healthy else 'FAILED'}")


if __name__ == "__main__":
    main()
