//! A small fault-injecting HTTP proxy on 127.0.0.1, in front of the emulator.
//!
//! Every request is forwarded to the emulator. For a request whose action matches a
//! rule, the proxy still forwards it and reads the emulator's whole answer, so the call
//! takes effect, but then closes the client's connection without answering (at once,
//! or after holding it open past the client's attempt timeout): the answer is lost.
//! A rule fires a set number of times. The proxy records the action of every request
//! it saw, so a test can count how many calls reached AWS. A hook acts on one chosen
//! request: it runs a test's closure just before the request is forwarded (to change
//! what AWS holds between two of the tool's calls, as another writer would), or
//! answers it with an error of the test's choosing without forwarding it (access
//! denied on one repository of several).
//!
//! A rule can also answer a request itself, without forwarding it: for an action the
//! emulator does not serve, or an error answer the emulator never gives.
//!
//! It can also hold every answer back for a while before delivering it, and counts
//! the requests it has received but not yet answered: the most at any one time is
//! how many calls the client had in flight at once.
//!
//! An IAM or STS call names its action in the form body (`Action=<Name>`); an ECR call
//! in the header `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Name>`.
//!
//! Each connection is served by its own thread with socket timeouts; the proxy stops
//! accepting when dropped, and a held connection is let go at once then.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// How long the proxy waits on a socket before giving up on the connection.
const IO_TIMEOUT: Duration = Duration::from_secs(30);
/// The most connections it serves at once; more are closed unanswered.
const MOST_CONNECTIONS: usize = 64;
/// The largest request head, request body or answer it handles.
const MOST_BYTES: u64 = 8 << 20;

/// What happens to the answer of a matching request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// The client's connection is closed as soon as the emulator has answered.
    Drop,
    /// The client's connection is held open this long, then closed.
    Hold(Duration),
    /// The request is not forwarded: the proxy answers with this status and body.
    Answer(u16, String),
}

#[derive(Debug)]
struct Rule {
    action: String,
    fault: Fault,
    left: usize,
}

/// What a hook does to the request it matches.
enum HookAction {
    /// Run this, then forward the request.
    Run(Box<dyn FnOnce() + Send>),
    /// Answer with this status and JSON error body; the emulator never sees it.
    Answer(u16, String),
}

/// Something to do to one request.
struct Hook {
    action: String,
    /// Text the request body must contain (a repository name, say).
    body_contains: String,
    /// How many matching requests to let through first.
    skip: usize,
    /// Taken when it fires (a hook fires once).
    then: Option<HookAction>,
}

impl std::fmt::Debug for Hook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hook")
            .field("action", &self.action)
            .field("body_contains", &self.body_contains)
            .field("skip", &self.skip)
            .field("pending", &self.then.is_some())
            .finish()
    }
}

#[derive(Debug, Default)]
struct Shared {
    rules: Vec<Rule>,
    hooks: Vec<Hook>,
    seen: Vec<String>,
    lost: Vec<String>,
    /// How long every answer is held back before it is delivered.
    delay: Duration,
    /// Requests received and not yet answered (or dropped), now and at most.
    in_flight: usize,
    peak_in_flight: usize,
}

/// Counts a request as in flight from when it is read until it is answered.
struct InFlight<'a>(&'a Mutex<Shared>);

impl<'a> InFlight<'a> {
    fn start(shared: &'a Mutex<Shared>) -> InFlight<'a> {
        let mut state = lock(shared);
        state.in_flight += 1;
        state.peak_in_flight = state.peak_in_flight.max(state.in_flight);
        InFlight(shared)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        lock(self.0).in_flight -= 1;
    }
}

/// The proxy; it listens until dropped.
pub struct Proxy {
    url: String,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str) -> Proxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port on 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let shared = Arc::new(Mutex::new(Shared::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let shared = Arc::clone(&shared);
            let stop = Arc::clone(&stop);
            thread::spawn(move || accept_loop(&listener, &upstream, &shared, &stop))
        };
        Proxy {
            url,
            shared,
            stop,
            accept: Some(accept),
        }
    }

    /// The address to point a client at.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next `times` answers to `action` are lost: the connection is closed once
    /// the emulator has answered.
    pub fn lose_answer(&self, action: &str, times: usize) {
        self.add_rule(action, Fault::Drop, times);
    }

