"""Descriptors and logs a flood cannot exhaust (the soft limit raised, 503 near it, refusals rate-limited, a
failure in one line), and who a client is on a Space."""

import asyncio
import logging
import os
import resource
import subprocess
import sys

import pytest

from emotion.app.clients import trust_the_spaces_proxy
from emotion.app.guard import Guard
from emotion.app.headroom import Descriptors
from emotion.app.requestlog import RateLimit, refusals
from tests.helpers import ROOT


def test_the_soft_descriptor_limit_is_raised_to_the_hard_one():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard <= 256:
        pytest.skip("no finite hard limit above 256 to raise to")
    script = (
        "import resource; from emotion.app.headroom import raise_descriptor_limit;"
        f"resource.setrlimit(resource.RLIMIT_NOFILE, (256, {hard})); print(raise_descriptor_limit())"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT)
    assert int(result.stdout) == hard


def test_new_requests_get_a_503_with_retry_after_near_the_descriptor_limit():
    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    guard, answers = Guard(app), []

    async def send(message):
        if message["type"] == "http.response.start":
            answers.append((message["status"], dict(message["headers"])))

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "GET", "path": "/healthz", "headers": []}
    asyncio.run(guard(scope, receive, send))
    guard.descriptors = Descriptors(headroom=0.0)  # any open descriptor is "near the limit"
    asyncio.run(guard(scope, receive, send))
    assert answers[0][0] == 200
    assert answers[1][0] == 503 and answers[1][1][b"retry-after"] == b"5"


def test_a_flood_of_lines_is_cut_to_a_few_and_the_next_window_says_how_many_were_held_back(monkeypatch):
    now = [0.0]
    monkeypatch.setattr("emotion.app.requestlog.time.monotonic", lambda: now[0])
    limit, records = RateLimit(lines=5, seconds=10), []
    logger = logging.getLogger("test.flood")
    logger.addFilter(limit)
    logger.addHandler(handler := logging.Handler())
    handler.emit = records.append
    logger.setLevel(logging.INFO)
    try:
        for _ in range(1000):
            logger.info("accept() out of system resource")
        now[0] = 11.0
        logger.info("accept() out of system resource")
    finally:
        logger.removeHandler(handler)
        logger.removeFilter(limit)
    assert len(records) == 6
    assert records[-1].getMessage() == "accept() out of system resource (995 more held back)"


def test_a_request_the_app_fails_on_is_a_500_and_one_line_without_a_traceback(caplog, monkeypatch):
    limit = next(kept for kept in refusals.filters if isinstance(kept, RateLimit))
    monkeypatch.setattr(limit, "window_start", float("-inf"))  # a window of its own: earlier tests' lines
    monkeypatch.setattr(limit, "held", 0)

    async def failing(scope, receive, send):
        raise RuntimeError("Gradio failed on this request")

    answers = []

    async def send(message):
        if message["type"] == "http.response.start":
            answers.append(message["status"])

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": "GET", "path": "/gradio_api/anything", "headers": []}
    with caplog.at_level(logging.INFO, logger="emotion.refusals"):
        asyncio.run(Guard(failing)(scope, receive, send))
    assert answers == [500]
    [line] = [record for record in caplog.records if record.name == "emotion.refusals"]
    assert "RuntimeError at test_headroom.py:" in line.getMessage() and line.exc_info is None


def test_on_a_space_the_hubs_forwarded_address_is_the_clients_unless_the_operator_says_otherwise(monkeypatch):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    monkeypatch.delenv("SPACE_ID", raising=False)
    trust_the_spaces_proxy()
    assert "FORWARDED_ALLOW_IPS" not in os.environ  # elsewhere: uvicorn's default, loopback
    monkeypatch.setenv("SPACE_ID", "someone/emotion")
    trust_the_spaces_proxy()
    assert os.environ["FORWARDED_ALLOW_IPS"] == "*"
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.1")
    trust_the_spaces_proxy()
    assert os.environ["FORWARDED_ALLOW_IPS"] == "10.0.0.1"
