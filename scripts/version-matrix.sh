#!/usr/bin/env bash
# The SDK and provider version matrix: the usual-style corpus under the oldest and the newest
# `pulumi` preflight supports and under one `pulumi-aws` of each major.
#
#   pulumi-3.86-aws-5    pulumi 3.86.0,  pulumi-aws 5.43.0 (latest 5)  from tests/fixtures/usual/pinned-pulumi-3-86-aws-5
#   pulumi-3.165-aws-6   pulumi 3.165.0, pulumi-aws 6.83.4 (latest 6)  from tests/fixtures/usual/pinned-pulumi-3-165-aws-6
#   dev                  newest pulumi, pulumi-aws 7.51.1: the dev virtualenv (.venv, `make venv`)
#
# Each environment is what a user has activated: the programs name no `virtualenv`, so preflight
# must run them with `python3` from PATH, as the Pulumi CLI does. The environments are built from
# the pinned programs' own requirements.txt, once, under .cache/matrix/<name>/ (rebuilt when that
# file changes); the install time of each build is printed. preflight itself and the policy pack
# run from their usual virtualenvs; tests/preflight/test_version_matrix.py asserts each program's
# expected.json verdicts under every environment its `environments` list names.
set -euo pipefail
cd "$(dirname "$0")/.."

MATRIX_DIR=.cache/matrix
CORPUS=tests/fixtures/usual
PYTHON=${PYTHON:-python3}
mkdir -p "$MATRIX_DIR"

build() {  # build NAME REQUIREMENTS_FILE
    local name=$1 requirements=$2 venv="$MATRIX_DIR/$1"
    local wanted
    wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements-sha256" 2>/dev/null)" = "$wanted" ]; then
        echo "matrix: $name cached ($(cat "$venv/.install-seconds")s when built) — $(pins "$venv")"
        return
    fi
    rm -rf "$venv"
    local started=$SECONDS
    "$PYTHON" -m venv "$venv"
    # --no-compile: byte-compiling every module of pulumi-aws takes most of the install (107 s
    # against 29 s here) and these environments import only a small part of it.
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-compile -r "$requirements"
    echo $((SECONDS - started)) >"$venv/.install-seconds"
    echo "$wanted" >"$venv/.requirements-sha256"
    echo "matrix: built $name in $(cat "$venv/.install-seconds")s — $(pins "$venv")"
}

pins() {
    "$1/bin/python" -m pip list --disable-pip-version-check --format=freeze 2>/dev/null \
        | grep -iE '^(pulumi|pulumi[-_]aws)==' | tr '\n' ' '
}

build pulumi-3.86-aws-5 "$CORPUS/pinned-pulumi-3-86-aws-5/requirements.txt"
build pulumi-3.165-aws-6 "$CORPUS/pinned-pulumi-3-165-aws-6/requirements.txt"
[ -x .venv/bin/python ] || { echo "matrix: .venv is missing; run make venv" >&2; exit 2; }
echo "matrix: dev is .venv — $(pins .venv)"

# The environments are installed --no-compile, so the modules a program imports are compiled when
# first imported. Their bytecode is kept under .cache (not beside the sources, not in the tree), so
# that happens once, not in every run, even where PYTHONDONTWRITEBYTECODE is set.
export PYTHONPYCACHEPREFIX="$PWD/$MATRIX_DIR/pycache"
unset PYTHONDONTWRITEBYTECODE

environments="pulumi-3.86-aws-5=$PWD/$MATRIX_DIR/pulumi-3.86-aws-5"
environments+=",pulumi-3.165-aws-6=$PWD/$MATRIX_DIR/pulumi-3.165-aws-6"
environments+=",dev=$PWD/.venv"
USUAL_MATRIX="$environments" .venv/bin/pytest tests/preflight/test_version_matrix.py -q -p no:cacheprovider "$@"
