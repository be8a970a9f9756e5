#!/usr/bin/env bash
# Idempotent set-up for greenloop on Debian 12: system packages, Python venv, npm packages.
# Safe to run again and again: each step only does work when something is missing or changed.
#
#   GREENLOOP_SKIP_APT=1   do not check/install Debian packages (you manage them yourself)
#   PYTHON=python3.12      interpreter used to create .venv (default: python3, needs >= 3.11)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

START_SECONDS=$SECONDS
log() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: ERROR: %s\n' "$*" >&2; exit 1; }

# One set-up at a time per checkout (run.sh and test.sh may be started together).
if command -v flock >/dev/null 2>&1; then
    LOCK_FILE="${TMPDIR:-/tmp}/greenloop-setup-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1).lock"
    exec 9>"$LOCK_FILE"
    flock 9
fi

run_logged() {
    # run_logged LOG CMD...: append CMD's output to LOG; on failure show the end of LOG and stop
    local log_file="$1"; shift
    printf '\n$ %s\n' "$*" >>"$log_file"
    if ! "$@" >>"$log_file" 2>&1; then
        tail -n 40 "$log_file" >&2
        die "failed: $* (full log: $log_file)"
    fi
}

hash_files() {
    # sha256 over the given files' names and contents (missing files hash as empty)
    local f
    for f in "$@"; do
        printf '== %s\n' "$f"
        if [ -f "$f" ]; then cat "$f"; fi
    done | sha256sum | cut -d' ' -f1
}

# ---------------------------------------------------------------------------
# 1. Debian packages
# ---------------------------------------------------------------------------
APT_PACKAGES=(fonts-noto-cjk libharfbuzz-subset0 poppler-utils chromium chromium-driver redis-server)
# Node.js/npm serve the BPMN/DMN editors (bpmn-js, dmn-js), htmx and the map (Leaflet); Debian's own if none is present.
if ! command -v npm >/dev/null 2>&1; then
    APT_PACKAGES+=(nodejs npm)
fi

if [ "${GREENLOOP_SKIP_APT:-0}" = "1" ]; then
    log "system packages: skipped (GREENLOOP_SKIP_APT=1)"
elif ! command -v dpkg-query >/dev/null 2>&1; then
    log "system packages: dpkg-query not found (not Debian?); make sure these are installed: ${APT_PACKAGES[*]}"
else
    missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
        if [ "$status" != "install ok installed" ]; then
            missing+=("$pkg")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        log "system packages: all present"
    else
        SUDO=()
        if [ "$(id -u)" -ne 0 ]; then
            if command -v sudo >/dev/null 2>&1; then
                SUDO=(sudo)
            else
                die "missing Debian packages: ${missing[*]}
       Not root and no sudo: install them as root with
         apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
       (or set GREENLOOP_SKIP_APT=1 to continue without them)."
            fi
        fi
        log "system packages: installing ${missing[*]} (apt-get; takes a minute or two)"
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            --no-install-recommends "${missing[@]}" >/dev/null
        log "system packages: installed"
    fi
fi

# ---------------------------------------------------------------------------
# 2. Python virtual environment + greenloop (editable) with test extras
# ---------------------------------------------------------------------------
PYTHON="${PYTHON:-python3}"
VENV="$ROOT/.venv"
if [ ! -x "$VENV/bin/python" ]; then
    command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python >= 3.11 (apt-get install python3 python3-venv)"
    "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
        || die "$PYTHON is $("$PYTHON" -V 2>&1); greenloop needs Python >= 3.11"
    log "python: creating .venv with $("$PYTHON" -V 2>&1)"
    "$PYTHON" -m venv "$VENV" || die "python3 -m venv failed (on Debian: apt-get install python3-venv)"
fi

# The editable install maps the top-level packages that exist when it runs, so the set of
# packages is part of the fingerprint: a new top-level package triggers a re-install.
top_level_packages() {
    local d
    for d in engine webapp forms documents workflows bench; do
        if [ -f "$d/__init__.py" ]; then printf '%s\n' "$d"; fi
    done
}
PY_STAMP="$VENV/.greenloop-installed"
PY_HASH="$(
    {
        hash_files pyproject.toml setup.cfg setup.py
        "$VENV/bin/python" -V 2>&1
        top_level_packages
    } | sha256sum | cut -d' ' -f1
)"
if [ -f "$PY_STAMP" ] && [ "$(cat "$PY_STAMP")" = "$PY_HASH" ] && [ -x "$VENV/bin/greenloop" ]; then
    log "python: .venv up to date"
else
    # pip's and setuptools' chatter goes to a log, shown only when something fails
    PIP_LOG="$VENV/.greenloop-pip.log"
    rm -f "$PY_STAMP"
    : >"$PIP_LOG"
    log "python: upgrading pip"
    run_logged "$PIP_LOG" "$VENV/bin/python" -m pip install --upgrade pip
    log "python: pip install -e '.[test]' (log: .venv/.greenloop-pip.log)"
    run_logged "$PIP_LOG" "$VENV/bin/python" -m pip install -e '.[test]'
    printf '%s\n' "$PY_HASH" >"$PY_STAMP"
    log "python: installed"
fi

# ---------------------------------------------------------------------------
# 3. Translation catalogues: webapp/translations/*/LC_MESSAGES/messages.po -> messages.mo
# ---------------------------------------------------------------------------
# The app only reads the compiled .mo files (not tracked in git); compile when one is missing or
# older than its .po. --use-fuzzy: scripts/i18n.sh writes the catalogue without a header, which
# Babel takes as "the whole catalogue is fuzzy" and would skip; no single message is ever fuzzy
# (i18n.sh updates with --no-fuzzy-matching, and tests/web/test_i18n.py checks it).
catalogs_stale=0
for po in webapp/translations/*/LC_MESSAGES/messages.po; do
    [ -f "$po" ] || continue
    mo="${po%.po}.mo"
    if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
        catalogs_stale=1
    fi
done
if [ "$catalogs_stale" = 1 ]; then
    log "translations: compiling catalogues"
    "$VENV/bin/pybabel" -q compile --use-fuzzy -d webapp/translations \
        || die "pybabel compile failed (errors above; fix them in the .po file)"
else
    log "translations: compiled catalogues up to date"
fi

# ---------------------------------------------------------------------------
# 4. npm packages (bpmn-js, dmn-js, htmx.org, leaflet and leaflet.markercluster) served by the web app from node_modules
# ---------------------------------------------------------------------------
if [ -f package.json ]; then
    if ! command -v npm >/dev/null 2>&1; then
        die "npm not found; install Node.js and npm (apt-get install nodejs npm)"
    fi
    NPM_STAMP="node_modules/.greenloop-installed"
    NPM_HASH="$(hash_files package.json package-lock.json)"
    if [ -d node_modules ] && [ -f "$NPM_STAMP" ] && [ "$(cat "$NPM_STAMP")" = "$NPM_HASH" ]; then
        log "npm: node_modules up to date"
    else
        log "npm: npm install"
        npm install --no-audit --no-fund --loglevel=error
        # hash again: npm install may have written package-lock.json
        hash_files package.json package-lock.json >"$NPM_STAMP"
        log "npm: installed"
    fi
fi

# Browsers come from Debian (/usr/bin/chromium); never `playwright install`.
log "done in $((SECONDS - START_SECONDS)) s"
