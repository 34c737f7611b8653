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
