//! Work against AWS (and kubectl) that a step runs when the operator confirms it.
//! A [`Job`] is plain data built from the form; a [`Runner`] performs it in the
//! background and reports every call as it finishes, so the screen shows live status
//! and never waits. The program uses [`AwsRunner`]; tests use a scripted runner.

use aws_config::SdkConfig;
use serde_json::Value;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::aws::ecr::{self, Plan};
use crate::aws::eks::{self, RegistryLookup};
use crate::aws::iam::Iam;
use crate::aws::verify::{self, VerifyPlan};
use crate::aws::{self, CallError, CallReport, Identity, Outcome, Target};
use crate::core::flow::{FlowId, Side};
use crate::core::merge::Grant;
use crate::core::regions::Partition;
use crate::core::secret::AccessKeyPair;
use crate::core::validate::{AccountId, IamName, Region, RepositoryName, SubscriptionId};
use crate::kube;

use super::app::Msg;

/// Tells runs apart, so a late answer of a cancelled run is recognised.
pub type RunId = u64;

/// IAM in one account, as a job needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamTarget {
    pub target: Target,
    pub partition: Partition,
    pub account: AccountId,
}

/// One step's work, with every value it needs already validated.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Which account a profile is (`sts:GetCallerIdentity`).
    Identity {
        flow: FlowId,
        side: Side,
        target: Target,
    },
    /// Curated step 1: ask the subscription for its registry.
    FindRegistry {
        target: Target,
        region: Region,
        subscription: SubscriptionId,
    },
    /// Curated step 2: the ECR read policy.
    ReadPolicy {
        iam: IamTarget,
        name: IamName,
        document: Value,
    },
    /// Make the wanted document the policy's default version (it exists and differs).
    UpdatePolicy {
        side: Side,
        iam: IamTarget,
        name: IamName,
        document: Value,
    },
    /// Make the wanted trust policy the role's (it exists and differs).
    UpdateTrust {
        iam: IamTarget,
        role: IamName,
        trust: Value,
    },
    /// Curated step 3: the role, its trust policy, and the read policy attached.
    Role {
        iam: IamTarget,
        role: IamName,
        trust: Value,
        policy: IamName,
    },
    /// Curated step 4: the assume-role policy, the user, and the attachment.
    User {
        iam: IamTarget,
        policy: IamName,
        document: Value,
        user: IamName,
    },
    /// Curated step 5: a new access key for the user.
    AccessKey { iam: IamTarget, user: IamName },
    /// Curated step 7: `kubectl apply` of the aws-secret manifest.
    Kubectl {
        context: Option<String>,
        manifest: String,
    },
    /// Curated step 8: the new key assumes the role, logs in to ECR, asks the registry.
    Verify {
        target: Target,
        key: AccessKeyPair,
        plan: VerifyPlan,
    },
    /// Repository step 1: the repositories to pick from.
    Repositories { target: Target },
    /// Repository step 3: read the current policy and merge the grant into it.
    PlanGrant {
        target: Target,
        repository: RepositoryName,
        grant: Grant,
    },
    /// Repository step 3: read the current policy and take the grant out of it.
    PlanRevoke {
        target: Target,
        repository: RepositoryName,
        accounts: Vec<AccountId>,
        partition: Partition,
    },
    /// Write a worked-out policy change and read it back.
    Apply { target: Target, plan: Box<Plan> },
    /// Put the policy from before the last change back.
    Restore {
        target: Target,
        repository: RepositoryName,
        previous: Option<String>,
    },
}

/// What a run found that later steps use.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Identity {
        flow: FlowId,
        side: Side,
        profile: Option<String>,
        result: Result<Identity, CallError>,
    },
    Registry(RegistryLookup),
    AccessKey(AccessKeyPair),
    Repositories(Vec<String>),
    Plan(Box<Plan>),
    /// A policy change was applied; `previous` is the text it replaced.
    Applied {
        repository: RepositoryName,
        previous: Option<String>,
    },
}

