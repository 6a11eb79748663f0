#!/usr/bin/env bash
# The GPU recipe (python -m train distil-recipe) on a CUDA machine with JAX installed but not Keras, for example
# after `pip install "jax[cuda12]"` (docs/training.md, "Training on a GPU").
#
#   here:   bash train/distil_recipe.sh prepare    pack the data and download Keras' wheels into build/recipe/
#   there:  bash train/distil_recipe.sh run OUT    install the wheels, train, write summary.json and models to OUT
#                                                   (stops at once if JAX finds no GPU, unless RECIPE_ALLOW_CPU=1)
#           bash train/distil_recipe.sh run OUT2 --students-only --students "NAME=runs/recipe/NAME/best.keras"
#                                                   then, on the same machine: students alone, from that ensemble
# Any further options go to `python -m train distil-recipe` (its --help lists them).
set -euo pipefail
cd "$(dirname "$0")/.."
keras_version="$(sed -n 's/^keras==//p' requirements-train.txt)"

case "${1:-}" in
prepare)
    python -m train pack --data "${DATA:-../shared/fer2013}" --photos "${PHOTOS:-../shared/photos-dev}" \
        --out build/recipe/pack.npz
    # Keras and the two of its needs a JAX machine lacks (absl-py, h5py, ml-dtypes, rich, packaging come with
    # JAX), for the GPU machine's Python (RECIPE_PYTHON, 3.12 unless told).
    rm -rf build/recipe/wheels
    python -m pip download --quiet --no-deps --only-binary=:all: --python-version "${RECIPE_PYTHON:-3.12}" \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 -d build/recipe/wheels "keras==$keras_version" namex optree
    du -sh build/recipe/pack.npz build/recipe/wheels
    ;;
run)
    results="${2:?usage: train/distil_recipe.sh run OUT}"
    # Fail in seconds, not after minutes of training on the CPU, when JAX finds no GPU (RECIPE_ALLOW_CPU=1: a
    # dry run on purpose).
    if [ -z "${RECIPE_ALLOW_CPU:-}" ]; then
        python3 -c 'import sys, jax; backend = jax.default_backend(); sys.exit(0 if backend == "gpu" else
            f"JAX finds no GPU (its backend is {backend}): the recipe would train on the CPU; set RECIPE_ALLOW_CPU=1 for that")'
    fi
    mkdir -p "$results"
    site="$(mktemp -d)"
    python3 -m pip install --quiet --no-index --no-deps --no-compile --no-cache-dir --upgrade --target "$site" \
        build/recipe/wheels/*.whl
    # JAX would take 75% of the GPU at its first use; the recipe runs several training processes on it.
    export PYTHONPATH="$site:$PWD" KERAS_BACKEND=jax PYTHONUNBUFFERED=1 XLA_PYTHON_CLIENT_PREALLOCATE=false
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
      python3 -m train distil-recipe --pack build/recipe/pack.npz --out "$results" "${@:3}"; } 2>&1 |
        tee "$results/recipe.log" || status=$?
    if [ -n "$sampler" ]; then
        kill "$sampler" || true
        { echo "GPU every 5 s: timestamp, utilisation, memory used"; cat "$gpu_samples"; } >>"$results/recipe.log"
    fi
    rm -rf "$gpu_samples" "$site"
    exit "$status"
    ;;
*)
    echo "usage: train/distil_recipe.sh prepare | run OUT [python -m train distil-recipe options]" >&2
    exit 2
    ;;
esac
