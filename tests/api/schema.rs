//! `schema.graphql` is the contract with front-end teams: it must match the code, and every
//! type, field, argument and enum value must say what it is.

use serde_json::{Value, json};

use crate::support::{Backend, TestApp};

const COMMITTED: &str = include_str!("../../schema.graphql");

#[test]
fn committed_schema_matches_the_code() {
    let generated = qcdc::graphql::sdl();
    assert!(
        generated == COMMITTED,
        "schema.graphql is stale: run `cargo run -p qcdc -- schema > schema.graphql` and commit it"
    );
}

#[test]
fn the_schema_command_prints_the_same_sdl() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_qcdc"))
        .arg("schema")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8(out.stdout).unwrap(), qcdc::graphql::sdl());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_field_argument_and_value_is_described() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = app
        .gql(
            None,
            r#"{ __schema { types {
                 name kind description
                 fields { name description args { name description } }
                 inputFields { name description }
                 enumValues { name description }
               } } }"#,
            json!({}),
        )
        .await;
    let described = |v: &Value| {
        v["description"]
            .as_str()
            .is_some_and(|d| !d.trim().is_empty())
    };
    let mut missing = Vec::new();
    for t in body["data"]["__schema"]["types"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        if name.starts_with("__") || t["kind"] == "SCALAR" {
            continue;
        }
        if !described(t) {
            missing.push(name.to_owned());
        }
        for f in t["fields"].as_array().into_iter().flatten() {
            if !described(f) {
                missing.push(format!("{name}.{}", f["name"]));
            }
            for a in f["args"].as_array().into_iter().flatten() {
                if !described(a) {
                    missing.push(format!("{name}.{}({})", f["name"], a["name"]));
                }
            }
        }
        for f in t["inputFields"].as_array().into_iter().flatten() {
            if !described(f) {
                missing.push(format!("{name}.{}", f["name"]));
            }
        }
        for v in t["enumValues"].as_array().into_iter().flatten() {
            if !described(v) {
                missing.push(format!("{name}.{}", v["name"]));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
    app.finish().await;
}
