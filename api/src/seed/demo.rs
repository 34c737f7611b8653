//! Demo accounts for a development database, so a newcomer can log in at once.

use entity::{Role, user};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

use crate::domain::{units, users};

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "qcdc-demo";

/// Code of the province unit and of the district the demo manager and reporter work in.
pub const PROVINCE_CODE: &str = "ST";
pub const DEMO_DISTRICT_CODE: &str = "ST.D01";

/// `(username, display name, role, scope unit code)` of each demo account.
pub const DEMO_ACCOUNTS: [(&str, &str, Role, &str); 5] = [
    ("admin", "Quản trị hệ thống", Role::Admin, PROVINCE_CODE),
    (
        "steering",
        "Cơ quan Thường trực BCĐ tỉnh",
        Role::Steering,
        PROVINCE_CODE,
    ),
    (
        "manager",
        "Cán bộ BCĐ thành phố Sóc Trăng",
        Role::UnitManager,
        DEMO_DISTRICT_CODE,
    ),
    (
        "reporter",
        "Cán bộ báo cáo thành phố Sóc Trăng",
        Role::Reporter,
        DEMO_DISTRICT_CODE,
    ),
    ("viewer", "Lãnh đạo theo dõi", Role::Viewer, PROVINCE_CODE),
];

/// Creates the demo accounts when the database has no user at all. Returns whether it did.
pub async fn seed_demo_accounts(db: &DatabaseConnection) -> anyhow::Result<bool> {
    if user::Entity::find().count(db).await? > 0 {
        return Ok(false);
    }
    let txn = crate::db::begin_write(db).await?;
    for (username, display, role, scope_code) in DEMO_ACCOUNTS {
        let scope = units::by_code(&txn, scope_code)
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?
            .ok_or_else(|| anyhow::anyhow!("demo scope unit {scope_code} is not seeded"))?;
        users::create(&txn, username, display, DEMO_PASSWORD, &[(role, scope.id)])
            .await
            .map_err(|e| anyhow::anyhow!("demo account {username}: {}", e.message()))?;
    }
    txn.commit().await?;
    Ok(true)
}
