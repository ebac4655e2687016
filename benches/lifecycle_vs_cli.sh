#!/usr/bin/env bash
# How long rotating the key and tearing the procedure down take with ecr-share
# against the same work done as a script of `aws` CLI commands, in one run against a
# fresh local AWS emulator with two accounts (the set-up is benches/common.sh):
#
# - rotation: after `ecr-share curated` set everything up, `ecr-share curated
#   rotate-key --delete-old-key --yes` (list the keys and their last use, keep the
#   files as .previous, create the new key straight into the config file and the
#   Secret manifest, check it: assume the role, ECR token, registry manifest, then
#   delete the old key) against the same calls as aws commands, one after the other
#   on the same set-up (each rotation starts from one key, held by the config file);
# - teardown: `ecr-share curated teardown --yes` against the deletions as aws
#   commands (destination: list and delete the keys, detach, delete the user, list
#   and delete the policy's other versions, delete the policy; source: the same for
#   the role and the read policy), each after `ecr-share curated` set the procedure
#   up again, so both remove the same entities.
#
# Every timed run is checked: after a rotation the user has exactly one key, not the
# one before, and the config file (0600) and the manifest hold it; after a teardown
# the user, the role and both policies are gone, and they were there before it.
#
# Usage: benches/lifecycle_vs_cli.sh   (ROUNDS=3 by default; ECR_SHARE_BINARY=path for another build)
# Not part of the test suite. Needs the aws CLI, curl and target/release/ecr-share
# (built here when missing).
set -euo pipefail
ROUNDS=${ROUNDS:-3}
# shellcheck source=benches/common.sh
source "$(dirname "$0")/common.sh"

read_policy=curated-packages-policy
assume_policy=curated-packages-assume-role-policy
role=curated-packages-role

# Sets the procedure up with ecr-share, from no files.
set_up() {
  rm -f "$work"/out-*
  ecr_share_curated
}

# The access key id the config file holds.
held_key() { sed -n 's/^aws_access_key_id=//p' "$work/out-config"; }

# The user's access key ids, sorted, on one line.
user_keys() {
  aws "${dst[@]}" iam list-access-keys --user-name "$user" \
    --query 'AccessKeyMetadata[].AccessKeyId' --output text | tr -s '\t ' '\n' | sort | xargs
}

# Times one command; its seconds go to the named array, the requests it sent to the
# emulator to the variable `sent`.
timed() {
  local -n into=$1
  shift
  local before start end
  before=$(requests_served)
  start=$(now)
  "$@"
  end=$(now)
  into+=("$(elapsed "$start" "$end")")
  sent=$(($(requests_served) - before))
}

ecr_share_rotate() {
  "$binary" --region "$region" curated rotate-key --destination-profile destination \
    --config-out "$work/out-config" --secret-out "$work/out-secret.yaml" \
    --registry-url "$registry_url" --delete-old-key --yes > "$work/rotate.log"
}

