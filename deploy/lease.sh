#!/usr/bin/env bash
# The lease recipe (python -m train lease) on a GPU machine that has JAX but no Keras, such as a lent device
# (../shared/notes/gpu-lease.md) or any CUDA machine with `pip install "jax[cuda12]"`.
#
#   here:   bash deploy/lease.sh prepare      pack the data and download Keras' wheels into lease/ (git ignores it)
#   there:  bash deploy/lease.sh run OUT      install the wheels, train, write summary.json and models to OUT
#                                             (stops at once if JAX finds no GPU, unless LEASE_ALLOW_CPU=1)
#           bash deploy/lease.sh run OUT2 --students-only --students "NAME=runs/lease/NAME/best.keras" --minutes M
#                                             then, on the same machine: one student continued, from that ensemble
#
# With the device tool: run "bash deploy/lease.sh run $OUT" with carry ["lease"]; what comes back lies under
# OUT (at most 8 files). Then, here: python -m train evaluate --data ../shared/fer2013 --photos
# ../shared/photos-dev --model OUT/student/model.keras (and OUT/wide/model.keras), and bench.compare.
set -euo pipefail
cd "$(dirname "$0")/.."
keras_version="$(sed -n 's/^keras==//p' requirements.txt)"

case "${1:-}" in
prepare)
    python -m train pack --data "${DATA:-../shared/fer2013}" --photos "${PHOTOS:-../shared/photos-dev}" \
        --out lease/pack.npz
    # Keras and the two of its needs a JAX machine lacks (absl-py, h5py, ml-dtypes, rich, packaging are there),
    # for the device's Python (3.12 on the lent machines; LEASE_PYTHON=3.11 etc. for another).
    rm -rf lease/wheels
    python -m pip download --quiet --no-deps --only-binary=:all: --python-version "${LEASE_PYTHON:-3.12}" \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d lease/wheels "keras==$keras_version" namex optree
    du -sh lease/pack.npz lease/wheels
    ;;
run)
    out="${2:?usage: deploy/lease.sh run OUT}"
    # Fail in seconds, not after minutes of training on the CPU, when JAX finds no GPU (LEASE_ALLOW_CPU=1: a
    # dry run on purpose).
    if [ -z "${LEASE_ALLOW_CPU:-}" ]; then
        python3 -c 'import sys, jax; backend = jax.default_backend(); sys.exit(0 if backend == "gpu" else
            f"JAX finds no GPU (its backend is {backend}): the recipe would train on the CPU; set LEASE_ALLOW_CPU=1 for that")'
    fi
    mkdir -p "$out"
    python3 -m pip install --quiet --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site \
        lease/wheels/*.whl
    # JAX would take 75% of the GPU at its first use; the recipe runs several training processes on it.
    export PYTHONPATH="/tmp/site:$PWD" KERAS_BACKEND=jax PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
    # How busy the GPU was every 5 s (the share of the time a kernel ran), added to the end of the log: beside the
    # start time and summary.json's stage seconds, it says which stages the GPU held back and which it did not.
    gpu_samples="$(mktemp)"
    sampler=""
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,memory.total --format=csv,noheader
        nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader -l 5 >"$gpu_samples" &
        sampler=$!
    fi
    status=0
    { echo "recipe started $(date '+%Y/%m/%d %H:%M:%S')"
      python3 -m train lease --pack lease/pack.npz --out "$out" "${@:3}"; } 2>&1 | tee "$out/lease.log" || status=$?
    if [ -n "$sampler" ]; then
        kill "$sampler" || true
        { echo "GPU every 5 s: timestamp, utilisation, memory used"; cat "$gpu_samples"; } >>"$out/lease.log"
    fi
    rm -f "$gpu_samples"
    exit "$status"
    ;;
*)
    echo "usage: deploy/lease.sh prepare | run OUT [python -m train lease options]" >&2
    exit 2
    ;;
esac
