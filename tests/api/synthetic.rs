//! Synthetic data for benchmarks: loaded through the seed command's code, answered through the
//! API like real data, and the same rows for the same seed number.

use entity::{Role, indicator_value, report};
use qcdc::seed::synthetic::{Scale, seed_synthetic};
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use serde_json::json;

use crate::support::{Backend, TestApp};

on_both_databases!(the_synthetic_province_answers_through_the_api);

async fn the_synthetic_province_answers_through_the_api(app: &TestApp) {
    let made = seed_synthetic(&app.db, Scale::Province, 7).await.unwrap();
    assert_eq!((made.tasks, made.reports), (2_000, 20_000));
    assert_eq!(made.indicator_values, 5 * made.reports);
    assert!((140..=160).contains(&made.units), "{}", made.units);
    assert!(
        seed_synthetic(&app.db, Scale::Province, 7).await.is_err(),
        "a second load is refused"
    );

    let token = app.user_with("syn", Role::Steering, "SYN").await;
    let root = app.unit_id("SYN").await;
    let data = app
        .data(
            &token,
            r#"query($u: ID!) {
                units(first: 1, filter: { within: $u }) { totalCount }
                plans(first: 1, filter: { unit: $u }) { edges { node { id number } } } }"#,
            json!({ "u": root }),
        )
        .await;
    assert_eq!(data["units"]["totalCount"], made.units);
    let plan = data["plans"]["edges"][0]["node"]["id"].clone();
    let progress = app
        .data(
            &token,
            "query($p: ID!, $u: ID!) { planProgress(planId: $p, unitId: $u) { tasks { total done } } }",
            json!({ "p": plan, "u": root }),
        )
        .await;
    assert_eq!(progress["planProgress"]["tasks"]["total"], 2_000);

    // The province-wide sum the API computes equals the sum of the stored values.
    let values = indicator_value::Entity::find().all(&app.db).await.unwrap();
    let indicator = entity::indicator::Entity::find_by_id(values[0].indicator_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let stored: f64 = values
        .iter()
        .filter(|v| v.indicator_id == indicator.id)
        .map(|v| v.value)
        .sum();
    let summed = app
        .data(
            &token,
            r#"query($c: String!, $u: ID!) { indicatorSummary(codes: [$c], unitId: $u,
                periodFrom: "2000-01-01", periodTo: "2030-12-31") { value } }"#,
            json!({ "c": indicator.code, "u": root }),
        )
        .await;
    assert_eq!(summed["indicatorSummary"][0]["value"], stored);
}

/// A digest of what a load wrote: report ids and indicator values in a fixed order.
async fn digest(app: &TestApp) -> (Vec<uuid::Uuid>, Vec<u64>) {
    let reports = report::Entity::find()
        .select_only()
        .column(report::Column::Id)
        .order_by_asc(report::Column::SortKey)
        .limit(50)
        .into_tuple::<uuid::Uuid>()
        .all(&app.db)
        .await
        .unwrap();
    let values = indicator_value::Entity::find()
        .order_by_asc(indicator_value::Column::Id)
        .limit(200)
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|v| v.value.to_bits())
        .collect();
    (reports, values)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_seed_gives_the_same_rows() {
    let mut digests = Vec::new();
    for seed in [7, 7, 8] {
        let app = TestApp::spawn(Backend::Sqlite).await;
        seed_synthetic(&app.db, Scale::Province, seed)
            .await
            .unwrap();
        digests.push(digest(&app).await);
        app.finish().await;
    }
    assert_eq!(digests[0], digests[1], "seed 7 twice");
    assert_ne!(digests[0], digests[2], "seed 8 differs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_national_scale_needs_postgres() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let refused = seed_synthetic(&app.db, Scale::National, 1).await;
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("needs PostgreSQL")
    );
    app.finish().await;
}
