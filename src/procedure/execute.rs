//! Executing a [`Job`]: every call is made here, for the wizard and the commands
//! alike, and each is reported through [`Report`] as soon as it finishes.

use std::path::Path;

use aws_config::SdkConfig;

use crate::aws::audit::{PolicyRead, PolicyReader, Wanted};
use crate::aws::ecr::{self, Plan};
use crate::aws::eks;
use crate::aws::iam::{self, Iam};
use crate::aws::verify;
use crate::aws::{self, CallError, CallReport, Outcome, Target};
use crate::core::documents;
use crate::core::merge::Revocation;
use crate::core::secret::AccessKeyPair;
use crate::core::validate::{IamName, RepositoryName};
use crate::files::{PreparedFile, Replace};
use crate::kube;

use super::job::{IamTarget, Job, Output, SecretHome};

/// Where a running job tells what happened. The wizard's sends each call to the
/// screen as it finishes; the commands' print a line per call.
pub trait Report {
    /// One call (or file write) finished.
    fn call(&mut self, report: CallReport);
    /// The job found something that later steps use.
    fn output(&mut self, output: Output);
}

/// Reports calls and tells whether the job should go on: a failure or an entity that
/// exists but differs ends it.
struct Calls<'a, R: Report + ?Sized>(&'a mut R);

impl<R: Report + ?Sized> Calls<'_, R> {
    fn call(&mut self, report: CallReport) -> bool {
        let go_on = !report.outcome.is_failure() && !matches!(report.outcome, Outcome::Differs(_));
        tracing::info!(call = %report.call, subject = %report.subject, outcome = report.outcome.label(), "call");
        self.0.call(report);
        go_on
    }

    /// Reports every call that was made, also those after one that ends the job (such
    /// as the read-back after a write whose answer was lost), and tells whether all of
    /// them let the job go on.
    fn calls(&mut self, reports: Vec<CallReport>) -> bool {
        let mut go_on = true;
        for report in reports {
            go_on &= self.call(report);
        }
        go_on
    }

    fn output(&mut self, output: Output) {
        self.0.output(output);
    }
}

const WRITE: &str = "write";

