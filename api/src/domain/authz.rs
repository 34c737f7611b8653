//! Who may change what: roles checked against the unit a change touches. Every mutation
//! asks here, whatever entry point it came through.

use entity::{Role, unit_closure};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

/// Roles that run plans: issue, close, assign, review.
pub const STEERING: &[Role] = &[Role::Admin, Role::Steering];
/// Roles that plan for their units: draft, derive, assign.
pub const PLANNERS: &[Role] = &[Role::Admin, Role::Steering, Role::UnitManager];
/// Roles that write their units' reports and progress.
pub const WRITERS: &[Role] = &[
    Role::Admin,
    Role::Steering,
    Role::UnitManager,
    Role::Reporter,
    Role::Partner,
];

/// Refuses unless one of the caller's grants with a role in `roles` covers `unit`.
pub async fn require(
    db: &impl ConnectionTrait,
    caller: &Caller,
    roles: &[Role],
    unit: Uuid,
) -> AppResult<()> {
    if covers(db, caller, roles, unit).await? {
        Ok(())
    } else if caller.grants.iter().any(|g| roles.contains(&g.role)) {
        Err(AppError::forbidden("this unit is outside your scope"))
    } else {
        Err(AppError::forbidden("your roles do not allow this"))
    }
}

/// Whether a grant with a role in `roles` covers `unit` (the unit lies in its subtree today).
/// Changes follow today's tree: a unit that moved away or closed is no longer changed through
/// the grants above its old place, though its history stays readable to them.
pub async fn covers(
    db: &impl ConnectionTrait,
    caller: &Caller,
    roles: &[Role],
    unit: Uuid,
) -> AppResult<bool> {
    let scopes = caller.scopes_for(roles);
    if scopes.is_empty() {
        return Ok(false);
    }
    super::units::all_within_on(db, &scopes, &[unit], caller.today()).await
}

/// Whether a grant with a role in `roles` sits strictly above `unit` today (a unit above reviews).
pub async fn covers_from_above(
    db: &impl ConnectionTrait,
    caller: &Caller,
    roles: &[Role],
    unit: Uuid,
) -> AppResult<bool> {
    let scopes = caller.scopes_for(roles);
    if scopes.is_empty() {
        return Ok(false);
    }
    Ok(unit_closure::Entity::find()
        .filter(unit_closure::Column::DescendantId.eq(unit))
        .filter(unit_closure::Column::AncestorId.is_in(scopes))
        .filter(unit_closure::Column::Depth.gt(0))
        // Reviews are changes, so they follow today's tree like every other change: a unit that
        // moved away is no longer reviewed from its old place.
        .filter(super::lineage::holds_on(
            unit_closure::Column::ValidFrom,
            unit_closure::Column::ValidTo,
            caller.today(),
        ))
        .one(db)
        .await?
        .is_some())
}

/// A unit the caller writes into a row where it gives work to that unit (a recipient, a
/// reporting unit, an assignee, a plan's standing unit): it must be open and inside the
/// caller's scope for `roles` today, or the input is refused naming `field`. A unit the caller
/// cannot see at all answers exactly as an unknown one.
pub async fn require_unit_for(
    db: &impl ConnectionTrait,
    caller: &Caller,
    roles: &[Role],
    field: &str,
    unit: Uuid,
) -> AppResult<()> {
    require_visible_unit(db, caller, field, unit).await?;
    super::planning::load_open_unit(db, field, unit, caller.today()).await?;
    if covers(db, caller, roles, unit).await? {
        Ok(())
    } else {
        Err(AppError::bad_input(field, "the unit is outside your scope"))
    }
}

/// A unit the caller names: one it can see (in its subtrees or above them), or the same
/// answer as an unknown unit (`BAD_USER_INPUT` "unit not found" naming `field`).
pub async fn require_visible_unit(
    db: &impl ConnectionTrait,
    caller: &Caller,
    field: &str,
    unit: Uuid,
) -> AppResult<()> {
    use entity::unit;
    let found = unit::Entity::find_by_id(unit)
        .filter(super::scope::visible_units(&caller.read_scopes()))
        .one(db)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(AppError::bad_input(field, "unit not found")),
    }
}