# The rotation's calls, one aws command each, in the order ecr-share makes them.
cli_rotate() {
  aws "${dst[@]}" sts get-caller-identity > /dev/null
  local old
  old=$(aws "${dst[@]}" iam list-access-keys --user-name "$user" \
    --query 'AccessKeyMetadata[].AccessKeyId' --output text)
  local key
  for key in $old; do
    aws "${dst[@]}" iam get-access-key-last-used --access-key-id "$key" > /dev/null
  done
  (
    umask 077
    cp "$work/out-config" "$work/out-config.previous"
    cp "$work/out-secret.yaml" "$work/out-secret.yaml.previous"
  )
  local created key_id key_secret
  created=$(aws "${dst[@]}" iam create-access-key --user-name "$user" \
    --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
  read -r key_id key_secret <<< "$created"
  write_config_files "$key_id" "$key_secret"
  verify_with_cli "$key_id" "$key_secret"
  aws "${dst[@]}" iam delete-access-key --user-name "$user" --access-key-id "$old"
  rm "$work/out-config.previous" "$work/out-secret.yaml.previous"
}

# One key, not OLD, held by the config file (0600) and by the manifest's config;
# no .previous copies left.
check_rotation() {
  local who=$1 old=$2 keys
  keys=$(user_keys)
  [ "$keys" = "$(held_key)" ] || { echo "$who: the user has keys [$keys], the config file holds $(held_key)" >&2; exit 1; }
  [ "$keys" != "$old" ] || { echo "$who: the key $old was not replaced" >&2; exit 1; }
  [ "$(stat -c %a "$work/out-config")" = 600 ] || { echo "$who: the config file is readable by others" >&2; exit 1; }
  [ "$(sed -n 's/^  config: //p' "$work/out-secret.yaml" | base64 -d)" = "$(cat "$work/out-config")" ] \
    || { echo "$who: the manifest does not hold the config file" >&2; exit 1; }
  if ls "$work"/out-*.previous > /dev/null 2>&1; then echo "$who: .previous copies left" >&2; exit 1; fi
}

ecr_share_teardown() {
  "$binary" --region "$region" curated teardown \
    --source-profile source --destination-profile destination --yes > "$work/teardown.log"
}

# Deletes the customer managed policy ARN in the account of the profile options
# given before it: its non-default versions, then the policy.
cli_delete_policy() {
  local arn=${*: -1}
  local target=("${@:1:$#-1}")
  local versions version
  versions=$(aws "${target[@]}" iam list-policy-versions --policy-arn "$arn" \
    --query 'Versions[?!IsDefaultVersion].VersionId' --output text)
  for version in $versions; do
    aws "${target[@]}" iam delete-policy-version --policy-arn "$arn" --version-id "$version"
  done
  aws "${target[@]}" iam delete-policy --policy-arn "$arn"
}

# The teardown's deletions, one aws command each, in ecr-share's order. The account
# ids, for the policies' ARNs, come from each profile.
cli_teardown() {
  local source_id destination_id
  source_id=$(aws "${src[@]}" sts get-caller-identity --query Account --output text)
  destination_id=$(aws "${dst[@]}" sts get-caller-identity --query Account --output text)
  local assume_arn="arn:aws:iam::$destination_id:policy/$assume_policy"
  local keys key
  keys=$(aws "${dst[@]}" iam list-access-keys --user-name "$user" \
    --query 'AccessKeyMetadata[].AccessKeyId' --output text)
  for key in $keys; do
    aws "${dst[@]}" iam delete-access-key --user-name "$user" --access-key-id "$key"
  done
  aws "${dst[@]}" iam detach-user-policy --user-name "$user" --policy-arn "$assume_arn"
  aws "${dst[@]}" iam delete-user --user-name "$user"
  cli_delete_policy "${dst[@]}" "$assume_arn"
  local read_arn="arn:aws:iam::$source_id:policy/$read_policy"
  aws "${src[@]}" iam detach-role-policy --role-name "$role" --policy-arn "$read_arn"
  aws "${src[@]}" iam delete-role --role-name "$role"
  cli_delete_policy "${src[@]}" "$read_arn"
}

# How many of the procedure's entities exist: "users roles policies keys".
entities() {
  local users roles policies keys=0
  users=$(aws "${dst[@]}" iam list-users --query "length(Users[?UserName=='$user'])" --output text)
  roles=$(aws "${src[@]}" iam list-roles --query "length(Roles[?RoleName=='$role'])" --output text)
  policies=$(($(aws "${src[@]}" iam list-policies --scope Local \
    --query "length(Policies[?PolicyName=='$read_policy'])" --output text) + $(aws "${dst[@]}" iam \
    list-policies --scope Local --query "length(Policies[?PolicyName=='$assume_policy'])" --output text)))
  if [ "$users" != 0 ]; then
    keys=$(aws "${dst[@]}" iam list-access-keys --user-name "$user" --query 'length(AccessKeyMetadata)' --output text)
  fi
  echo "$users $roles $policies $keys"
}

check_entities() {
  local found
  found=$(entities)
  [ "$found" = "$2" ] || { echo "$1: expected users roles policies keys $2, found $found" >&2; exit 1; }
}

rotate_tool=() rotate_cli=() teardown_tool=() teardown_cli=()
reset_accounts
set_up
for round in $(seq "$rounds"); do
  old=$(held_key)
  timed rotate_tool ecr_share_rotate
  sent_rotate_tool=$sent
  check_rotation "ecr-share curated rotate-key" "$old"
  old=$(held_key)
  timed rotate_cli cli_rotate
  sent_rotate_cli=$sent
  check_rotation "the aws CLI rotation" "$old"
  echo "round $round: rotation: ecr-share ${rotate_tool[-1]} s, aws CLI script ${rotate_cli[-1]} s"
done
# The rotations left the procedure set up: the first teardown removes that.
for round in $(seq "$rounds"); do
  [ "$round" = 1 ] || set_up
  check_entities "before ecr-share curated teardown" "1 1 2 1"
  timed teardown_tool ecr_share_teardown
  sent_teardown_tool=$sent
  check_entities "ecr-share curated teardown" "0 0 0 0"
  set_up
  check_entities "before the aws CLI teardown" "1 1 2 1"
  timed teardown_cli cli_teardown
  sent_teardown_cli=$sent
  check_entities "the aws CLI teardown" "0 0 0 0"
  echo "round $round: teardown: ecr-share ${teardown_tool[-1]} s, aws CLI script ${teardown_cli[-1]} s"
done

"$python" - "$(aws --version 2>&1)" <<PY
import statistics, sys
runs = {
    "rotation": ([${rotate_tool[*]/%/,}], [${rotate_cli[*]/%/,}], $sent_rotate_tool, $sent_rotate_cli),
    "teardown": ([${teardown_tool[*]/%/,}], [${teardown_cli[*]/%/,}], $sent_teardown_tool, $sent_teardown_cli),
}
print(f"{len(runs['rotation'][0])} runs each; aws CLI: {sys.argv[1].split()[0]}")
for what, (tool, cli, tool_sent, cli_sent) in runs.items():
    print(f"{what}:")
    print(f"  ecr-share:      min {min(tool):.3f} s, median {statistics.median(tool):.3f} s ({tool_sent} requests)")
    print(f"  aws CLI script: min {min(cli):.3f} s, median {statistics.median(cli):.3f} s ({cli_sent} requests)")
    print(f"  ecr-share is {statistics.median(cli) / statistics.median(tool):.0f}x faster (medians)")
PY
