//! Two qcdc processes on one PostgreSQL behind Debian's nginx, configured by `deploy/nginx/`
//! exactly as shipped (only the listening server block is the test's): requests spread over
//! both, a subscription on one hears a change made through the other, an instance stopped with
//! SIGTERM under load costs the clients nothing, and the client address qcdc throttles and
//! audits is the real one. The drain window and trusted proxies come from `deploy/qcdc.env`.

use std::{
    net::IpAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::live;

/// The instances' ports, as `deploy/nginx/upstream.conf` names them.
const PORTS: [u16; 2] = [8081, 8082];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// `VAR=value` lines of `deploy/qcdc.env` that are set (not commented out).
pub fn deployed_setting(name: &str) -> String {
    let text = std::fs::read_to_string(repository().join("deploy/qcdc.env")).unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("deploy/qcdc.env sets no {name}"))
        .to_owned()
}

/// nginx's binary, or `None` outside CI when it is not installed (CI installs it; there a
/// missing nginx is a failure, never a skip).
fn nginx_binary() -> Option<PathBuf> {
    let found = ["/usr/sbin/nginx", "/usr/local/sbin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
            "CI=true but nginx is not installed: .ci/run installs it"
        );
        eprintln!("nginx not installed: skipping the proxy test");
    }
    found
}

