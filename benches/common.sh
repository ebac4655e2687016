# shellcheck shell=bash
# shellcheck disable=SC2034  # the settings are for the scripts that source this file
# What the benchmarks against the local AWS emulator share; sourced by
# curated_vs_cli.sh and lifecycle_vs_cli.sh, after `set -euo pipefail`.
#
# Sourcing it moves to the repository's root, checks for the aws CLI (the one on the
# PATH, else the pinned one scripts/test.sh installs into .venv-moto) and curl,
# builds target/release/ecr-share when missing, and starts on free ports of
# 127.0.0.1, stopped again on exit:
# - the emulator (moto in server mode, from .venv-moto as scripts/test.sh installs
#   it), plus the one IAM call teardown makes that moto does not serve,
#   iam:ListServiceSpecificCredentials, answered as IAM does for a user without
#   such credentials;
# - a local HTTP server for the verification's manifest request, which answers 404
#   (read as "the registry let the role in"), so nothing goes to the internet.
# Nothing of the caller's AWS setup is used: only the emulator and the profiles
# written by reset_accounts.

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

venv=.venv-moto
moto_version=5.2.5
awscli_version=1.46.3
python=${PYTHON:-python3}
rounds=${ROUNDS:-1}
binary=${ECR_SHARE_BINARY:-target/release/ecr-share}

if [ ! -x "$venv/bin/moto_server" ]; then
  echo "installing moto $moto_version into $venv" >&2
  "$python" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version"
fi
if aws --version > /dev/null 2>&1; then
  aws_cli=$(command -v aws)
else
  if [ ! -x "$venv/bin/aws" ]; then
    echo "installing the aws CLI $awscli_version into $venv" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check "awscli==$awscli_version"
  fi
  aws_cli=$PWD/$venv/bin/aws
fi
aws() { "$aws_cli" "$@"; }
command -v curl > /dev/null || { echo "curl is needed" >&2; exit 1; }
if [ ! -x "$binary" ]; then
  echo "building $binary" >&2
  cargo build --release
fi

free_port() {
  "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

work=$(mktemp -d)
moto_port=$(free_port)
registry_port=$(free_port)
# Every request the emulator serves is one line of its log: requests_served counts them.
moto_log=$work/moto-server.log
"$venv/bin/python" - -H 127.0.0.1 -p "$moto_port" > "$moto_log" 2>&1 <<'PY' &
import sys

from moto.core.responses import ActionResult
from moto.iam.responses import IamResponse
from moto.server import main


def list_service_specific_credentials(self):
    self.backend.get_user(self._get_param("UserName"))  # NoSuchEntity, as IAM says
    return ActionResult({"ServiceSpecificCredentials": [], "IsTruncated": False})


IamResponse.list_service_specific_credentials = list_service_specific_credentials
main(sys.argv[1:])
PY
moto_pid=$!
mkdir "$work/registry"
"$python" -m http.server --bind 127.0.0.1 --directory "$work/registry" "$registry_port" > "$work/registry.log" 2>&1 &
registry_pid=$!
cleanup() {
  kill "$moto_pid" "$registry_pid" 2>/dev/null || true
  wait "$moto_pid" "$registry_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

endpoint="http://127.0.0.1:$moto_port"
registry_url="http://127.0.0.1:$registry_port"
for _ in $(seq 300); do
  if curl -s -o /dev/null "$endpoint/moto-api/" && curl -s -o /dev/null "$registry_url/"; then break; fi
  sleep 0.1
done

for name in $(env | grep -o '^AWS_[A-Z_]*' || true); do unset "$name"; done
export AWS_ENDPOINT_URL=$endpoint
export AWS_CONFIG_FILE=$work/config
export AWS_SHARED_CREDENTIALS_FILE=$work/credentials
export AWS_EC2_METADATA_DISABLED=true

region=us-east-1
subscription=e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964
source_account=123456789012
destination_account=999999999999
role_arn="arn:aws:iam::$source_account:role/curated-packages-role"
user=curated-packages-user
src=(--profile source --region "$region")
dst=(--profile destination --region "$region")

# Empties the emulator and writes the profiles: `source` acts as 123456789012,
# `destination` as 999999999999 (keys from assuming a role there, issued anew after
# every reset).
reset_accounts() {
  curl -s -X POST "$endpoint/moto-api/reset" > /dev/null
  printf '[profile source]\nregion = %s\n\n[profile destination]\nregion = %s\n' "$region" "$region" > "$AWS_CONFIG_FILE"
  local keys key secret token
  keys=$(AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=$region \
    aws sts assume-role --role-arn "arn:aws:iam::$destination_account:role/benchmark" \
    --role-session-name benchmark --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
  read -r key secret token <<< "$keys"
  printf '[source]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n[destination]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n' \
    "$key" "$secret" "$token" > "$AWS_SHARED_CREDENTIALS_FILE"
  rm -f "$work"/out-*
}

# The whole procedure with ecr-share, writing $work/out-config and $work/out-secret.yaml.
ecr_share_curated() {
  "$binary" --region "$region" curated \
    --source-profile source --destination-profile destination \
    --subscription-id "$subscription" \
    --config-out "$work/out-config" --secret-out "$work/out-secret.yaml" \
    --registry-url "$registry_url" --yes > "$work/ecr-share.log"
}

# What an aws CLI script writes for the key KEY_ID with SECRET, as the procedure
# does: the config file and the Secret manifest, both private.
write_config_files() {
  (
    umask 077
    printf '[default]\nsource_profile=%s\nrole_arn=%s\nregion=%s\n\n[profile %s]\naws_access_key_id=%s\naws_secret_access_key=%s\n' \
      "$user" "$role_arn" "$region" "$user" "$1" "$2" > "$work/out-config"
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws-secret\n  namespace: eksa-packages\ntype: Opaque\ndata:\n  AWS_ACCESS_KEY_ID: ""\n  AWS_SECRET_ACCESS_KEY: ""\n  REGION: ""\n  config: %s\n' \
      "$(base64 -w0 < "$work/out-config")" > "$work/out-secret.yaml"
  )
}

# The verification of step 8 with the key KEY_ID and SECRET, one aws command per
# call: assume the role, log in to ECR, ask the registry for the manifest.
verify_with_cli() {
  local role
  role=$(AWS_ACCESS_KEY_ID=$1 AWS_SECRET_ACCESS_KEY=$2 \
    aws --region "$region" sts assume-role --role-arn "$role_arn" --role-session-name ecr-share-verify \
    --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
  local role_key role_secret role_token
  read -r role_key role_secret role_token <<< "$role"
  local token
  token=$(AWS_ACCESS_KEY_ID=$role_key AWS_SECRET_ACCESS_KEY=$role_secret AWS_SESSION_TOKEN=$role_token \
    aws --region "$region" ecr get-authorization-token --query 'authorizationData[0].authorizationToken' --output text)
  local status
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Basic $token" \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
    "$registry_url/v2/eks-anywhere-packages/manifests/latest")
  case $status in 200|404) ;; *) echo "the registry answered $status" >&2; return 1 ;; esac
}

requests_served() { grep -c 'HTTP/1\.1' "$moto_log" || true; }
now() { date +%s.%N; }
elapsed() { "$python" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
