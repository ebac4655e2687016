#!/usr/bin/env bash
# How long `ecr-share audit --output json` takes to read every repository's policy,
# against a plain sequential boto3 script making the same reads
# (benches/audit_sequential.py), at 100, 500 and 1,000 repositories, half of them
# with a policy. Both go through benches/latency_proxy.py, which adds 50 ms to every
# request in front of the local AWS emulator (moto), as a distant endpoint would.
# Also reports the peak memory (maximum resident set) of ecr-share, from
# /usr/bin/time -v, and checks that both found the same repositories and policies.
#
# Usage: benches/audit_at_scale.sh
#   SIZES="100 500 1000"  repository counts to measure at (ascending)
#   DELAY_MS=50           delay the proxy adds to every request
#   ROUNDS=1              runs of each tool per size (each run is reported)
#   ECR_SHARE_BINARY=path another build (default target/release/ecr-share,
#                         built here when missing)
# Not part of the test suite. Needs /usr/bin/time and curl; moto and boto3 come from
# .venv-moto (installed as scripts/test.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-moto
moto_version=5.2.5
python=${PYTHON:-python3}
sizes=${SIZES:-100 500 1000}
delay_ms=${DELAY_MS:-50}
rounds=${ROUNDS:-1}
binary=${ECR_SHARE_BINARY:-target/release/ecr-share}

[ -x /usr/bin/time ] || { echo "/usr/bin/time is needed (package: time)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }
if [ ! -x "$venv/bin/moto_server" ]; then
  echo "installing moto $moto_version into $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version"
fi
if [ ! -x "$binary" ]; then
  echo "building $binary" >&2
  cargo build --release
fi

free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

work=$(mktemp -d)
moto_port=$(free_port)
proxy_port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" > "$work/moto-server.log" 2>&1 &
moto_pid=$!
"$venv/bin/python" benches/latency_proxy.py --upstream "http://127.0.0.1:$moto_port" \
  --port "$proxy_port" --delay "$delay_ms" > "$work/proxy.log" 2>&1 &
proxy_pid=$!
cleanup() {
  kill "$moto_pid" "$proxy_pid" 2>/dev/null || true
  wait "$moto_pid" "$proxy_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

emulator="http://127.0.0.1:$moto_port"
proxy="http://127.0.0.1:$proxy_port"
for _ in $(seq 300); do
  if curl -s -o /dev/null "$emulator/moto-api/" && curl -s -o /dev/null "$proxy/moto-api/"; then break; fi
  sleep 0.1
done
curl -s -X POST "$emulator/moto-api/reset" > /dev/null

# Only the emulator's plain keys (account 123456789012); nothing of the caller's AWS
# setup.
for name in $(env | grep -o '^AWS_[A-Z_]*' || true); do unset "$name"; done
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_DEFAULT_REGION=us-east-1
export AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
export AWS_CONFIG_FILE=$work/no-config
export AWS_SHARED_CREDENTIALS_FILE=$work/no-credentials

# Creates repositories audit-0000 ... up to $1 (those not there yet), straight on the
# emulator (not timed); every second one gets a policy, four kinds in turn.
grow_to() {
  "$venv/bin/python" - "$emulator" "$1" <<'PY'
import json, sys
import boto3
endpoint, wanted = sys.argv[1], int(sys.argv[2])
ecr = boto3.client("ecr", endpoint_url=endpoint)
pull = ["ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage", "ecr:BatchCheckLayerAvailability"]
kinds = [
    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": pull},
    {"Sid": "Org", "Effect": "Allow", "Principal": "*", "Action": pull,
     "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}},
    {"Sid": "AllowLambdaPull", "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
     "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
     "Condition": {"StringLike": {"aws:sourceARN": "arn:aws:lambda:us-east-1:222222222222:function:*"}}},
    {"Sid": "Open", "Effect": "Allow", "Principal": "*", "Action": pull},
]
have = set()
for page in ecr.get_paginator("describe_repositories").paginate():
    have.update(r["repositoryName"] for r in page["repositories"])
for i in range(wanted):
    name = f"audit-{i:04d}"
    if name in have:
        continue
    ecr.create_repository(repositoryName=name)
    if i % 2 == 0:
        statement = kinds[(i // 2) % len(kinds)]
        policy = {"Version": "2012-10-17", "Statement": [statement]}
        ecr.set_repository_policy(repositoryName=name, policyText=json.dumps(policy))
PY
}

seconds_since() {
  "$venv/bin/python" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$EPOCHREALTIME"
}

echo "ecr-share audit against a sequential boto3 script; every request +${delay_ms} ms through a proxy in front of moto"
echo "binary: $binary ($("$binary" --version)); $(nproc) cores; default --concurrency (16)"
echo
echo "repositories  round  ecr-share audit  boto3 script  speed-up  ecr-share peak memory  ecr-share CPU time"
for size in $sizes; do
  grow_to "$size"
  for round in $(seq "$rounds"); do
    start=$EPOCHREALTIME
    AWS_ENDPOINT_URL=$proxy /usr/bin/time -v -o "$work/time.txt" \
      "$binary" audit --output json > "$work/audit.json"
    ours=$(seconds_since "$start")
    peak_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
    cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u + s}' "$work/time.txt")

    start=$EPOCHREALTIME
    AWS_ENDPOINT_URL=$proxy "$venv/bin/python" benches/audit_sequential.py > "$work/script.json"
    theirs=$(seconds_since "$start")

    # Both must have seen the same repositories and policies.
    "$venv/bin/python" - "$work/audit.json" "$work/script.json" "$size" <<'PY'
import json, sys
audit = json.load(open(sys.argv[1]))
script = json.load(open(sys.argv[2]))
size = int(sys.argv[3])
with_policy = sum(1 for r in audit if r["status"] == "policy")
assert len(audit) == size == script["repositories"], (len(audit), size, script)
assert with_policy == script["with_policy"] == (size + 1) // 2, (with_policy, script)
assert all(r["status"] in ("policy", "no_policy") for r in audit)
PY
    speedup=$("$venv/bin/python" -c "import sys; print(f'{float(sys.argv[2]) / float(sys.argv[1]):.1f}')" "$ours" "$theirs")
    peak_mb=$("$venv/bin/python" -c "import sys; print(f'{int(sys.argv[1]) / 1024:.1f}')" "$peak_kb")
    printf '%-13s %-6s %-16s %-13s %-9s %-22s %s\n' "$size" "$round" "${ours} s" "${theirs} s" "${speedup}x" "${peak_mb} MB" "${cpu} s"
  done
done