/// nginx running in the foreground with the repository's upstream and proxy files.
struct Nginx {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Nginx {
    fn start(binary: &Path) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        for temp in ["body", "proxy", "fastcgi", "uwsgi", "scgi"] {
            let path = dir.path().join(temp);
            std::fs::create_dir(&path).unwrap();
            // Workers may run as another user than the master.
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
        }
        let deploy = repository().join("deploy/nginx");
        let d = dir.path().display();
        let config = format!(
            "daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
             events {{ worker_connections 1024; }}\n\
             http {{\n  access_log {d}/access.log;\n  client_body_temp_path {d}/body;\n  \
             proxy_temp_path {d}/proxy;\n  fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  \
             scgi_temp_path {d}/scgi;\n  include {up};\n  \
             server {{\n    listen 127.0.0.1:{port};\n    include {proxy};\n  }}\n}}\n",
            up = deploy.join("upstream.conf").display(),
            proxy = deploy.join("proxy.conf").display(),
        );
        let conf = dir.path().join("nginx.conf");
        std::fs::write(&conf, config).unwrap();
        let checked = Command::new(binary)
            .args(["-t", "-p"])
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .output()
            .unwrap();
        assert!(
            checked.status.success(),
            "nginx -t refused deploy/nginx: {}",
            String::from_utf8_lossy(&checked.stderr)
        );
        let child = Command::new(binary)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "nginx did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        }
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server process, killed if the test ends early (a failed assertion unwinds through it).
struct Instance(Child);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A client whose connections leave from `address` (any of 127.0.0.0/8 is this host), so
/// the test can play clients at different addresses.
fn client_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(address.parse::<IpAddr>().unwrap())
        .build()
        .unwrap()
}

/// An instance's own `/metrics` (open in development).
async fn metrics(instance: &str) -> String {
    reqwest::get(format!("{instance}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Requests to `/graphql` an instance has answered so far.
async fn graphql_requests(instance: &str) -> u64 {
    metrics(instance)
        .await
        .lines()
        .filter(|l| l.starts_with("qcdc_http_requests_total{route=\"/graphql\""))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// Subscriptions an instance has registered.
async fn subscriptions(instance: &str) -> u64 {
    metrics(instance)
        .await
        .lines()
        .find_map(|l| l.strip_prefix("qcdc_graphql_subscriptions_active "))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .unwrap_or(0.0) as u64
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
    request_id: &str,
) -> (u16, Value) {
    let mut request = client
        .post(format!("{base}/graphql"))
        .header("x-request-id", request_id)
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn login(base: &str, user: &str) -> String {
    let (_, body) = post(
        &reqwest::Client::new(),
        base,
        None,
        "mutation($u: String!) { login(username: $u, password: \"qcdc-demo\") { accessToken } }",
        json!({ "u": user }),
        "login",
    )
    .await;
    body["data"]["login"]["accessToken"]
        .as_str()
        .unwrap_or_else(|| panic!("{user} signed in: {body}"))
        .to_owned()
}

/// A failed sign-in for `user` from `client`, sent as `request_id`; its error code.
async fn failed_login(
    client: &reqwest::Client,
    base: &str,
    user: &str,
    request_id: &str,
) -> String {
    let (_, body) = post(
        client,
        base,
        None,
        "mutation($u: String!) { login(username: $u, password: \"wrong\") { accessToken } }",
        json!({ "u": user }),
        request_id,
    )
    .await;
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("a failed sign-in: {body}"))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_behind_nginx_behave_as_one() {
    let Some(admin) = crate::support::postgres_url() else {
        return;
    };
    let Some(nginx_bin) = nginx_binary() else {
        return;
    };
    let (url, name) = crate::support::fresh_postgres_database(&admin).await;
    let files = tempfile::tempdir().unwrap();
    let (trusted, drain) = (
        deployed_setting("QCDC_TRUSTED_PROXIES"),
        deployed_setting("QCDC_SHUTDOWN_DRAIN_MS"),
    );
    let data_dir = files.path().display().to_string();
    for port in PORTS {
        assert!(
            std::net::TcpListener::bind(("127.0.0.1", port)).is_ok(),
            "port {port}, which deploy/nginx/upstream.conf names, is taken"
        );
    }
    let instance = |port: u16| {
        let listen = format!("127.0.0.1:{port}");
        let (child, base) = crate::support::spawn_binary_with(
            &url,
            &[
                ("QCDC_LISTEN", listen.as_str()),
                ("QCDC_TRUSTED_PROXIES", trusted.as_str()),
                ("QCDC_SHUTDOWN_DRAIN_MS", drain.as_str()),
                ("QCDC_DATA_DIR", data_dir.as_str()),
                ("QCDC_JWT_SECRET", crate::support::TEST_SECRET),
            ],
        );
        (Instance(child), base)
    };
    let (mut a, base_a) = instance(PORTS[0]);
    let (b, base_b) = instance(PORTS[1]);
    let nginx = Nginx::start(&nginx_bin);
    let front = nginx.base.clone();

    requests_spread(&front, &base_a, &base_b).await;
    a_subscription_hears_the_other_instance(&front, &base_a, &base_b).await;
    the_client_address_is_the_real_one(&front, &base_a).await;
    let stopped = sigterm_under_load_costs_no_request(&nginx, &mut a.0, &base_a, &base_b).await;
    assert!(
        stopped.success(),
        "the stopped instance exited with {stopped}"
    );

    let log = nginx.error_log();
    drop(b);
    drop(nginx);
    crate::support::drop_postgres_database(&admin, &name).await;
    // nginx logs an upstream it could not use; none of those may have reached a client, which
    // the load above checked, but a connection reset on a sent request would show here.
    assert!(
        !log.contains("upstream prematurely closed") && !log.contains("reset by peer"),
        "nginx met a connection the instance closed under it:\n{log}"
    );
}

/// Sequential requests through nginx reach both instances.
async fn requests_spread(front: &str, base_a: &str, base_b: &str) {
    let (before_a, before_b) = (
        graphql_requests(base_a).await,
        graphql_requests(base_b).await,
    );
    let client = reqwest::Client::new();
    for i in 0..20 {
        let (status, body) = post(
            &client,
            front,
            None,
            "{ __typename }",
            json!({}),
            &format!("spread-{i}"),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let (to_a, to_b) = (
        graphql_requests(base_a).await - before_a,
        graphql_requests(base_b).await - before_b,
    );
    assert_eq!(to_a + to_b, 20, "every request reached an instance");
    assert!(
        to_a >= 5 && to_b >= 5,
        "requests spread over both instances: {to_a} and {to_b}"
    );
}

/// Opens subscriptions through nginx until one is on each instance; returns them as (on A, on B).
async fn one_subscription_on_each(
    front: &str,
    token: &str,
    base_a: &str,
    base_b: &str,
) -> (live::Socket, live::Socket) {
    let (mut on_a, mut on_b) = (None, None);
    for _ in 0..8 {
        let (was_a, was_b) = (subscriptions(base_a).await, subscriptions(base_b).await);
        let mut ws = live::open(front, token)
            .await
            .expect("a socket through nginx");
        live::subscribe(&mut ws, live::WATCH).await;
        let started = Instant::now();
        loop {
            let (now_a, now_b) = (subscriptions(base_a).await, subscriptions(base_b).await);
            if now_a > was_a {
                if on_a.is_none() {
                    on_a = Some(ws);
                }
                break;
            }
            if now_b > was_b {
                if on_b.is_none() {
                    on_b = Some(ws);
                }
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the subscription never registered"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if on_a.is_some() && on_b.is_some() {
            break;
        }
    }
    (
        on_a.expect("a subscription landed on instance A"),
        on_b.expect("a subscription landed on instance B"),
    )
}

/// A report submitted through nginx is heard by a subscriber on each instance, so one of them
/// heard it from the other instance.
async fn a_subscription_hears_the_other_instance(front: &str, base_a: &str, base_b: &str) {
    let client = reqwest::Client::new();
    let steering = login(front, "steering").await;
    let reporter = login(front, "reporter").await;
    let (obligation, _) = live::obligations(front, &client, &steering).await;
    let (mut on_a, mut on_b) = one_subscription_on_each(front, &steering, base_a, base_b).await;
    live::submit(front, &client, &reporter, &obligation).await;
    for (ws, on) in [(&mut on_a, "A"), (&mut on_b, "B")] {
        let event = live::next_json(ws)
            .await
            .unwrap_or_else(|| panic!("the subscriber on instance {on} heard the change"));
        assert_eq!(
            event["payload"]["data"]["reportStatusChanged"]["unit"]["code"], "ST.D01.BCD",
            "{event}"
        );
    }
}

/// Throttling and the audit log see the address the client connected to nginx from; a client
/// cannot choose it, neither through nginx nor by going round it.
async fn the_client_address_is_the_real_one(front: &str, base_a: &str) {
    // A guesser at 127.0.0.2 gets 10 tries (per account and address), however nginx spreads
    // them: the instances count together.
    let guesser = client_from("127.0.0.2");
    for i in 0..10 {
        assert_eq!(
            failed_login(&guesser, front, "reporter", &format!("guess-{i}")).await,
            "UNAUTHENTICATED",
            "try {i} of 10"
        );
    }
    for i in 10..14 {
        assert_eq!(
            failed_login(&guesser, front, "reporter", &format!("guess-{i}")).await,
            "TOO_MANY_REQUESTS",
            "try {i}: the guesser is throttled on every instance"
        );
    }
    // …while the account's owner at 127.0.0.3 is not: the throttle keys on the client, not on
    // nginx's address, which every request shares.
    let owner = client_from("127.0.0.3");
    for i in 0..4 {
        assert_eq!(
            failed_login(&owner, front, "reporter", &format!("owner-{i}")).await,
            "UNAUTHENTICATED",
            "another client at another address is not throttled"
        );
    }
    // A client's own X-Forwarded-For proves nothing, through nginx or straight to an instance.
    let (status, _) = post(
        &client_from("127.0.0.4"),
        front,
        None,
        "mutation { login(username: \"nobody\", password: \"x\") { accessToken } }",
        json!({}),
        "spoof-through-nginx",
    )
    .await;
    assert_eq!(status, 200);
    let spoofed = client_from("127.0.0.5")
        .post(format!("{base_a}/graphql"))
        .header("x-request-id", "spoof-direct")
        .header("x-forwarded-for", "198.51.100.8")
        .json(&json!({ "query": "mutation { login(username: \"nobody\", password: \"x\") { accessToken } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed.status().as_u16(), 200);
    let spoofed_via_nginx = client_from("127.0.0.4")
        .post(format!("{front}/graphql"))
        .header("x-request-id", "spoof-header-through-nginx")
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({ "query": "mutation { login(username: \"nobody\", password: \"x\") { accessToken } }" }))
        .send()
        .await
        .unwrap();
    assert_eq!(spoofed_via_nginx.status().as_u16(), 200);

    let admin = login(front, "admin").await;
    let (_, body) = post(
        &reqwest::Client::new(),
        front,
        Some(&admin),
        r#"{ auditEvents(first: 100, filter: { action: "session.login_failed" }) { edges { node { requestId clientAddress } } } }"#,
        json!({}),
        "audit",
    )
    .await;
    let events: Vec<(String, String)> = body["data"]["auditEvents"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| {
            (
                e["node"]["requestId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                e["node"]["clientAddress"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect();
    let address_of = |request: &str| {
        events
            .iter()
            .find(|(id, _)| id == request)
            .map(|(_, address)| address.clone())
            .unwrap_or_else(|| panic!("no audit event for request {request}: {events:?}"))
    };
    assert_eq!(address_of("guess-0"), "127.0.0.2");
    assert_eq!(address_of("owner-0"), "127.0.0.3");
    assert_eq!(address_of("spoof-through-nginx"), "127.0.0.4");
    assert_eq!(address_of("spoof-header-through-nginx"), "127.0.0.4");
    assert_eq!(address_of("spoof-direct"), "127.0.0.5");
    assert!(
        events.iter().all(|(_, address)| address != "127.0.0.1"),
        "no event names nginx's own address: {events:?}"
    );
}

/// Clients keep sending queries and mutations through nginx while instance A gets SIGTERM:
/// not one request fails, A exits cleanly, and its subscriber is told to reconnect (1001),
/// which it does, through nginx, to B.
async fn sigterm_under_load_costs_no_request(
    nginx: &Nginx,
    a: &mut Child,
    base_a: &str,
    base_b: &str,
) -> std::process::ExitStatus {
    let front = nginx.base.as_str();
    let steering = login(front, "steering").await;
    let (mut on_a, _on_b) = one_subscription_on_each(front, &steering, base_a, base_b).await;
    let units = {
        let (_, body) = post(&reqwest::Client::new(), front, Some(&steering), r#"{ units(first: 100, filter: { kinds: [STEERING_COMMITTEE] }) { edges { node { id code } } } }"#, json!({}), "units").await;
        body["data"]["units"]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["node"]["code"] == "ST.BCD")
            .unwrap()["node"]["id"]
            .clone()
    };
    let stop = Arc::new(AtomicBool::new(false));
    let (ok, failed) = (
        Arc::new(AtomicU64::new(0)),
        Arc::new(std::sync::Mutex::new(Vec::new())),
    );
    let mut load = Vec::new();
    for worker in 0..4 {
        let (stop, ok, failed) = (stop.clone(), ok.clone(), failed.clone());
        let (front, steering, unit) = (front.to_owned(), steering.clone(), units.clone());
        load.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut i = 0u64;
            while !stop.load(Ordering::SeqCst) {
                i += 1;
                let (query, variables) = if i.is_multiple_of(2) {
                    (
                        "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
                        json!({ "i": { "title": format!("Kế hoạch tải {worker}-{i}"), "issuingUnitId": unit, "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
                    )
                } else {
                    ("{ units(first: 20) { edges { node { code name } } } }", json!({}))
                };
                let sent = client
                    .post(format!("{front}/graphql"))
                    .bearer_auth(&steering)
                    .json(&json!({ "query": query, "variables": variables }))
                    .send()
                    .await;
                let outcome = match sent {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        match response.json::<Value>().await {
                            Ok(body) if status == 200 && body["errors"].is_null() => Ok(()),
                            Ok(body) => Err(format!("{status} {body}")),
                            Err(e) => Err(format!("{status} unreadable: {e}")),
                        }
                    }
                    Err(e) => Err(format!("transport: {e}")),
                };
                match outcome {
                    Ok(()) => {
                        ok.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => failed.lock().unwrap().push(e),
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = ok.load(Ordering::SeqCst);
    let pid = a.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    // While it drains, A says it is not ready…
    let ready = reqwest::get(format!("{base_a}/readyz")).await.unwrap();
    assert_eq!(
        ready.status().as_u16(),
        503,
        "a draining instance is not ready"
    );
    // …and its subscriber is told to go elsewhere.
    let closed = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match on_a.next().await {
                Some(Ok(Message::Close(frame))) => return frame.map(|f| u16::from(f.code)),
                Some(Ok(_)) => continue,
                _ => return None,
            }
        }
    })
    .await
    .expect("the subscriber on the stopping instance was closed");
    assert_eq!(closed, Some(1001), "closed with Going Away");
    let mut again = live::open(front, &steering)
        .await
        .expect("the subscriber reconnected through nginx");
    live::subscribe(&mut again, live::WATCH).await;

    let waiting = Instant::now();
    let exit = loop {
        if let Some(exit) = a.try_wait().unwrap() {
            break exit;
        }
        assert!(
            waiting.elapsed() < Duration::from_secs(60),
            "instance A did not stop"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    // Keep the load on B alone for a while.
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, Ordering::SeqCst);
    for worker in load {
        worker.await.unwrap();
    }
    let failures = failed.lock().unwrap().clone();
    assert!(
        failures.is_empty(),
        "requests failed while an instance stopped: {failures:?}\nnginx's error log:\n{}",
        nginx.error_log()
    );
    let served = ok.load(Ordering::SeqCst);
    assert!(
        served > before + 20,
        "the load went on through the stop ({before} before, {served} in all)"
    );
    exit
}

/// `deploy/nginx/site.conf` as shipped passes `nginx -t`, with only its install paths pointing
/// into the repository and a throw-away certificate where the province's goes.
#[test]
fn the_shipped_site_passes_nginx_t() {
    let Some(nginx) = nginx_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ])
        .args(["-subj", "/CN=qcdc.example.gov.vn", "-days", "1", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let deploy = repository().join("deploy/nginx");
    let site = std::fs::read_to_string(deploy.join("site.conf"))
        .unwrap()
        .replace("/etc/nginx/qcdc/", &format!("{}/", deploy.display()))
        .replace("/etc/ssl/qcdc/fullchain.pem", &cert.display().to_string())
        .replace("/etc/ssl/qcdc/privkey.pem", &key.display().to_string())
        .replace("/var/log/nginx/", &format!("{}/", dir.path().display()));
    std::fs::write(dir.path().join("site.conf"), site).unwrap();
    let d = dir.path().display();
    std::fs::write(
        dir.path().join("nginx.conf"),
        format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\n\
             http {{\n  access_log off;\n  include {d}/site.conf;\n}}\n"
        ),
    )
    .unwrap();
    let checked = Command::new(nginx)
        .arg("-t")
        .arg("-p")
        .arg(dir.path())
        .arg("-c")
        .arg(dir.path().join("nginx.conf"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{said}");
    assert!(
        !said.contains("[warn]"),
        "nginx warns about the site: {said}"
    );
}