/// Runs a job's calls in order, reporting each one. A call that fails or finds
/// something that differs ends the job; nothing after it runs.
pub async fn execute<R: Report + Send + ?Sized>(job: Job, report: &mut R) {
    let mut calls = Calls(report);
    let calls = &mut calls;
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
            calls.call(CallReport::new(
                "sts:GetCallerIdentity",
                target.profile_label(),
                outcome,
            ));
            let region = aws::profile_region(target.profile.as_deref()).await;
            calls.output(Output::Identity {
                flow,
                side,
                profile: target.profile,
                result,
                region,
            });
        }
        Job::Profiles => {
            let result = aws::profiles::list().await;
            let outcome = match &result {
                Ok(names) => Outcome::Ok(format!("{} profiles", names.len())),
                Err(error) => Outcome::Failed(error.clone()),
            };
            calls.call(CallReport::new(
                "read AWS profiles",
                "config and credentials files",
                outcome,
            ));
            calls.output(Output::Profiles(result));
        }
        Job::KubeContexts => {
            let result = kube::contexts().await.map_err(|error| error.to_string());
            let outcome = match &result {
                Ok(names) => Outcome::Ok(format!("{} contexts", names.len())),
                Err(error) => Outcome::Failed(CallError::new(
                    "kubectl config get-contexts",
                    None,
                    error.clone(),
                )),
            };
            calls.call(CallReport::new(
                "kubectl config get-contexts",
                "kubeconfig",
                outcome,
            ));
            calls.output(Output::KubeContexts(result));
        }
        Job::FindRegistry {
            target,
            region,
            subscription,
        } => {
            let Some(config) = config_or_report(&target, calls).await else {
                return;
            };
            let lookup = eks::find_package_registry(&config, &region, &subscription).await;
            calls.call(lookup.report.clone());
            calls.output(Output::Registry(lookup));
        }
        Job::ReadPolicy {
            iam,
            name,
            document,
        } => {
            let Some(iam) = iam_client(&iam, calls).await else {
                return;
            };
            let ensured = iam.ensure_policy(&name, &document).await;
            differing(calls, &ensured);
            calls.call(ensured.report);
        }
        Job::UpdatePolicy {
            iam,
            name,
            document,
            ..
        } => {
            let Some(iam) = iam_client(&iam, calls).await else {
                return;
            };
            calls.calls(iam.update_policy(&iam.policy_arn(&name), &document).await);
        }
        Job::UpdateTrust { iam, role, trust } => {
            let Some(iam) = iam_client(&iam, calls).await else {
                return;
            };
            calls.call(iam.update_trust_policy(&role, &trust).await);
        }
        Job::Role {
            iam,
            role,
            trust,
            policy,
        } => {
            let Some(iam) = iam_client(&iam, calls).await else {
                return;
            };
            let ensured = iam.ensure_role(&role, &trust).await;
            differing(calls, &ensured);
            if calls.call(ensured.report) {
                calls.call(
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
            let Some(iam) = iam_client(&iam, calls).await else {
                return;
            };
            let ensured = iam.ensure_policy(&policy, &document).await;
            differing(calls, &ensured);
            if calls.call(ensured.report) && calls.call(iam.ensure_user(&user).await.report) {
                calls.call(
                    iam.attach_user_policy(&user, &iam.policy_arn(&policy))
                        .await,
                );
            }
        }
        Job::ListKeys { iam, user } => {
            let Some(iam) = iam_client(&iam, calls).await else {
                return;
            };
            match iam.list_access_keys(&user).await {
                Ok(keys) => {
                    let text = if keys.is_empty() {
                        "the user has no access key yet".to_string()
                    } else {
                        let described: Vec<String> = keys.iter().map(|k| k.describe()).collect();
                        format!("the user has {}", described.join(", "))
                    };
                    calls.call(CallReport::new(
                        "iam:ListAccessKeys",
                        user.as_str(),
                        Outcome::Ok(text),
                    ));
                    calls.output(Output::Keys { user, keys });
                }
                Err(error) => {
                    calls.call(CallReport::new(
                        "iam:ListAccessKeys",
                        user.as_str(),
                        Outcome::Failed(error),
                    ));
                }
            }
        }
        Job::AccessKey { iam, user, home } => {
            let Some(iam) = iam_client(&iam, calls).await else {
                return;
            };
            access_key(&iam, &user, home, calls).await;
        }
        Job::WriteConfig { home, key } => {
            let contents = home.config_file(&key);
            calls.call(write_file(&home.path, &contents, home.overwrite, |text| {
                home.is_ours(text)
            }));
        }
        Job::WriteManifest { path, home, key } => {
            let manifest = documents::aws_secret_manifest(&home.config_file(&key));
            calls.call(write_file(&path, &manifest, home.overwrite, |text| {
                home.is_our_manifest(text)
            }));
        }
        Job::Kubectl { context, home, key } => {
            let manifest = documents::aws_secret_manifest(&home.config_file(&key));
            let outcome = match kube::apply_manifest(context.as_deref(), &manifest).await {
                Ok(output) => Outcome::Done(output.trim().to_string()),
                Err(error) => {
                    Outcome::Failed(CallError::new("kubectl apply", None, error.to_string()))
                }
            };
            calls.call(CallReport::new(
                "kubectl apply",
                "secret eksa-packages/aws-secret",
                outcome,
            ));
        }
        Job::Verify { target, key, plan } => {
            let Some(config) = config_or_report(&target, calls).await else {
                return;
            };
            calls.calls(verify::verify(&config, &key, &plan).await);
        }
        Job::VerifySaved {
            path,
            region,
            registry_account,
            registry_url,
            backoff,
        } => {
            let reports = super::saved::verify_saved(
                &path,
                region.as_ref(),
                registry_account.as_ref(),
                registry_url.as_deref(),
                backoff,
            )
            .await;
            calls.calls(reports);
        }
        Job::TeardownSurvey {
            source,
            destination,
            scope,
        } => super::lifecycle::survey_teardown(&source, &destination, &scope, &mut *calls.0).await,
        Job::Teardown {
            source,
            destination,
            scope,
            plan,
        } => super::lifecycle::teardown(&source, &destination, &scope, &plan, &mut *calls.0).await,
        Job::RotationSurvey { rotation } => {
            super::lifecycle::survey_rotation(&rotation, &mut *calls.0).await;
        }
        Job::RotateKey { rotation, plan } => {
            super::lifecycle::rotate(&rotation, *plan, &mut *calls.0).await;
        }
        Job::Repositories { target } => {
            let Some(config) = config_or_report(&target, calls).await else {
                return;
            };
            match ecr::list_repositories(&config).await {
                Ok(names) => {
                    calls.call(CallReport::new(
                        "ecr:DescribeRepositories",
                        target.region.clone().unwrap_or_default(),
                        Outcome::Ok(format!("{} repositories", names.len())),
                    ));
                    calls.output(Output::Repositories(names));
                }
                Err(error) => {
                    calls.call(CallReport::new(
                        "ecr:DescribeRepositories",
                        "",
                        Outcome::Failed(error),
                    ));
                }
            }
        }
        Job::Access { target } => {
            let Some(config) = config_or_report(&target, calls).await else {
                return;
            };
            read_access(&config, &target, calls).await;
        }
        Job::PlanGrant {
            target,
            repository,
            grant,
        } => {
            let Some(config) = config_or_report(&target, calls).await else {
                return;
            };
            let planned = ecr::plan_grant(&config, &repository, &grant).await;
            plan_result(calls, &repository, planned);
        }
        Job::PlanRevoke {
            target,
            repository,
            accounts,
            organizations,
            partition,
        } => {
            let Some(config) = config_or_report(&target, calls).await else {
                return;
            };
            let revocation = Revocation {
                accounts,
                organizations,
                partition,
            };
            let planned = ecr::plan_revoke(&config, &repository, &revocation).await;
            plan_result(calls, &repository, planned);
        }
        Job::Apply { target, plan } => {
            let Some(config) = config_or_report(&target, calls).await else {
                return;
            };
            let reports = ecr_as(&config, &target).apply(&plan).await;
            if calls.calls(reports) {
                calls.output(Output::Applied {
                    repository: plan.repository.clone(),
                    previous: plan.change.previous.clone(),
                    current: plan.change.policy_text(),
                });
            }
        }
        Job::Restore {
            target,
            repository,
            previous,
            current,
        } => {
            let Some(config) = config_or_report(&target, calls).await else {
                return;
            };
            let reports = ecr_as(&config, &target)
                .restore(&repository, previous.as_deref(), current.as_deref())
                .await;
            calls.calls(reports);
        }
    }
}