impl Job {
    /// The calls the job makes, in order, as the live status lists them before they run.
    pub fn calls(&self) -> Vec<String> {
        let list: Vec<String> = match self {
            Job::Identity { .. } => vec!["sts:GetCallerIdentity".into()],
            Job::FindRegistry { subscription, .. } => {
                vec![format!(
                    "eks:DescribeEksAnywhereSubscription {subscription}"
                )]
            }
            Job::ReadPolicy { name, .. } => vec![format!("iam:CreatePolicy {name}")],
            Job::UpdatePolicy { name, .. } => vec![format!(
                "iam:CreatePolicyVersion {name}, as the default (the oldest other version is deleted first when there are five)"
            )],
            Job::UpdateTrust { role, .. } => vec![format!("iam:UpdateAssumeRolePolicy {role}")],
            Job::Role { role, policy, .. } => vec![
                format!("iam:CreateRole {role}"),
                format!("iam:AttachRolePolicy {policy} to {role}"),
            ],
            Job::User { policy, user, .. } => vec![
                format!("iam:CreatePolicy {policy}"),
                format!("iam:CreateUser {user}"),
                format!("iam:AttachUserPolicy {policy} to {user}"),
            ],
            Job::AccessKey { user, .. } => vec![
                format!("iam:ListAccessKeys {user}"),
                format!("iam:CreateAccessKey {user}"),
            ],
            Job::Kubectl { context, .. } => vec![match context {
                Some(context) => format!("kubectl apply -f - --context {context}"),
                None => "kubectl apply -f - (current context)".to_string(),
            }],
            Job::Verify { plan, .. } => vec![
                format!("sts:AssumeRole {}", plan.role_arn),
                "ecr:GetAuthorizationToken (as the role)".to_string(),
                format!(
                    "GET {}/v2/eks-anywhere-packages/manifests/latest",
                    plan.registry_base()
                ),
            ],
            Job::Repositories { .. } => vec!["ecr:DescribeRepositories".into()],
            Job::PlanGrant { repository, .. } | Job::PlanRevoke { repository, .. } => {
                vec![format!("ecr:GetRepositoryPolicy {repository}")]
            }
            Job::Apply { plan, .. } => {
                let repository = &plan.repository;
                let write = if plan.change.policy.is_some() {
                    format!("ecr:SetRepositoryPolicy {repository}")
                } else {
                    format!("ecr:DeleteRepositoryPolicy {repository}")
                };
                vec![
                    format!("ecr:GetRepositoryPolicy {repository} (unchanged since read?)"),
                    write,
                    format!("ecr:GetRepositoryPolicy {repository} (read back)"),
                ]
            }
            Job::Restore {
                repository,
                previous,
                ..
            } => vec![
                match previous {
                    Some(_) => format!("ecr:SetRepositoryPolicy {repository} (the previous text)"),
                    None => format!("ecr:DeleteRepositoryPolicy {repository} (it had none)"),
                },
                format!("ecr:GetRepositoryPolicy {repository} (read back)"),
            ],
        };
        list
    }

    /// Whether the job changes anything (reads run without a confirmation).
    pub fn writes(&self) -> bool {
        !matches!(
            self,
            Job::Identity { .. }
                | Job::FindRegistry { .. }
                | Job::Repositories { .. }
                | Job::PlanGrant { .. }
                | Job::PlanRevoke { .. }
                | Job::Verify { .. }
        )
    }

    /// The credentials it runs with, when it runs against AWS.
    pub fn target(&self) -> Option<&Target> {
        match self {
            Job::Identity { target, .. }
            | Job::FindRegistry { target, .. }
            | Job::Verify { target, .. }
            | Job::Repositories { target }
            | Job::PlanGrant { target, .. }
            | Job::PlanRevoke { target, .. }
            | Job::Apply { target, .. }
            | Job::Restore { target, .. } => Some(target),
            Job::ReadPolicy { iam, .. }
            | Job::UpdatePolicy { iam, .. }
            | Job::UpdateTrust { iam, .. }
            | Job::Role { iam, .. }
            | Job::User { iam, .. }
            | Job::AccessKey { iam, .. } => Some(&iam.target),
            Job::Kubectl { .. } => None,
        }
    }
}

