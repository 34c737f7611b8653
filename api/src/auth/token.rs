//! Signed access tokens (JWT). One signing key, any number of verification keys (so a rotated
//! key keeps working until its tokens expire), each pinned to its own algorithm: a token is
//! checked with the algorithm of the key its `kid` names, never the one its header claims.
//! HS256 with a secret serves a single deployment; RS256 or EdDSA with key files serve
//! production, and their public keys are published as a JWKS.

use std::{collections::HashMap, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation,
    jwk::{Jwk, JwkSet, PublicKeyUse},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const ISSUER: &str = "qcdc";
pub const AUDIENCE: &str = "qcdc-api";
const LEEWAY_SECONDS: u64 = 5;

/// Who a token speaks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Principal {
    /// A person; `sid` names the sign-in session.
    User,
    /// A partner system (API client).
    Client,
}

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
    pub kind: Principal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
}

/// What a valid token says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    pub subject: Uuid,
    pub kind: Principal,
    pub session: Option<Uuid>,
    /// When the token stops being accepted (`exp`, seconds since the epoch): a connection
    /// opened with it ends then.
    pub expires_at: i64,
}

/// A freshly issued token.
pub struct IssuedToken {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

struct Signer {
    kid: String,
    alg: Algorithm,
    key: EncodingKey,
}

/// Issues and verifies access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    signer: Arc<Signer>,
    verifiers: Arc<HashMap<String, (Algorithm, DecodingKey)>>,
    jwks: Arc<JwkSet>,
    ttl: Duration,
    refresh_ttl: Duration,
    refresh_reuse_window: Duration,
}

/// Refresh tokens live two weeks unless configured otherwise.
pub const DEFAULT_REFRESH_TTL: Duration = Duration::from_secs(14 * 24 * 3600);

/// A used refresh token returns the same pair for 30 s unless configured otherwise.
pub const DEFAULT_REFRESH_REUSE_WINDOW: Duration = Duration::from_secs(30);

fn short_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

impl TokenKeys {
    /// HS256 with a shared secret. The secret is never published.
    pub fn from_secret(secret: &[u8], ttl: Duration) -> Self {
        let kid = format!("hs-{}", short_hash(secret));
        let mut verifiers = HashMap::new();
        verifiers.insert(
            kid.clone(),
            (Algorithm::HS256, DecodingKey::from_secret(secret)),
        );
        Self {
            signer: Arc::new(Signer {
                kid,
                alg: Algorithm::HS256,
                key: EncodingKey::from_secret(secret),
            }),
            verifiers: Arc::new(verifiers),
            jwks: Arc::new(JwkSet { keys: Vec::new() }),
            ttl,
            refresh_ttl: DEFAULT_REFRESH_TTL,
            refresh_reuse_window: DEFAULT_REFRESH_REUSE_WINDOW,
        }
    }

    /// RS256 or EdDSA from a PKCS#8 private key (PEM); `previous` are public keys (PEM) of
    /// earlier signing keys, still accepted during a rotation, each with its `kid`.
    pub fn from_pem(
        private_pem: &[u8],
        kid: Option<String>,
        previous: &[(String, Vec<u8>)],
        ttl: Duration,
    ) -> anyhow::Result<Self> {
        let (alg, key) = match EncodingKey::from_rsa_pem(private_pem) {
            Ok(k) => (Algorithm::RS256, k),
            Err(_) => (
                Algorithm::EdDSA,
                EncodingKey::from_ed_pem(private_pem).map_err(|_| {
                    anyhow::anyhow!("the private key is neither RSA nor Ed25519 PEM")
                })?,
            ),
        };
        let mut public = Jwk::from_encoding_key(&key, alg)?;
        let kid = kid.unwrap_or_else(|| {
            format!(
                "{}-{}",
                alg_name(alg),
                short_hash(&serde_json::to_vec(&public.algorithm).unwrap_or_default())
            )
        });
        public.common.key_id = Some(kid.clone());
        public.common.public_key_use = Some(PublicKeyUse::Signature);
        let mut verifiers = HashMap::new();
        verifiers.insert(kid.clone(), (alg, DecodingKey::from_jwk(&public)?));
        let mut keys = vec![public];
        for (old_kid, pem) in previous {
            let (old_alg, decoding) = match DecodingKey::from_rsa_pem(pem) {
                Ok(k) => (Algorithm::RS256, k),
                Err(_) => (
                    Algorithm::EdDSA,
                    DecodingKey::from_ed_pem(pem).map_err(|_| {
                        anyhow::anyhow!("public key `{old_kid}` is neither RSA nor Ed25519 PEM")
                    })?,
                ),
            };
            let mut jwk = Jwk::from_decoding_key(&decoding, Some(old_alg))?;
            jwk.common.key_id = Some(old_kid.clone());
            jwk.common.public_key_use = Some(PublicKeyUse::Signature);
            verifiers.insert(old_kid.clone(), (old_alg, decoding));
            keys.push(jwk);
        }
        Ok(Self {
            signer: Arc::new(Signer { kid, alg, key }),
            verifiers: Arc::new(verifiers),
            jwks: Arc::new(JwkSet { keys }),
            ttl,
            refresh_ttl: DEFAULT_REFRESH_TTL,
            refresh_reuse_window: DEFAULT_REFRESH_REUSE_WINDOW,
        })
    }

