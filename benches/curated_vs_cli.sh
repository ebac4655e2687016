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
# (built here when missing); the set-up is benches/common.sh.
set -euo pipefail
# shellcheck source=benches/common.sh
source "$(dirname "$0")/common.sh"

registry_account=331113665574   # us-east-1's production registry, as the flow falls back to it

# The documents the CLI script needs, as the procedure writes them.
cat > "$work/ecr-read-policy.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Sid":"ECRRead","Effect":"Allow","Action":["ecr:DescribeImageScanFindings","ecr:GetDownloadUrlForLayer","ecr:DescribeRegistry","ecr:DescribePullThroughCacheRules","ecr:DescribeImageReplicationStatus","ecr:ListTagsForResource","ecr:ListImages","ecr:BatchGetImage","ecr:DescribeImages","ecr:DescribeRepositories","ecr:BatchCheckLayerAvailability"],"Resource":"arn:aws:ecr:*:$registry_account:repository/*"},{"Sid":"ECRLogin","Effect":"Allow","Action":["ecr:GetAuthorizationToken"],"Resource":"*"}]}
EOF
cat > "$work/trust-policy.json" <<EOF
{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::$destination_account:root"},"Action":"sts:AssumeRole"}]}
EOF
cat > "$work/assume-role-policy.json" <<EOF
{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"$role_arn"}}
EOF

# The same calls, one `aws` command each, in the order the procedure makes them.
run_aws_cli() {
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
  write_config_files "$key_id" "$key_secret"
  # Step 8: from the new key, assume the role, log in to ECR, ask for the manifest.
  verify_with_cli "$key_id" "$key_secret"
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
  start=$(now); ecr_share_curated; end=$(now)
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
