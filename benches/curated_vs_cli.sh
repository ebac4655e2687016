#!/usr/bin/env bash
# How long the whole curated-packages procedure takes with `ecr-share curated`
# against the same calls made as a script of `aws` CLI commands, both against the
# local AWS emulator (moto, as scripts/test.sh runs it). The emulator is reset
# between the two runs, so each starts from empty accounts.
#
# The verification's manifest request goes to a local HTTP server that answers 404
# (which the procedure reads as "the registry let the role in"), never the internet.
#
# Usage: benches/curated_vs_cli.sh   (ROUNDS=3 to repeat; ECR_SHARE_BINARY=path for another build)
# Not part of the test suite. Needs the aws CLI, curl and target/release/ecr-share
# (built here when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-moto
moto_version=5.2.5
python=${PYTHON:-python3}
rounds=${ROUNDS:-1}
binary=${ECR_SHARE_BINARY:-target/release/ecr-share}

command -v aws >/dev/null || { echo "the aws CLI is needed" >&2; exit 1; }
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
registry_port=$(free_port)
"$venv/bin/moto_server" -H 127.0.0.1 -p "$moto_port" > "$work/moto-server.log" 2>&1 &
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

# Only the emulator and the two profiles below; nothing of the caller's AWS setup.
for name in $(env | grep -o '^AWS_[A-Z_]*' || true); do unset "$name"; done
export AWS_ENDPOINT_URL=$endpoint
export AWS_CONFIG_FILE=$work/config
export AWS_SHARED_CREDENTIALS_FILE=$work/credentials
export AWS_EC2_METADATA_DISABLED=true

region=us-east-1
subscription=e29fd0d2-d8a8-4ed4-be54-c6c0dd0f7964
registry_account=331113665574   # us-east-1's production registry, as the flow falls back to it
source_account=123456789012
destination_account=999999999999

# Empties the emulator and writes the profiles: `source` acts as 123456789012,
# `destination` as 999999999999 (keys from assuming a role there, issued anew after
# every reset).
reset_accounts() {
  curl -s -X POST "$endpoint/moto-api/reset" > /dev/null
  printf '[profile source]\nregion = %s\n\n[profile destination]\nregion = %s\n' "$region" "$region" > "$AWS_CONFIG_FILE"
  local keys
  keys=$(AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=$region \
    aws sts assume-role --role-arn "arn:aws:iam::$destination_account:role/benchmark" \
    --role-session-name benchmark --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
  read -r key secret token <<< "$keys"
  printf '[source]\naws_access_key_id = testing\naws_secret_access_key = testing\n\n[destination]\naws_access_key_id = %s\naws_secret_access_key = %s\naws_session_token = %s\n' \
    "$key" "$secret" "$token" > "$AWS_SHARED_CREDENTIALS_FILE"
  rm -f "$work"/out-*
}

# The documents the CLI script needs, as the procedure writes them.
cat > "$work/ecr-read-policy.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Sid":"ECRRead","Effect":"Allow","Action":["ecr:DescribeImageScanFindings","ecr:GetDownloadUrlForLayer","ecr:DescribeRegistry","ecr:DescribePullThroughCacheRules","ecr:DescribeImageReplicationStatus","ecr:ListTagsForResource","ecr:ListImages","ecr:BatchGetImage","ecr:DescribeImages","ecr:DescribeRepositories","ecr:BatchCheckLayerAvailability"],"Resource":"arn:aws:ecr:*:$registry_account:repository/*"},{"Sid":"ECRLogin","Effect":"Allow","Action":["ecr:GetAuthorizationToken"],"Resource":"*"}]}
EOF
cat > "$work/trust-policy.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$destination_account:root"},"Action":"sts:AssumeRole"}]}
EOF
role_arn="arn:aws:iam::$source_account:role/curated-packages-role"
cat > "$work/assume-role-policy.json" <<EOF
{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"$role_arn"}}
EOF

run_ecr_share() {
  "$binary" --region "$region" curated \
    --source-profile source --destination-profile destination \
    --subscription-id "$subscription" \
    --config-out "$work/out-config" --secret-out "$work/out-secret.yaml" \
    --registry-url "$registry_url" --yes > "$work/ecr-share.log"
}