    /// Public keys for `/.well-known/jwks.json` (empty for HS256).
    pub fn jwks(&self) -> &JwkSet {
        &self.jwks
    }

    /// The key id new tokens carry.
    pub fn signing_kid(&self) -> &str {
        &self.signer.kid
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    pub fn refresh_ttl(&self) -> Duration {
        self.refresh_ttl
    }

    pub fn with_refresh_ttl(mut self, ttl: Duration) -> Self {
        self.refresh_ttl = ttl;
        self
    }

    /// How long a used refresh token still returns the pair it was exchanged for.
    pub fn refresh_reuse_window(&self) -> Duration {
        self.refresh_reuse_window
    }

    pub fn with_refresh_reuse_window(mut self, window: Duration) -> Self {
        self.refresh_reuse_window = window;
        self
    }

    /// Issues an access token for `subject`.
    pub fn issue(
        &self,
        subject: Uuid,
        kind: Principal,
        session: Option<Uuid>,
    ) -> anyhow::Result<IssuedToken> {
        self.issue_at(subject, kind, session, Utc::now())
    }

    /// Issues the access token `issue` would have issued at `now` (whole seconds): the same
    /// claims give the same bytes (HS256, RS256 PKCS#1 v1.5 and Ed25519 are deterministic), so
    /// a refresh retried within the reuse window gets the same token again.
    pub fn issue_at(
        &self,
        subject: Uuid,
        kind: Principal,
        session: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> anyhow::Result<IssuedToken> {
        let now = DateTime::<Utc>::from_timestamp(now.timestamp(), 0).unwrap_or(now);
        let expires_at = now + chrono::Duration::from_std(self.ttl)?;
        let claims = Claims {
            sub: subject,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now.timestamp(),
            nbf: now.timestamp(),
            exp: expires_at.timestamp(),
            typ: "access".into(),
            kind,
            sid: session,
        };
        let mut header = Header::new(self.signer.alg);
        header.kid = Some(self.signer.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &self.signer.key)?;
        Ok(IssuedToken { token, expires_at })
    }

    /// What a valid access token says, or `None` for anything else: unknown `kid`, an
    /// algorithm other than its key's, a bad signature, expired, not yet valid, wrong issuer
    /// or audience, or not an access token.
    pub fn verify(&self, token: &str) -> Option<Verified> {
        let header = jsonwebtoken::decode_header(token).ok()?;
        let (alg, key) = self.verifiers.get(header.kid.as_deref()?)?;
        if header.alg != *alg {
            return None;
        }
        let mut validation = Validation::new(*alg);
        validation.leeway = LEEWAY_SECONDS;
        validation.validate_nbf = true;
        validation.validate_exp = true;
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "nbf", "iat", "iss", "aud", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token, key, &validation).ok()?;
        let claims = data.claims;
        if claims.typ != "access" || (claims.kind == Principal::User && claims.sid.is_none()) {
            return None;
        }
        Some(Verified {
            subject: claims.sub,
            kind: claims.kind,
            session: claims.sid,
            expires_at: claims.exp,
        })
    }
}

fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::RS256 => "rs256",
        Algorithm::EdDSA => "eddsa",
        _ => "key",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn keys() -> TokenKeys {
        TokenKeys::from_secret(SECRET, Duration::from_secs(60))
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
            kind: Principal::User,
            sid: Some(Uuid::now_v7()),
        }
    }

    fn sign(claims: &Claims, alg: Algorithm, kid: Option<&str>) -> String {
        let mut header = Header::new(alg);
        header.kid = kid.map(str::to_owned);
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(SECRET)).unwrap()
    }

    fn b64(bytes: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn issuing_at_the_same_second_gives_the_same_token() {
        let (user, session) = (Uuid::now_v7(), Uuid::now_v7());
        let at = DateTime::<Utc>::from_timestamp(1_800_000_000, 123_456_789).unwrap();
        let second = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let a = keys()
            .issue_at(user, Principal::User, Some(session), at)
            .unwrap();
        let b = keys()
            .issue_at(user, Principal::User, Some(session), second)
            .unwrap();
        assert_eq!(a.token, b.token);
        assert_eq!(a.expires_at, b.expires_at);
    }

    #[test]
    fn round_trip() {
        let user = Uuid::now_v7();
        let session = Uuid::now_v7();
        let issued = keys().issue(user, Principal::User, Some(session)).unwrap();
        let v = keys().verify(&issued.token).unwrap();
        assert_eq!(
            (v.subject, v.kind, v.session),
            (user, Principal::User, Some(session))
        );
    }

    #[test]
    fn refuses_bad_claims_and_headers() {
        let k = keys();
        let kid = k.signing_kid().to_owned();
        let user = Uuid::now_v7();
        assert!(
            k.verify(&sign(&claims(user), Algorithm::HS256, Some(&kid)))
                .is_some()
        );
        assert!(
            k.verify(&sign(&claims(user), Algorithm::HS256, None))
                .is_none(),
            "no kid"
        );
        assert!(
            k.verify(&sign(&claims(user), Algorithm::HS256, Some("other")))
                .is_none(),
            "unknown kid"
        );
        assert!(
            k.verify(&sign(&claims(user), Algorithm::HS384, Some(&kid)))
                .is_none(),
            "other algorithm"
        );
        let mut c = claims(user);
        c.exp = Utc::now().timestamp() - 120;
        assert!(
            k.verify(&sign(&c, Algorithm::HS256, Some(&kid))).is_none(),
            "expired"
        );
        let mut c = claims(user);
        c.nbf = Utc::now().timestamp() + 120;
        assert!(
            k.verify(&sign(&c, Algorithm::HS256, Some(&kid))).is_none(),
            "not yet valid"
        );
        let mut c = claims(user);
        c.iss = "someone-else".into();
        assert!(
            k.verify(&sign(&c, Algorithm::HS256, Some(&kid))).is_none(),
            "issuer"
        );
        let mut c = claims(user);
        c.aud = "another-api".into();
        assert!(
            k.verify(&sign(&c, Algorithm::HS256, Some(&kid))).is_none(),
            "audience"
        );
        let mut c = claims(user);
        c.typ = "refresh".into();
        assert!(
            k.verify(&sign(&c, Algorithm::HS256, Some(&kid))).is_none(),
            "not an access token"
        );
        let mut c = claims(user);
        c.sid = None;
        assert!(
            k.verify(&sign(&c, Algorithm::HS256, Some(&kid))).is_none(),
            "a user token needs its session"
        );
    }

    #[test]
    fn refuses_unsigned_and_tampered_tokens() {
        let k = keys();
        let token = k
            .issue(Uuid::now_v7(), Principal::User, Some(Uuid::now_v7()))
            .unwrap()
            .token;
        let parts: Vec<&str> = token.split('.').collect();
        let none = b64(format!(
            r#"{{"alg":"none","typ":"JWT","kid":"{}"}}"#,
            k.signing_kid()
        )
        .as_bytes());
        assert!(k.verify(&format!("{none}.{}.", parts[1])).is_none());
        let forged = b64(serde_json::to_string(&claims(Uuid::now_v7()))
            .unwrap()
            .as_bytes());
        assert!(
            k.verify(&format!("{}.{forged}.{}", parts[0], parts[2]))
                .is_none()
        );
    }
}
