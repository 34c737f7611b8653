//! `deploy/` stays true to the code: the environment file names every setting README lists,
//! README lists every setting the server reads, and systemd accepts the unit as shipped.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repository().join(path)).unwrap()
}

/// Every `QCDC_…` or `RUST_LOG` name in the first column of README's configuration table.
fn readme_settings() -> BTreeSet<String> {
    let readme = read("README.md");
    let table = readme
        .split("## Configuration")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a Configuration section");
    table
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split('`').next())
        .filter(|name| name.starts_with("QCDC_") || *name == "RUST_LOG")
        .map(str::to_owned)
        .collect()
}

/// Every `QCDC_…` string literal in the server's source.
fn settings_read_by_the_code() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut folders = vec![repository().join("api/src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split("\"QCDC_").skip(1) {
                    let name: String = piece
                        .chars()
                        .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                        .collect();
                    if piece[name.len()..].starts_with('"') {
                        found.insert(format!("QCDC_{name}"));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn the_environment_file_names_every_setting_readme_lists() {
    let settings = readme_settings();
    assert!(settings.len() > 20, "README's table was read: {settings:?}");
    let env = read("deploy/qcdc.env");
    let named: BTreeSet<String> = env
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .filter_map(|l| l.split_once('=').map(|(name, _)| name.to_owned()))
        .collect();
    let missing: Vec<_> = settings.difference(&named).collect();
    assert!(missing.is_empty(), "deploy/qcdc.env lacks {missing:?}");
    let unknown: Vec<_> = named
        .iter()
        .filter(|n| n.starts_with("QCDC_") || n.as_str() == "RUST_LOG")
        .filter(|n| !settings.contains(*n))
        .collect();
    assert!(
        unknown.is_empty(),
        "deploy/qcdc.env names settings README does not: {unknown:?}"
    );
}

#[test]
fn readme_lists_every_setting_the_server_reads() {
    let settings = readme_settings();
    let readme = read("README.md");
    for name in settings_read_by_the_code() {
        // The password of `qcdc user create` is an input of that command, documented there.
        if name == "QCDC_PASSWORD" {
            assert!(readme.contains("QCDC_PASSWORD"));
            continue;
        }
        assert!(
            settings.contains(&name),
            "{name} is read by the server but missing from README's Configuration table"
        );
    }
}

/// `systemd-analyze verify` on the units as shipped, with only the path of `qcdc` pointing at the
/// binary just built (verify insists that it exists); any warning fails.
#[test]
fn systemd_accepts_the_units() {
    let Some(analyze) = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
    else {
        assert!(
            !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
            "CI=true but systemd-analyze is missing"
        );
        eprintln!("systemd-analyze not installed: skipping");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut units = Vec::new();
    for entry in std::fs::read_dir(repository().join("deploy/systemd")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        if text.contains("ExecStart=") {
            assert!(
                text.contains("/usr/local/bin/qcdc "),
                "{name} runs the installed qcdc"
            );
        }
        std::fs::write(
            dir.path().join(&name),
            text.replace("/usr/local/bin/qcdc", env!("CARGO_BIN_EXE_qcdc")),
        )
        .unwrap();
        // A template is verified as one of its instances.
        units.push(if name.ends_with("@.service") {
            let instance = name.replace("@.", "@8081.");
            std::os::unix::fs::symlink(&name, dir.path().join(&instance)).unwrap();
            instance
        } else {
            name
        });
    }
    assert!(
        units.len() >= 3,
        "the service, the backup service and its timer: {units:?}"
    );
    let out = std::process::Command::new(analyze)
        .arg("verify")
        .args(units.iter().map(|u| dir.path().join(u)))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.trim().is_empty(),
        "systemd warns about the units: {stderr}"
    );
    let unit = read("deploy/systemd/qcdc@.service");
    for hardening in [
        "User=qcdc",
        "ProtectSystem=strict",
        "StateDirectory=qcdc",
        "NoNewPrivileges=yes",
        "CapabilityBoundingSet=\n",
    ] {
        assert!(unit.contains(hardening), "the unit lacks {hardening}");
    }
}

#[test]
fn the_prometheus_example_scrapes_the_instances_nginx_balances() {
    let scrape = read("deploy/prometheus/qcdc.yml");
    let upstream = read("deploy/nginx/upstream.conf");
    for line in upstream.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("server ") {
            let target = rest.split_whitespace().next().unwrap();
            assert!(
                scrape.contains(&format!("\"{target}\"")),
                "Prometheus does not scrape {target}"
            );
        }
    }
    assert!(scrape.contains("metrics_path: /metrics"));
    assert!(scrape.contains("credentials_file"));
}