/// Hands on the document an entity that exists and differs has now.
fn differing<R: Report + ?Sized>(calls: &mut Calls<'_, R>, ensured: &iam::Ensured) {
    if let Some(document) = &ensured.current {
        calls.output(Output::Differing {
            document: document.clone(),
        });
    }
}

/// Step 5. A key's secret cannot be read back from IAM, so a key is reused only from
/// the config file written when it was created, a user with a key that file does not
/// hold stops the step, and a new key is created only once its config file is open:
/// after `iam:CreateAccessKey` nothing but that one write can fail.
async fn access_key<R: Report + ?Sized>(
    iam: &Iam,
    user: &IamName,
    home: SecretHome,
    calls: &mut Calls<'_, R>,
) {
    const LIST: &str = "iam:ListAccessKeys";
    let path = home.path.display().to_string();
    let existing = match iam.list_access_keys(user).await {
        Ok(keys) => keys,
        Err(error) => {
            calls.call(CallReport::new(LIST, user.as_str(), Outcome::Failed(error)));
            return;
        }
    };
    let saved = saved_key(&home.path, user);
    if let Some(key) = saved.filter(|key| existing.iter().any(|k| k.id == key.access_key_id)) {
        calls.call(CallReport::new(
            "iam:CreateAccessKey",
            user.as_str(),
            Outcome::AlreadyExisted(format!(
                "{} exists and {path} holds it; reused, no new key",
                key.access_key_id
            )),
        ));
        calls.output(Output::AccessKey {
            key,
            saved_to: home.path,
            created: false,
        });
        return;
    }
    if !existing.is_empty() {
        let reason = if existing.len() >= iam::MAX_ACCESS_KEYS {
            format!(
                "{}; {path} holds neither, so there is no secret to reuse",
                iam::key_limit_message(user, &existing, iam.command_options())
            )
        } else {
            let ids: Vec<&str> = existing.iter().map(|k| k.id.as_str()).collect();
            format!(
                "user {user} already has access key {}, whose secret IAM cannot show again, and {path} does not hold it. Point the config file path at the file written when that key was created, or delete the key (aws iam delete-access-key --user-name {user} --access-key-id {}{}) and run again",
                ids.join(", "),
                ids[0],
                iam.command_options()
            )
        };
        calls.call(CallReport::new(
            LIST,
            user.as_str(),
            Outcome::Failed(CallError::new(LIST, Some("KeyNotReusable"), reason)),
        ));
        return;
    }
    calls.call(CallReport::new(
        LIST,
        user.as_str(),
        Outcome::Ok("the user has no access key yet".into()),
    ));

    // The home first: a refusal or an unwritable folder stops here, before any key.
    let prepared = match prepare(&home.path, home.overwrite, |text| home.is_ours(text)) {
        Ok(prepared) => prepared,
        Err(reason) => {
            calls.call(CallReport::new(
                WRITE,
                &path,
                Outcome::Failed(CallError::new(
                    WRITE,
                    Some("NotWritten"),
                    format!("{reason}; no key was created"),
                )),
            ));
            return;
        }
    };
    let created = iam.create_access_key(user).await;
    for report in created.recovered {
        calls.call(report);
    }
    let Some(key) = created.key else {
        calls.call(created.report);
        return;
    };
    calls.call(created.report);
    match prepared.commit(&home.config_file(&key)) {
        Ok(_) => {
            calls.call(CallReport::new(
                WRITE,
                &path,
                Outcome::Done("the new key is in it, mode 0600".into()),
            ));
            calls.output(Output::AccessKey {
                key,
                saved_to: home.path,
                created: true,
            });
        }
        Err(error) => {
            calls.call(CallReport::new(
                WRITE,
                &path,
                Outcome::Failed(CallError::new(
                    WRITE,
                    None,
                    format!("{path}: {error}; the new key's secret could not be saved"),
                )),
            ));
            // A key whose secret is lost only counts against IAM's limit of two.
            calls.call(iam.delete_unsaved_key(user, &key.access_key_id).await);
        }
    }
}

