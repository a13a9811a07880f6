#!/usr/bin/env bash
# Build the example catalogue of this repository (sitegen.toml + content/) into output/:
#   bash scripts/build-example.sh [sitegen build options, e.g. --now 2026-11-27]
# Creates .venv and installs sitegen into it (editable) the first time; safe to run again.
# Open output/index.html in a browser afterwards (works from file:// too).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

stamp=.venv/.sitegen-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if ! { [ -x .venv/bin/sitegen ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
        && .venv/bin/python -c 'import sitegen' >/dev/null 2>&1; }; then
    echo "==> create .venv and pip install -e ."
    if ! .venv/bin/python -c '' >/dev/null 2>&1; then
        rm -rf .venv  # absent, half-made, or made by a Python that is gone
        if ! python3 -m venv .venv; then
            rm -rf .venv
            if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
                export DEBIAN_FRONTEND=noninteractive
                apt-get update -q
                apt-get install -y -q --no-install-recommends python3-venv
            else
                echo "error: python3 cannot make a venv; run: sudo apt-get install python3-venv" >&2
                exit 1
            fi
            python3 -m venv .venv
        fi
    fi
    .venv/bin/python -m pip install -q -e .
    echo "$want" >"$stamp"
fi

echo "==> sitegen build . $*"
exec .venv/bin/sitegen build . "$@"
