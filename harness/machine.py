"""What a timing was measured on: every benchmark prints this beside its figures."""

import os
from pathlib import Path


def cpu_flags() -> str:
    """The vector instructions that decide these timings (the same code runs 2-3x slower without AVX-512)."""
    path = Path("/proc/cpuinfo")
    if not path.is_file():
        return "CPU flags unknown"
    flags = next(
        (line.split(":", 1)[1].split() for line in path.read_text().splitlines() if line.startswith("flags")), []
    )
    shown = [flag for flag in ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile") if flag in flags]
    return f"CPU flags: {' '.join(shown) or 'no AVX2'}"


def describe_machine() -> str:
    return f"{os.cpu_count()} CPU cores, {cpu_flags()}"