    /// The next `times` answers to `action` are lost after holding the connection
    /// open for `hold`.
    pub fn hold_answer(&self, action: &str, times: usize, hold: Duration) {
        self.add_rule(action, Fault::Hold(hold), times);
    }

    /// The next `times` requests for `action` are not forwarded: the proxy answers
    /// them with `status` and the XML `body` (IAM's and STS's protocol).
    pub fn answer(&self, action: &str, times: usize, status: u16, body: &str) {
        self.add_rule(action, Fault::Answer(status, body.to_string()), times);
    }

    /// Runs `run` once, just before forwarding the request for `action` whose body
    /// contains `body_contains`, after letting `skip` such requests through. The
    /// request then reaches the emulator as it was sent.
    pub fn before_request(
        &self,
        action: &str,
        body_contains: &str,
        skip: usize,
        run: impl FnOnce() + Send + 'static,
    ) {
        self.add_hook(action, body_contains, skip, HookAction::Run(Box::new(run)));
    }

    /// Answers the request for `action` whose body contains `body_contains`, after
    /// letting `skip` such requests through, with an AWS JSON error of this `code`
    /// (HTTP 400) instead of forwarding it: the call has no effect.
    pub fn fail_request(&self, action: &str, body_contains: &str, skip: usize, code: &str) {
        let body =
            format!(r#"{{"__type":"{code}","message":"refused by the test proxy for {action}"}}"#);
        self.add_hook(action, body_contains, skip, HookAction::Answer(400, body));
    }

    fn add_hook(&self, action: &str, body_contains: &str, skip: usize, then: HookAction) {
        lock(&self.shared).hooks.push(Hook {
            action: action.to_string(),
            body_contains: body_contains.to_string(),
            skip,
            then: Some(then),
        });
    }

    fn add_rule(&self, action: &str, fault: Fault, times: usize) {
        lock(&self.shared).rules.push(Rule {
            action: action.to_string(),
            fault,
            left: times,
        });
    }

    /// The action of every request that reached the emulator (or that the proxy
    /// answered itself), in order.
    pub fn seen(&self) -> Vec<String> {
        lock(&self.shared).seen.clone()
    }

    /// How many requests for `action` reached the emulator.
    pub fn count(&self, action: &str) -> usize {
        lock(&self.shared)
            .seen
            .iter()
            .filter(|a| *a == action)
            .count()
    }

    /// The actions whose answers were lost, in order.
    pub fn lost(&self) -> Vec<String> {
        lock(&self.shared).lost.clone()
    }

    /// Every answer from now on is delivered only after `delay`, as a distant
    /// endpoint would answer.
    pub fn delay_answers(&self, delay: Duration) {
        lock(&self.shared).delay = delay;
    }

    /// The most requests the proxy had received and not yet answered at one time.
    /// A request stops counting just before its answer is sent, so a client that
    /// starts its next call only after an answer is never counted twice.
    pub fn peak_in_flight(&self) -> usize {
        lock(&self.shared).peak_in_flight
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn accept_loop(
    listener: &TcpListener,
    upstream: &str,
    shared: &Arc<Mutex<Shared>>,
    stop: &Arc<AtomicBool>,
) {
    let active = Arc::new(AtomicUsize::new(0));
    while !stop.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((client, _)) => {
                if active.load(Ordering::SeqCst) >= MOST_CONNECTIONS {
                    continue;
                }
                active.fetch_add(1, Ordering::SeqCst);
                let (upstream, shared, stop, active) = (
                    upstream.to_string(),
                    Arc::clone(shared),
                    Arc::clone(stop),
                    Arc::clone(&active),
                );
                thread::spawn(move || {
                    // A broken connection ends only that connection.
                    let _ = serve(client, &upstream, &shared, &stop);
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                thread::sleep(Duration::from_millis(5));
            }
            Err(_) => thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// Serves one request on a client connection, then closes it.
fn serve(
    client: TcpStream,
    upstream: &str,
    shared: &Mutex<Shared>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    client.set_nonblocking(false)?;
    client.set_read_timeout(Some(IO_TIMEOUT))?;
    client.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut reader = BufReader::new(client.try_clone()?);

    let mut head = Vec::new();
    let mut length = 0u64;
    let mut target = None;
    loop {
        let mut line = String::new();
        if (&mut reader).take(MOST_BYTES).read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
            match name.as_str() {
                "content-length" => length = value.parse().unwrap_or(0).min(MOST_BYTES),
                "x-amz-target" => target = value.rsplit('.').next().map(str::to_string),
                "connection" | "keep-alive" | "proxy-connection" => continue,
                _ => {}
            }
        }
        head.push(line);
    }
    let mut body = Vec::new();
    (&mut reader).take(length).read_to_end(&mut body)?;
    let action = target
        .or_else(|| form_action(&body))
        .unwrap_or_else(|| head.first().cloned().unwrap_or_default().trim().to_string());

    let due: Vec<HookAction> = {
        let mut shared = lock(shared);
        let text = String::from_utf8_lossy(&body);
        let mut due = Vec::new();
        for hook in shared.hooks.iter_mut().filter(|hook| {
            hook.action == action && hook.then.is_some() && text.contains(&hook.body_contains)
        }) {
            if hook.skip > 0 {
                hook.skip -= 1;
            } else {
                due.extend(hook.then.take());
            }
        }
        due
    };
    // Outside the lock: a hook may make calls of its own through other clients.
    for then in due {
        match then {
            HookAction::Run(run) => run(),
            HookAction::Answer(status, error) => {
                lock(shared).seen.push(action.clone());
                let mut writer = client;
                write!(
                    writer,
                    "HTTP/1.1 {status} Refused\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-ErrorType: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{error}",
                    error.split('"').nth(3).unwrap_or("UnknownError"),
                    error.len()
                )?;
                writer.flush()?;
                let _ = writer.shutdown(Shutdown::Both);
                return Ok(());
            }
        }
    }

    let in_flight = InFlight::start(shared);
    let (fault, delay) = {
        let mut shared = lock(shared);
        shared.seen.push(action.clone());
        let rule = shared
            .rules
            .iter_mut()
            .find(|rule| rule.action == action && rule.left > 0);
        let fault = rule.map(|rule| {
            rule.left -= 1;
            rule.fault.clone()
        });
        (fault, shared.delay)
    };
    if let Some(Fault::Answer(status, body)) = &fault {
        let mut writer = client;
        write!(
            writer,
            "HTTP/1.1 {status} Answered\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )?;
        writer.flush()?;
        let _ = writer.shutdown(Shutdown::Both);
        return Ok(());
    }

    let mut server = TcpStream::connect(upstream)?;
    server.set_read_timeout(Some(IO_TIMEOUT))?;
    server.set_write_timeout(Some(IO_TIMEOUT))?;
    let mut request = head.concat().into_bytes();
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request.extend_from_slice(&body);
    server.write_all(&request)?;
    let mut answer = Vec::new();
    (&mut server).take(MOST_BYTES).read_to_end(&mut answer)?;
    let until = Instant::now() + delay;
    while Instant::now() < until && !stop.load(Ordering::SeqCst) {
        thread::sleep(Duration::from_millis(5));
    }

    if let Some(fault) = fault {
        lock(shared).lost.push(action);
        if let Fault::Hold(hold) = fault {
            let until = Instant::now() + hold;
            while Instant::now() < until && !stop.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(10));
            }
        }
        drop(in_flight);
        let _ = client.shutdown(Shutdown::Both);
        return Ok(());
    }
    drop(in_flight);
    let mut writer = client;
    writer.write_all(&closing(&answer))?;
    writer.flush()?;
    let _ = writer.shutdown(Shutdown::Both);
    Ok(())
}

/// The `Action` of a form-encoded body (IAM and STS).
fn form_action(body: &[u8]) -> Option<String> {
    let body = std::str::from_utf8(body).ok()?;
    body.split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
        .map(str::to_string)
}

/// The answer with `Connection: close`, so the client does not reuse the connection.
fn closing(answer: &[u8]) -> Vec<u8> {
    let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
        return answer.to_vec();
    };
    let head = String::from_utf8_lossy(&answer[..end]);
    let mut out = String::new();
    for line in head.split("\r\n") {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if name == "connection" || name == "keep-alive" {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&answer[end + 4..]);
    bytes
}