/// Starts jobs in the background. Each reports over `sender`: a [`Msg::Call`] per
/// finished call, [`Msg::Output`] for what it found, then [`Msg::Finished`].
pub trait Runner {
    fn start(&self, run: RunId, job: Job, sender: UnboundedSender<Msg>) -> JoinHandle<()>;
}

/// Runs jobs against AWS with the SDK's standard configuration.
#[derive(Debug, Clone, Default)]
pub struct AwsRunner;

impl Runner for AwsRunner {
    fn start(&self, run: RunId, job: Job, sender: UnboundedSender<Msg>) -> JoinHandle<()> {
        tokio::spawn(async move {
            let reporter = Reporter { run, sender };
            execute(job, &reporter).await;
            reporter.send(Msg::Finished {
                run,
                cancelled: false,
            });
        })
    }
}

/// Sends what a run finds back to the event loop.
struct Reporter {
    run: RunId,
    sender: UnboundedSender<Msg>,
}

impl Reporter {
    fn send(&self, msg: Msg) {
        // The loop may have quit; nothing is waiting for the answer then.
        let _ = self.sender.send(msg);
    }

    /// Reports one call; returns whether the run should go on.
    fn call(&self, report: CallReport) -> bool {
        let go_on = !report.outcome.is_failure() && !matches!(report.outcome, Outcome::Differs(_));
        tracing::info!(call = %report.call, subject = %report.subject, outcome = report.outcome.label(), "call");
        self.send(Msg::Call {
            run: self.run,
            report,
        });
        go_on
    }

    fn calls(&self, reports: Vec<CallReport>) -> bool {
        reports.into_iter().all(|report| self.call(report))
    }

    fn output(&self, output: Output) {
        self.send(Msg::Output {
            run: self.run,
            output,
        });
    }
}

async fn config(target: &Target) -> Result<SdkConfig, CallError> {
    aws::load_config(target).await
}

/// Runs a job; a profile that cannot be loaded ends it as one failed call.
async fn execute(job: Job, reporter: &Reporter) {
    if let Err(error) = perform(job, reporter).await {
        reporter.call(CallReport::new(
            error.operation.clone(),
            "",
            Outcome::Failed(error),
        ));
    }
}

