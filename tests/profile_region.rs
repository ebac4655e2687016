//! The region a profile resolves to, which the wizard offers as its default region.
//! One test in its own binary, because it sets the process environment.

mod common;

use ecr_share::aws::profile_region;

#[test]
fn the_default_region_comes_from_the_profile_then_the_sdk_chain() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &config,
        "[default]\nregion = us-east-2\n\n[profile prod]\nregion = eu-west-1\n\n[profile bare]\noutput = json\n",
    )
    .unwrap();
    std::fs::write(&credentials, "").unwrap();
    let files = vec![
        ("AWS_CONFIG_FILE", config.display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials.display().to_string(),
        ),
        ("AWS_EC2_METADATA_DISABLED", "true".to_string()),
    ];
    // SAFETY: the only test of this binary; no runtime or thread runs yet.
    unsafe { common::set_only_aws_env(&files) };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert_eq!(
            profile_region(Some("prod")).await.as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(profile_region(None).await.as_deref(), Some("us-east-2"));
        assert_eq!(profile_region(Some("bare")).await, None);
        assert_eq!(profile_region(Some("no-such")).await, None);
    });
    drop(runtime);

    let mut with_region = files.clone();
    with_region.push(("AWS_REGION", "ap-south-1".to_string()));
    // SAFETY: as above; the runtime has ended.
    unsafe { common::set_only_aws_env(&with_region) };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        assert_eq!(
            profile_region(Some("prod")).await.as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(
            profile_region(Some("bare")).await.as_deref(),
            Some("ap-south-1")
        );
        assert_eq!(profile_region(None).await.as_deref(), Some("ap-south-1"));
    });
}
