"""Helpers shared by the tests, the benchmarks, the docs' screenshots and the deploy check: the app on a free
loopback port, a Chromium page, generated clips and images, the machine a timing ran on."""
