#!/usr/bin/env python3
"""The reads of `ecr-share audit` as a plain sequential boto3 script: list every
repository (DescribeRepositories, page by page), then get each one's policy
(GetRepositoryPolicy; RepositoryPolicyNotFoundException means none), one call
after the other. The endpoint, region and keys come from the environment
(AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, ...).

Prints {"repositories": N, "with_policy": M}. Used by benches/audit_at_scale.sh
as the baseline; not part of the test suite.
"""

import json

import boto3


def main():
    ecr = boto3.client("ecr")
    names = []
    for page in ecr.get_paginator("describe_repositories").paginate():
        names.extend(r["repositoryName"] for r in page["repositories"])
    policies = {}
    for name in names:
        try:
            text = ecr.get_repository_policy(repositoryName=name)["policyText"]
            policies[name] = json.loads(text)
        except ecr.exceptions.RepositoryPolicyNotFoundException:
            policies[name] = None
    with_policy = sum(1 for policy in policies.values() if policy is not None)
    print(json.dumps({"repositories": len(names), "with_policy": with_policy}))


if __name__ == "__main__":
    main()
