//! Argon2id password hashing, always off the async runtime.

use std::sync::OnceLock;

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

use crate::error::{AppError, AppResult};

/// Minimum password length accepted when accounts are created.
pub const MIN_PASSWORD_LENGTH: usize = 8;

/// Hashes `password` with Argon2id and a random salt.
pub async fn hash(password: String) -> AppResult<String> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(AppError::internal)?
}

fn hash_blocking(password: &str) -> AppResult<String> {
    // argon2 0.6 draws a fresh random salt itself.
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("hashing failed: {e}")))
}

/// Checks `password` against `stored`. With no stored hash (unknown user) it verifies against a
/// fixed dummy hash, so an unknown user costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> AppResult<bool> {
    tokio::task::spawn_blocking(move || {
        let (hash, known) = match stored {
            Some(h) => (h, true),
            None => (dummy_hash()?.to_owned(), false),
        };
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        Ok(ok && known)
    })
    .await
    .map_err(AppError::internal)?
}

fn dummy_hash() -> AppResult<&'static str> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let h = hash_blocking("qcdc-timing-equaliser")?;
    Ok(DUMMY.get_or_init(|| h))
}

/// Password policy for new and reset passwords.
pub fn check_policy(username: &str, password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_LENGTH {
        return Err(AppError::bad_input(
            "password",
            format!("password must have at least {MIN_PASSWORD_LENGTH} characters"),
        ));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(AppError::bad_input(
            "password",
            "password must not be the username",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_only_the_right_password() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(
            verify("correct horse".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse".into(), Some(h)).await.unwrap());
        assert!(!verify("qcdc-timing-equaliser".into(), None).await.unwrap());
    }

    #[test]
    fn policy_refuses_short_and_username_passwords() {
        assert!(check_policy("admin", "short").is_err());
        assert!(check_policy("administrator", "Administrator").is_err());
        assert!(check_policy("admin", "long enough").is_ok());
    }
}