/// The key of `user` in the config file at `path`, if the file is there and holds one.
fn saved_key(path: &Path, user: &IamName) -> Option<AccessKeyPair> {
    let text = std::fs::read_to_string(path).ok()?;
    documents::saved_key(&text, user)
}

/// Opens the temporary file that becomes `path`, refusing a path it must not replace.
fn prepare(
    path: &Path,
    overwrite: bool,
    is_ours: impl Fn(&str) -> bool + Sync,
) -> Result<PreparedFile, String> {
    let replace = if overwrite {
        Replace::Always
    } else {
        Replace::IfOurs(&is_ours)
    };
    PreparedFile::prepare(path, replace).map_err(|refusal| refusal.to_string())
}

/// Writes a file that holds the secret: left alone when it already says this, else
/// replaced atomically, 0600.
fn write_file(
    path: &Path,
    contents: &str,
    overwrite: bool,
    is_ours: impl Fn(&str) -> bool + Sync,
) -> CallReport {
    let subject = path.display().to_string();
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
        && std::fs::read_to_string(path).is_ok_and(|text| text == contents)
    {
        return CallReport::new(
            WRITE,
            subject,
            Outcome::AlreadyExisted("it already holds this, unchanged".into()),
        );
    }
    let outcome = match prepare(path, overwrite, is_ours) {
        Err(reason) => Outcome::Failed(CallError::new(WRITE, Some("NotWritten"), reason)),
        Ok(prepared) => match prepared.commit(contents) {
            Ok(_) => Outcome::Done("written, mode 0600".into()),
            Err(error) => {
                Outcome::Failed(CallError::new(WRITE, None, format!("{subject}: {error}")))
            }
        },
    };
    CallReport::new(WRITE, subject, outcome)
}

fn plan_result<R: Report + ?Sized>(
    calls: &mut Calls<'_, R>,
    repository: &RepositoryName,
    result: Result<Plan, ecr::PlanError>,
) {
    match result {
        Ok(plan) => {
            calls.call(plan.read.clone());
            calls.output(Output::Plan(Box::new(plan)));
        }
        Err(ecr::PlanError::Call(error)) => {
            calls.call(CallReport::new(
                "ecr:GetRepositoryPolicy",
                repository.as_str(),
                Outcome::Failed(error),
            ));
        }
        Err(ecr::PlanError::Merge(error)) => {
            calls.call(CallReport::new(
                "merge",
                repository.as_str(),
                Outcome::Failed(CallError::new("merge", None, error.to_string())),
            ));
        }
    }
}

/// The SDK configuration for a target.
/// How many policy reads of "who has access" are in flight at once: the audit
/// command's default.
const ACCESS_CONCURRENCY: usize = 16;

