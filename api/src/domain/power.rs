//! Who may manage whom. A principal's power is its grants: each a role (by rank) over a unit's
//! subtree. Nobody creates, changes or acts for a principal, grant or client whose power is not
//! inside their own, in rank and in scope both (README, "Roles and scope"; DESIGN §3). Every
//! administrative operation and list asks here, whatever entry point it came through.

use entity::{Role, role_grant, unit, unit_version};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};
use uuid::Uuid;

use super::lineage;
use crate::{
    auth::Caller,
    error::{AppError, AppResult},
};

/// Roles that manage accounts, partner systems and their grants.
pub const ACCOUNT_MANAGERS: &[Role] = &[Role::Admin];
/// Roles that give and take grants (STEERING only below its own rank).
pub const GRANT_MANAGERS: &[Role] = &[Role::Admin, Role::Steering];

/// Rank of a role: a grant of rank `r` may hand out or manage grants of rank at most `r`.
/// PARTNER reads and writes reports like REPORTER, so it ranks with it.
pub fn rank(role: Role) -> u8 {
    match role {
        Role::Admin => 5,
        Role::Steering => 4,
        Role::UnitManager => 3,
        Role::Reporter | Role::Partner => 2,
        Role::Viewer => 1,
    }
}

/// Whether each grant of `target` lies inside the power the caller holds through its grants
/// with a role in `managers`: some such grant of at least the same rank covers the target's
/// scope unit in today's tree. Changes follow today's tree, as every write does.
pub async fn covers(
    db: &impl ConnectionTrait,
    caller: &Caller,
    managers: &[Role],
    target: &[(Role, Uuid)],
) -> AppResult<bool> {
    if target.is_empty() {
        // A principal without grants has no scope to place it: it is managed from the root
        // only, or a district could reset the password of an account the province is about to
        // make powerful.
        return holds_at_root(db, caller, managers).await;
    }
    if managers.contains(&Role::Admin) && is_global_admin(db, caller).await? {
        return Ok(true);
    }
    let today = caller.today();
    for (role, scope) in target {
        let scopes: Vec<Uuid> = caller
            .grants
            .iter()
            .filter(|g| managers.contains(&g.role) && rank(g.role) >= rank(*role))
            .map(|g| g.scope_unit_id)
            .collect();
        if scopes.is_empty() || !super::units::all_within_on(db, &scopes, &[*scope], today).await? {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Refuses (`FORBIDDEN`) grants outside the caller's power through `managers`.
pub async fn require_covers(
    db: &impl ConnectionTrait,
    caller: &Caller,
    managers: &[Role],
    target: &[(Role, Uuid)],
) -> AppResult<()> {
    if caller.grants.iter().all(|g| !managers.contains(&g.role)) {
        return Err(AppError::forbidden("your roles do not allow this"));
    }
    if covers(db, caller, managers, target).await? {
        Ok(())
    } else {
        Err(AppError::forbidden(
            "a grant may not exceed your own roles and scope",
        ))
    }
}

/// Whether the caller is an ADMIN of a root unit (one without a parent today): the only
/// principal whose power has no bound, so the only one that sees records tied to no unit.
pub async fn is_global_admin(db: &impl ConnectionTrait, caller: &Caller) -> AppResult<bool> {
    holds_at_root(db, caller, &[Role::Admin]).await
}

/// Whether the caller holds one of `roles` over a root unit (one without a parent today): what
/// changes records that belong to no unit of the tree (a national decree's relations) needs.
pub async fn holds_at_root(
    db: &impl ConnectionTrait,
    caller: &Caller,
    roles: &[Role],
) -> AppResult<bool> {
    let scopes = caller.scopes_for(roles);
    if scopes.is_empty() {
        return Ok(false);
    }
    let roots = unit_version::Entity::find()
        .select_only()
        .column(unit_version::Column::UnitId)
        .filter(unit_version::Column::UnitId.is_in(scopes))
        .filter(unit_version::Column::ParentId.is_null())
        .filter(lineage::holds_on(
            unit_version::Column::ValidFrom,
            unit_version::Column::ValidTo,
            caller.today(),
        ))
        .into_tuple::<Uuid>()
        .all(db)
        .await?;
    if !roots.is_empty() {
        return Ok(true);
    }
    // A database without unit versions (written before they existed) keeps the parent on the unit.
    Ok(unit::Entity::find()
        .filter(unit::Column::Id.is_in(caller.scopes_for(roles)))
        .filter(unit::Column::ParentId.is_null())
        .one(db)
        .await?
        .is_some())
}

/// The principals the caller manages as an account manager: those whose every grant lies in
/// the subtrees of its ADMIN grants today (ADMIN outranks every grant, so scope decides).
/// A principal with no grant lies inside a global ADMIN's power only.
pub enum Managed {
    /// Nobody: the caller is no ADMIN.
    Nobody,
    /// Everyone: an ADMIN of a root unit.
    Everyone,
    /// The principals inside the subtrees of these units (the caller's ADMIN scopes) on this
    /// day (the caller's today).
    Within(Vec<Uuid>, chrono::NaiveDate),
}

impl Managed {
    pub async fn of(db: &impl ConnectionTrait, caller: &Caller) -> AppResult<Self> {
        let scopes = caller.scopes_for(ACCOUNT_MANAGERS);
        Ok(if scopes.is_empty() {
            Self::Nobody
        } else if is_global_admin(db, caller).await? {
            Self::Everyone
        } else {
            Self::Within(scopes, caller.today())
        })
    }

    /// Refuses a caller that manages nobody.
    pub fn require_any(&self) -> AppResult<()> {
        match self {
            Self::Nobody => Err(AppError::forbidden(
                "only ADMIN manages accounts and partner systems",
            )),
            _ => Ok(()),
        }
    }

    /// SQL condition on `users.id`: the accounts the caller manages.
    pub fn users(&self) -> Condition {
        self.condition(entity::user::Column::Id, role_grant::Column::UserId)
    }

    /// SQL condition on `api_clients.id`: the partner systems the caller manages.
    pub fn clients(&self) -> Condition {
        self.condition(
            entity::api_client::Column::Id,
            role_grant::Column::ApiClientId,
        )
    }

    fn condition(&self, id: impl ColumnTrait, holder: role_grant::Column) -> Condition {
        match self {
            Self::Nobody => Condition::all().add(Expr::val(1).eq(0)),
            Self::Everyone => Condition::all(),
            Self::Within(scopes, today) => {
                // Holders of a grant whose scope lies outside every subtree of the caller's.
                let outside = Query::select()
                    .column(holder)
                    .from(role_grant::Entity)
                    .and_where(Expr::col(holder).is_not_null())
                    .and_where(
                        Expr::col(role_grant::Column::ScopeUnitId)
                            .not_in_subquery(lineage::subtree_on(scopes, *today)),
                    )
                    .to_owned();
                let holders = Query::select()
                    .column(holder)
                    .from(role_grant::Entity)
                    .and_where(Expr::col(holder).is_not_null())
                    .to_owned();
                Condition::all()
                    .add(id.in_subquery(holders))
                    .add(id.not_in_subquery(outside))
            }
        }
    }
}

/// The grants held by a user or a partner system, as (role, scope) pairs.
pub async fn power_of(
    db: &impl ConnectionTrait,
    holder: role_grant::Column,
    id: Uuid,
) -> AppResult<Vec<(Role, Uuid)>> {
    Ok(role_grant::Entity::find()
        .select_only()
        .column(role_grant::Column::Role)
        .column(role_grant::Column::ScopeUnitId)
        .filter(holder.eq(id))
        .into_tuple::<(Role, Uuid)>()
        .all(db)
        .await?)
}

/// Refuses, as if it did not exist (`NOT_FOUND` naming `what`), a principal whose power is not
/// inside the caller's power through `managers`, so no answer tells a district's administrator
/// which accounts exist elsewhere.
pub async fn require_manages(
    db: &impl ConnectionTrait,
    caller: &Caller,
    managers: &[Role],
    holder: role_grant::Column,
    id: Uuid,
    what: &'static str,
) -> AppResult<()> {
    if caller.grants.iter().all(|g| !managers.contains(&g.role)) {
        return Err(AppError::forbidden("your roles do not allow this"));
    }
    let power = power_of(db, holder, id).await?;
    if covers(db, caller, managers, &power).await? {
        Ok(())
    } else {
        Err(AppError::NotFound(what))
    }
}

/// The grants whose scope is one of `units` itself, those the caller manages only (README,
/// "Power"): each lies inside a caller grant of the same or higher rank among ADMIN and
/// STEERING, in today's tree, the rule `grantRole` and `revokeGrant` apply. Anyone else gets
/// none. One query for any number of units (a page of units loads them together).
pub async fn grants_on(
    db: &impl ConnectionTrait,
    caller: &Caller,
    units: &[Uuid],
) -> AppResult<Vec<role_grant::Model>> {
    use sea_orm::QueryOrder;
    let managers: Vec<&crate::auth::caller::Grant> = caller
        .grants
        .iter()
        .filter(|g| GRANT_MANAGERS.contains(&g.role))
        .collect();
    if managers.is_empty() || units.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = role_grant::Entity::find()
        .filter(role_grant::Column::ScopeUnitId.is_in(units.iter().copied()))
        .order_by_asc(role_grant::Column::Role)
        .order_by_asc(role_grant::Column::Id);
    if !(caller.has_role(Role::Admin) && is_global_admin(db, caller).await?) {
        // Each role, within the subtrees of the caller's manager grants that outrank it.
        let today = caller.today();
        let mut any = Condition::any();
        for role in [
            Role::Admin,
            Role::Steering,
            Role::UnitManager,
            Role::Reporter,
            Role::Partner,
            Role::Viewer,
        ] {
            let scopes: Vec<Uuid> = managers
                .iter()
                .filter(|g| rank(g.role) >= rank(role))
                .map(|g| g.scope_unit_id)
                .collect();
            if !scopes.is_empty() {
                any = any.add(
                    Condition::all().add(role_grant::Column::Role.eq(role)).add(
                        role_grant::Column::ScopeUnitId
                            .in_subquery(lineage::subtree_on(&scopes, today)),
                    ),
                );
            }
        }
        query = query.filter(any);
    }
    Ok(query.all(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_role_table() {
        assert!(rank(Role::Admin) > rank(Role::Steering));
        assert!(rank(Role::Steering) > rank(Role::UnitManager));
        assert!(rank(Role::UnitManager) > rank(Role::Reporter));
        assert_eq!(rank(Role::Reporter), rank(Role::Partner));
        assert!(rank(Role::Partner) > rank(Role::Viewer));
    }
}
