//! Who is calling, and what their grants allow.

use entity::Role;

pub use super::token::Principal;
use uuid::Uuid;

use crate::error::{AppError, AppResult};

/// One grant: a role over a unit's subtree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    pub scope_unit_id: Uuid,
}

/// An authenticated person or partner system, with the grants loaded for this request.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The user's id, or the API client's for a partner system.
    pub user_id: Uuid,
    pub kind: Principal,
    /// Username, or the API client's name.
    pub username: String,
    pub grants: Vec<Grant>,
    /// The sign-in session of a person's token.
    pub session: Option<Uuid>,
    /// The server's one clock, which judges this call's dates (permissions by date, today).
    pub clock: crate::domain::clock::Clock,
}

impl Caller {
    /// The operator's command line: no account behind it (audit rows name no actor).
    pub fn system(grants: Vec<Grant>) -> Self {
        Self {
            user_id: Uuid::nil(),
            kind: Principal::User,
            username: "qcdc".into(),
            grants,
            session: None,
            clock: crate::domain::clock::Clock::system(),
        }
    }

    /// The same caller, judged by `clock`.
    pub fn on(self, clock: crate::domain::clock::Clock) -> Self {
        Self { clock, ..self }
    }

    /// Today on the province's calendar, by this call's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        self.clock.today()
    }

    /// The person behind the call; `None` for a partner system or the command line.
    pub fn person(&self) -> Option<Uuid> {
        (self.kind == Principal::User && !self.user_id.is_nil()).then_some(self.user_id)
    }

    /// The partner system behind the call; `None` for a person.
    pub fn client(&self) -> Option<Uuid> {
        (self.kind == Principal::Client).then_some(self.user_id)
    }

    /// Units whose subtrees this caller may read (every role reads within its scope).
    pub fn read_scopes(&self) -> Vec<Uuid> {
        let mut scopes: Vec<Uuid> = self.grants.iter().map(|g| g.scope_unit_id).collect();
        scopes.sort();
        scopes.dedup();
        scopes
    }

    /// Units whose subtrees this caller may act on with one of `roles`.
    pub fn scopes_for(&self, roles: &[Role]) -> Vec<Uuid> {
        self.grants
            .iter()
            .filter(|g| roles.contains(&g.role))
            .map(|g| g.scope_unit_id)
            .collect()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.grants.iter().any(|g| g.role == role)
    }

    /// Refuses unless the caller holds one of `roles` somewhere.
    pub fn require_any(&self, roles: &[Role]) -> AppResult<()> {
        if self.grants.iter().any(|g| roles.contains(&g.role)) {
            Ok(())
        } else {
            Err(AppError::forbidden("your roles do not allow this"))
        }
    }
}

/// The caller as seen by a resolver: authenticated or not.
#[derive(Clone, Debug)]
pub enum Auth {
    Anonymous,
    /// A bearer token was presented but is not valid (expired, forged, user inactive).
    Invalid,
    User(Caller),
}

impl Auth {
    pub fn caller(&self) -> AppResult<&Caller> {
        match self {
            Self::User(c) => Ok(c),
            Self::Anonymous | Self::Invalid => Err(AppError::Unauthenticated),
        }
    }
}
