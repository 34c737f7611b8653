//! Signed access tokens (JWT, HS256) with pinned algorithm, issuer and audience.

use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

const ISSUER: &str = "qcdc";
const AUDIENCE: &str = "qcdc-api";
const LEEWAY_SECONDS: u64 = 5;

/// Claims of an access token.
#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub typ: String,
}

/// Issues and verifies tokens with one key.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    ttl: Duration,
}

/// A freshly issued token.
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            ttl,
        }
    }

    pub fn issue(&self, user_id: Uuid) -> anyhow::Result<IssuedToken> {
        let now = Utc::now();
        let expires_at = now + chrono::Duration::from_std(self.ttl)?;
        let claims = Claims {
            sub: user_id,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            typ: "access".into(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok(IssuedToken { token, expires_at })
    }

    /// The user a valid access token speaks for, or `None` for anything else.
    pub fn verify(&self, token: &str) -> Option<Uuid> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).ok()?;
        (data.claims.typ == "access").then_some(data.claims.sub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60))
    }

    fn sign(claims: &Claims, alg: Algorithm) -> String {
        jsonwebtoken::encode(
            &Header::new(alg),
            claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap()
    }

    fn claims(user: Uuid) -> Claims {
        let now = Utc::now().timestamp();
        Claims {
            sub: user,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            nbf: now,
            exp: now + 60,
            typ: "access".into(),
        }
    }

    #[test]
    fn round_trip() {
        let user = Uuid::now_v7();
        let issued = keys().issue(user).unwrap();
        assert_eq!(keys().verify(&issued.token), Some(user));
    }

    #[test]
    fn refuses_wrong_key_algorithm_and_claims() {
        let user = Uuid::now_v7();
        let other = TokenKeys::new(b"another-secret-another-secret-xx", Duration::from_secs(60));
        assert_eq!(other.verify(&keys().issue(user).unwrap().token), None);

        assert_eq!(keys().verify(&sign(&claims(user), Algorithm::HS384)), None);

        let mut expired = claims(user);
        expired.exp = Utc::now().timestamp() - 120;
        assert_eq!(keys().verify(&sign(&expired, Algorithm::HS256)), None);

        let mut early = claims(user);
        early.nbf = Utc::now().timestamp() + 120;
        assert_eq!(keys().verify(&sign(&early, Algorithm::HS256)), None);

        let mut wrong_iss = claims(user);
        wrong_iss.iss = "someone-else".into();
        assert_eq!(keys().verify(&sign(&wrong_iss, Algorithm::HS256)), None);

        let mut wrong_aud = claims(user);
        wrong_aud.aud = "another-api".into();
        assert_eq!(keys().verify(&sign(&wrong_aud, Algorithm::HS256)), None);

        let mut refresh = claims(user);
        refresh.typ = "refresh".into();
        assert_eq!(keys().verify(&sign(&refresh, Algorithm::HS256)), None);
    }

    #[test]
    fn refuses_unsigned_and_tampered_tokens() {
        let user = Uuid::now_v7();
        let token = keys().issue(user).unwrap().token;
        let parts: Vec<&str> = token.split('.').collect();
        // alg: none with the same payload and no signature.
        let none_header = base64_url(br#"{"alg":"none","typ":"JWT"}"#);
        assert_eq!(keys().verify(&format!("{none_header}.{}.", parts[1])), None);
        // A payload for another user under the original signature.
        let forged = base64_url(
            serde_json::to_string(&claims(Uuid::now_v7()))
                .unwrap()
                .as_bytes(),
        );
        assert_eq!(
            keys().verify(&format!("{}.{forged}.{}", parts[0], parts[2])),
            None
        );
    }

    fn base64_url(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }
}