/// Lists every repository, then reads each one's policy, telling how far it got after
/// each. A repository whose policy cannot be read is one result among the others;
/// only a failed listing ends the job.
async fn read_access<R: Report + Send + ?Sized>(
    config: &SdkConfig,
    target: &Target,
    calls: &mut Calls<'_, R>,
) {
    let reader = PolicyReader::new(config);
    let region = target.region.clone().unwrap_or_default();
    let mut listed = match reader.list().await {
        Ok(listed) => listed,
        Err(error) => {
            calls.call(CallReport::new(
                "ecr:DescribeRepositories",
                region,
                Outcome::Failed(error.clone()),
            ));
            calls.output(Output::Access(Err(error)));
            return;
        }
    };
    listed.sort_by(|a, b| a.name.cmp(&b.name));
    let total = listed.len();
    calls.call(CallReport::new(
        "ecr:DescribeRepositories",
        region.clone(),
        Outcome::Ok(format!("{total} repositories")),
    ));
    calls.output(Output::AccessProgress {
        done: 0,
        total,
        read: None,
    });
    let wanted = listed.into_iter().map(Wanted::Listed).collect();
    let reads = reader
        .read_all(wanted, ACCESS_CONCURRENCY, &mut |done, total, read| {
            calls.output(Output::AccessProgress {
                done,
                total,
                read: Some(Box::new(read.clone())),
            })
        })
        .await;
    let failed = reads
        .iter()
        .filter(|read| matches!(read.read, PolicyRead::Failed(_)))
        .count();
    calls.call(CallReport::new(
        "ecr:GetRepositoryPolicy",
        region,
        Outcome::Ok(if failed == 0 {
            format!("{total} repositories read")
        } else {
            format!("{total} repositories, {failed} of them not read")
        }),
    ));
    calls.output(Output::Access(Ok(reads)));
}

async fn config(target: &Target) -> Result<SdkConfig, CallError> {
    aws::load_config(target).await
}

/// The configuration, or a failed report saying why there is none.
async fn config_or_report<R: Report + ?Sized>(
    target: &Target,
    calls: &mut Calls<'_, R>,
) -> Option<SdkConfig> {
    match config(target).await {
        Ok(config) => Some(config),
        Err(error) => {
            calls.call(CallReport::new(
                error.operation.clone(),
                target.profile_label(),
                Outcome::Failed(error),
            ));
            None
        }
    }
}

/// ECR with the credentials of `config`, its suggested commands naming `target`.
fn ecr_as(config: &SdkConfig, target: &Target) -> ecr::Ecr {
    let region = target
        .region
        .clone()
        .or_else(|| config.region().map(ToString::to_string));
    ecr::Ecr::new(config).commands_as(target.profile.as_deref(), region.as_deref())
}

async fn iam_client<R: Report + ?Sized>(iam: &IamTarget, calls: &mut Calls<'_, R>) -> Option<Iam> {
    let config = config_or_report(&iam.target, calls).await?;
    Some(iam.iam(&config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Recorded(Vec<CallReport>);

    impl Report for Recorded {
        fn call(&mut self, report: CallReport) {
            self.0.push(report);
        }
        fn output(&mut self, _: Output) {}
    }

    #[test]
    fn every_call_made_is_reported_also_after_one_that_ends_the_job() {
        let lost = CallReport::new(
            "ecr:SetRepositoryPolicy",
            "team/app",
            Outcome::Failed(CallError::new(
                "ecr:SetRepositoryPolicy",
                Some(aws::error::ANSWER_LOST),
                "no answer",
            )),
        );
        let read_back = CallReport::new(
            "ecr:GetRepositoryPolicy",
            "team/app",
            Outcome::Differs("read back: AWS holds another policy".into()),
        );
        let mut recorded = Recorded::default();
        let go_on = Calls(&mut recorded).calls(vec![lost.clone(), read_back.clone()]);
        assert!(!go_on);
        assert_eq!(recorded.0, [lost, read_back]);

        let ok = CallReport::new(
            "ecr:GetRepositoryPolicy",
            "team/app",
            Outcome::Ok("x".into()),
        );
        let mut recorded = Recorded::default();
        assert!(Calls(&mut recorded).calls(vec![ok.clone(), ok.clone()]));
        assert_eq!(recorded.0.len(), 2);
    }
}
