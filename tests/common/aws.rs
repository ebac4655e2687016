//! Small helpers the end-to-end tests share: SDK clients on the emulator, what AWS
//! holds afterwards, a local registry, and the files the tool writes.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value;

/// Runs a future to its end on a runtime of its own.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Keys from `Moto::assume_into`, or `None` for the plain keys (account 123456789012).
pub type Keys = Option<(String, String, String)>;

fn credentials(keys: Keys) -> aws_sdk_iam::config::Credentials {
    match keys {
        Some((key, secret, token)) => {
            aws_sdk_iam::config::Credentials::new(key, secret, Some(token), None, "tests")
        }
        None => aws_sdk_iam::config::Credentials::new("testing", "testing", None, None, "tests"),
    }
}

/// An IAM client on `endpoint` with these keys.
pub fn iam_client(endpoint: &str, keys: Keys) -> aws_sdk_iam::Client {
    aws_sdk_iam::Client::from_conf(
        aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(credentials(keys))
            .build(),
    )
}

/// An ECR client on `endpoint` with these keys.
pub fn ecr_client(endpoint: &str, keys: Keys) -> aws_sdk_ecr::Client {
    aws_sdk_ecr::Client::from_conf(
        aws_sdk_ecr::Config::builder()
            .behavior_version(aws_sdk_ecr::config::BehaviorVersion::latest())
            .region(aws_sdk_ecr::config::Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .credentials_provider(credentials(keys))
            .build(),
    )
}

/// The user's access key ids as IAM lists them; none when the user does not exist.
pub fn access_keys(iam: &aws_sdk_iam::Client, user: &str) -> Vec<String> {
    block_on(async {
        match iam.list_access_keys().user_name(user).send().await {
            Ok(output) => output
                .access_key_metadata()
                .iter()
                .filter_map(|k| k.access_key_id().map(str::to_string))
                .collect(),
            Err(_) => Vec::new(),
        }
    })
}

/// The repository's policy as parsed JSON; `None` when it has none.
pub fn repository_policy(ecr: &aws_sdk_ecr::Client, repository: &str) -> Option<Value> {
    block_on(async {
        match ecr
            .get_repository_policy()
            .repository_name(repository)
            .send()
            .await
        {
            Ok(output) => output
                .policy_text
                .map(|text| serde_json::from_str(&text).expect("the policy is JSON")),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_repository_policy_not_found_exception()) =>
            {
                None
            }
            Err(error) => panic!("reading the policy: {error:?}"),
        }
    })
}

/// `key=value` of one section of a config file.
pub fn ini_value(text: &str, section: &str, key: &str) -> Option<String> {
    let mut in_section = false;
    for line in text.lines() {
        if line.starts_with('[') {
            in_section = line == format!("[{section}]");
        } else if in_section
            && let Some((k, v)) = line.split_once('=')
            && k.trim() == key
        {
            return Some(v.trim().to_string());
        }
    }
    None
}

/// A file's permission bits.
pub fn file_mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A registry on 127.0.0.1 that answers every request with `status` and keeps the
/// request heads. Step 8 takes 200 and 404 as success.
pub struct Registry {
    pub url: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Registry {
    pub fn start(status: u16) -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    head.push_str(&line);
                }
                seen.lock().unwrap().push(head);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
            }
        });
        Registry { url, requests }
    }

    /// The heads of the requests it answered.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}