async fn perform(job: Job, reporter: &Reporter) -> Result<(), CallError> {
    match job {
        Job::Identity { flow, side, target } => {
            let result = match config(&target).await {
                Ok(config) => aws::caller_identity(&config).await,
                Err(error) => Err(error),
            };
            let outcome = match &result {
                Ok(identity) => {
                    Outcome::Ok(format!("account {} ({})", identity.account, identity.arn))
                }
                Err(error) => Outcome::Failed(error.clone()),
            };
            reporter.call(CallReport::new(
                "sts:GetCallerIdentity",
                target.profile_label(),
                outcome,
            ));
            reporter.output(Output::Identity {
                flow,
                side,
                profile: target.profile,
                result,
            });
        }
        Job::FindRegistry {
            target,
            region,
            subscription,
        } => {
            let lookup =
                eks::find_package_registry(&config(&target).await?, &region, &subscription).await;
            reporter.call(lookup.report.clone());
            reporter.output(Output::Registry(lookup));
        }
        Job::ReadPolicy {
            iam,
            name,
            document,
        } => {
            let iam = iam_client(&iam).await?;
            reporter.call(iam.ensure_policy(&name, &document).await.report);
        }
        Job::UpdatePolicy {
            iam,
            name,
            document,
            ..
        } => {
            let iam = iam_client(&iam).await?;
            reporter.calls(iam.update_policy(&iam.policy_arn(&name), &document).await);
        }
        Job::UpdateTrust { iam, role, trust } => {
            let iam = iam_client(&iam).await?;
            reporter.call(iam.update_trust_policy(&role, &trust).await);
        }
        Job::Role {
            iam,
            role,
            trust,
            policy,
        } => {
            let iam = iam_client(&iam).await?;
            if reporter.call(iam.ensure_role(&role, &trust).await.report) {
                reporter.call(
                    iam.attach_role_policy(&role, &iam.policy_arn(&policy))
                        .await,
                );
            }
        }
        Job::User {
            iam,
            policy,
            document,
            user,
        } => {
            let iam = iam_client(&iam).await?;
            if reporter.call(iam.ensure_policy(&policy, &document).await.report)
                && reporter.call(iam.ensure_user(&user).await.report)
            {
                reporter.call(
                    iam.attach_user_policy(&user, &iam.policy_arn(&policy))
                        .await,
                );
            }
        }
        Job::AccessKey { iam, user } => {
            let iam = iam_client(&iam).await?;
            let listed = match iam.list_access_keys(&user).await {
                Ok(keys) if keys.is_empty() => Outcome::Ok("the user has no access key yet".into()),
                Ok(keys) => Outcome::Ok(format!(
                    "the user already has {}: {}",
                    if keys.len() == 1 { "a key" } else { "keys" },
                    keys.iter()
                        .map(|k| k.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
                Err(error) => Outcome::Failed(error),
            };
            if !reporter.call(CallReport::new("iam:ListAccessKeys", user.as_str(), listed)) {
                return Ok(());
            }
            let created = iam.create_access_key(&user).await;
            reporter.call(created.report);
            if let Some(key) = created.key {
                reporter.output(Output::AccessKey(key));
            }
        }
        Job::Kubectl { context, manifest } => {
            let outcome = match kube::apply_manifest(context.as_deref(), &manifest).await {
                Ok(output) => Outcome::Done(output.trim().to_string()),
                Err(error) => {
                    Outcome::Failed(CallError::new("kubectl apply", None, error.to_string()))
                }
            };
            reporter.call(CallReport::new(
                "kubectl apply",
                "secret eksa-packages/aws-secret",
                outcome,
            ));
        }
        Job::Verify { target, key, plan } => {
            reporter.calls(verify::verify(&config(&target).await?, &key, &plan).await);
        }
        Job::Repositories { target } => {
            match ecr::list_repositories(&config(&target).await?).await {
                Ok(names) => {
                    reporter.call(CallReport::new(
                        "ecr:DescribeRepositories",
                        target.region.clone().unwrap_or_default(),
                        Outcome::Ok(format!("{} repositories", names.len())),
                    ));
                    reporter.output(Output::Repositories(names));
                }
                Err(error) => {
                    reporter.call(CallReport::new(
                        "ecr:DescribeRepositories",
                        "",
                        Outcome::Failed(error),
                    ));
                }
            }
        }
        Job::PlanGrant {
            target,
            repository,
            grant,
        } => plan_result(
            reporter,
            &repository,
            ecr::plan_grant(&config(&target).await?, &repository, &grant).await,
        ),
        Job::PlanRevoke {
            target,
            repository,
            accounts,
            partition,
        } => plan_result(
            reporter,
            &repository,
            ecr::plan_revoke(&config(&target).await?, &repository, &accounts, partition).await,
        ),
        Job::Apply { target, plan } => {
            let reports = ecr::apply(&config(&target).await?, &plan).await;
            if reporter.calls(reports) {
                reporter.output(Output::Applied {
                    repository: plan.repository.clone(),
                    previous: plan.change.previous.clone(),
                });
            }
        }
        Job::Restore {
            target,
            repository,
            previous,
        } => {
            reporter.calls(
                ecr::restore(&config(&target).await?, &repository, previous.as_deref()).await,
            );
        }
    }
    Ok(())
}

fn plan_result(
    reporter: &Reporter,
    repository: &RepositoryName,
    result: Result<Plan, ecr::PlanError>,
) {
    match result {
        Ok(plan) => {
            reporter.call(plan.read.clone());
            reporter.output(Output::Plan(Box::new(plan)));
        }
        Err(ecr::PlanError::Call(error)) => {
            reporter.call(CallReport::new(
                "ecr:GetRepositoryPolicy",
                repository.as_str(),
                Outcome::Failed(error),
            ));
        }
        Err(ecr::PlanError::Merge(error)) => {
            reporter.call(CallReport::new(
                "merge",
                repository.as_str(),
                Outcome::Failed(CallError::new("merge", None, error.to_string())),
            ));
        }
    }
}

async fn iam_client(iam: &IamTarget) -> Result<Iam, CallError> {
    Ok(Iam::new(
        &config(&iam.target).await?,
        iam.partition,
        iam.account.clone(),
    ))
}
