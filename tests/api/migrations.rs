//! One migration set, down and up on both databases; seeding is idempotent.

use entity::prelude::*;
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};
use sea_orm_migration::MigratorTrait;
use serde_json::json;

use crate::support::TestApp;

on_both_databases!(
    migrations_go_down_and_up_again,
    seeding_twice_changes_nothing
);

async fn row_counts(db: &DatabaseConnection) -> Vec<u64> {
    vec![
        Unit::find().count(db).await.unwrap(),
        UnitClosure::find().count(db).await.unwrap(),
        LegalDocument::find().count(db).await.unwrap(),
        DocumentRelation::find().count(db).await.unwrap(),
        Plan::find().count(db).await.unwrap(),
        PlanRecipient::find().count(db).await.unwrap(),
        Task::find().count(db).await.unwrap(),
        TaskLegalReference::find().count(db).await.unwrap(),
        Assignment::find().count(db).await.unwrap(),
        ReportSchedule::find().count(db).await.unwrap(),
        ReportObligation::find().count(db).await.unwrap(),
        Indicator::find().count(db).await.unwrap(),
        User::find().count(db).await.unwrap(),
        RoleGrant::find().count(db).await.unwrap(),
    ]
}

async fn migrations_go_down_and_up_again(app: &TestApp) {
    migration::Migrator::down(&app.db, None).await.unwrap();
    assert!(
        Unit::find().count(&app.db).await.is_err(),
        "tables are gone after down"
    );
    migration::Migrator::up(&app.db, None).await.unwrap();
    assert_eq!(Unit::find().count(&app.db).await.unwrap(), 0);
    // The server keeps working on the rebuilt schema once it is seeded again.
    qcdc::seed::seed_reference(&app.db, qcdc::seed::file::SOC_TRANG_2024)
        .await
        .unwrap();
    qcdc::seed::seed_demo_accounts(&app.db).await.unwrap();
    let token = app.login("viewer").await;
    let data = app
        .data(&token, "{ plans { totalCount } }", json!({}))
        .await;
    assert_eq!(data["plans"]["totalCount"], 1);
}

async fn seeding_twice_changes_nothing(app: &TestApp) {
    let before = row_counts(&app.db).await;
    assert!(before.iter().all(|n| *n > 0), "{before:?}");
    let again = qcdc::seed::seed_reference(&app.db, qcdc::seed::file::SOC_TRANG_2024)
        .await
        .unwrap();
    assert_eq!(again.created(), 0, "{again:?}");
    assert!(!qcdc::seed::seed_demo_accounts(&app.db).await.unwrap());
    assert_eq!(row_counts(&app.db).await, before);
}

/// Instances started together on one PostgreSQL database (a rolling deploy) prepare it one at a
/// time: found from outside, two servers started at once on an empty database both seeded it and
/// one stopped ("a unit with this code exists already"). SQLite serves one instance.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_prepare_the_database_once() {
    let Some(admin) = crate::support::postgres_url() else {
        return;
    };
    let (url, name) = crate::support::fresh_postgres_database(&admin).await;
    let config = crate::support::test_config(url);
    let starts = (0..3).map(|_| qcdc::startup::Application::build(&config));
    let built = futures_util::future::join_all(starts).await;
    let mut seeded = 0;
    for result in built {
        let (app, prepared) = result.expect("every instance starts");
        seeded += usize::from(prepared.seeded.is_some());
        drop(app);
    }
    assert_eq!(seeded, 1, "the reference data is loaded once");
    let db = qcdc::db::connect(&config.database_url).await.unwrap();
    let counts = row_counts(&db).await;
    let again = qcdc::seed::seed_reference(&db, qcdc::seed::file::SOC_TRANG_2024)
        .await
        .unwrap();
    assert_eq!(again.created(), 0, "{again:?}");
    assert_eq!(row_counts(&db).await, counts);
    db.close().await.ok();
    crate::support::drop_postgres_database(&admin, &name).await;
}