# The same calls, one `aws` command each, in the order the procedure makes them.
run_aws_cli() {
  local src=(--profile source --region "$region") dst=(--profile destination --region "$region")
  aws "${src[@]}" sts get-caller-identity > /dev/null
  aws "${dst[@]}" sts get-caller-identity > /dev/null
  # Step 1: not served by the emulator; the script falls back to the regional table too.
  aws "${src[@]}" eks describe-eks-anywhere-subscription --id "$subscription" \
    --query 'subscription.packageRegistry' > /dev/null 2>&1 || true
  # Steps 2 and 3, source account.
  local policy_arn
  policy_arn=$(aws "${src[@]}" iam create-policy --policy-name curated-packages-policy \
    --policy-document "file://$work/ecr-read-policy.json" --query Policy.Arn --output text)
  aws "${src[@]}" iam create-role --role-name curated-packages-role \
    --assume-role-policy-document "file://$work/trust-policy.json" > /dev/null
  aws "${src[@]}" iam list-attached-role-policies --role-name curated-packages-role > /dev/null
  aws "${src[@]}" iam attach-role-policy --role-name curated-packages-role --policy-arn "$policy_arn"
  # Steps 4 and 5, destination account.
  local assume_arn
  assume_arn=$(aws "${dst[@]}" iam create-policy --policy-name curated-packages-assume-role-policy \
    --policy-document "file://$work/assume-role-policy.json" --query Policy.Arn --output text)
  aws "${dst[@]}" iam create-user --user-name curated-packages-user > /dev/null
  aws "${dst[@]}" iam list-attached-user-policies --user-name curated-packages-user > /dev/null
  aws "${dst[@]}" iam attach-user-policy --user-name curated-packages-user --policy-arn "$assume_arn"
  aws "${dst[@]}" iam list-access-keys --user-name curated-packages-user > /dev/null
  local key
  key=$(aws "${dst[@]}" iam create-access-key --user-name curated-packages-user \
    --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
  local key_id key_secret
  read -r key_id key_secret <<< "$key"
  # Steps 6 and 7: the config file and the Secret manifest, private.
  (
    umask 077
    printf '[default]\nsource_profile=curated-packages-user\nrole_arn=%s\nregion=%s\n\n[profile curated-packages-user]\naws_access_key_id=%s\naws_secret_access_key=%s\n' \
      "$role_arn" "$region" "$key_id" "$key_secret" > "$work/out-config"
    printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: aws-secret\n  namespace: eksa-packages\ntype: Opaque\ndata:\n  AWS_ACCESS_KEY_ID: ""\n  AWS_SECRET_ACCESS_KEY: ""\n  REGION: ""\n  config: %s\n' \
      "$(base64 -w0 < "$work/out-config")" > "$work/out-secret.yaml"
  )
  # Step 8: from the new key, assume the role, log in to ECR, ask for the manifest.
  local role
  role=$(AWS_ACCESS_KEY_ID=$key_id AWS_SECRET_ACCESS_KEY=$key_secret \
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

# Both runs must leave the same thing behind: one user with one key and the files.
check_result() {
  local keys
  keys=$(aws --profile destination --region "$region" iam list-access-keys --user-name curated-packages-user \
    --query 'length(AccessKeyMetadata)' --output text)
  [ "$keys" = 1 ] || { echo "$1 left $keys access keys" >&2; exit 1; }
  grep -q "^role_arn=$role_arn\$" "$work/out-config" || { echo "$1 wrote no usable config file" >&2; exit 1; }
  [ "$(stat -c %a "$work/out-config")" = 600 ] || { echo "$1 left the config file readable by others" >&2; exit 1; }
}

now() { date +%s.%N; }
elapsed() { "$python" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

total_tool=0
total_cli=0
for round in $(seq "$rounds"); do
  reset_accounts
  start=$(now); run_ecr_share; end=$(now)
  tool=$(elapsed "$start" "$end")
  check_result "ecr-share"

  reset_accounts
  start=$(now); run_aws_cli; end=$(now)
  cli=$(elapsed "$start" "$end")
  check_result "the aws CLI script"

  echo "round $round: ecr-share curated ${tool} s, aws CLI script ${cli} s"
  total_tool=$("$python" -c "print($total_tool + $tool)")
  total_cli=$("$python" -c "print($total_cli + $cli)")
done

"$python" - "$total_tool" "$total_cli" "$rounds" "$(aws --version 2>&1)" <<'PY'
import sys
tool, cli, rounds, version = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
print(f"ecr-share curated: {tool / rounds:.3f} s per run")
print(f"aws CLI script:    {cli / rounds:.3f} s per run ({version.split()[0]})")
print(f"ratio:             {cli / tool:.1f}x faster")
PY
