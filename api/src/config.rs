//! Settings from the environment, validated once at start.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Deployment mode: development seeds demo accounts and allows introspection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// Everything the server needs to start.
#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub listen: SocketAddr,
    pub environment: Environment,
    pub jwt_secret: Vec<u8>,
    /// PKCS#8 private key (RSA or Ed25519, PEM) to sign with instead of the secret.
    pub jwt_private_key_file: Option<PathBuf>,
    /// `kid` of the signing key; derived from the key when absent.
    pub jwt_key_id: Option<String>,
    /// Public keys of earlier signing keys still accepted: `(kid, PEM file)`.
    pub jwt_previous_keys: Vec<(String, PathBuf)>,
    pub token_ttl: Duration,
    pub refresh_ttl: Duration,
    /// In production: a file of SHA-256 hashes (hex, one a line) of the only documents served.
    pub operation_allowlist: Option<PathBuf>,
    /// How often to look for newly overdue derived plans.
    pub overdue_sweep: Duration,
    /// After SIGTERM, how long to keep serving (answering not ready, closing each connection
    /// after its response) before the listener closes.
    pub shutdown_drain: Duration,
    /// After the drain, how long requests still in flight (a slow upload, say) may take before
    /// the process exits anyway (`QCDC_SHUTDOWN_GRACE_SECONDS`), so a stop never outlasts the
    /// service manager's patience.
    pub shutdown_grace: Duration,
    pub log_format: LogFormat,
    /// Seed reference data (and demo accounts outside production) into an empty database.
    pub seed_on_start: bool,
    /// Bearer token that `GET /metrics` requires; without one, production serves no metrics.
    pub metrics_token: Option<String>,
    /// Time limits and caps on connections and on what callers may store.
    pub limits: Limits,
    /// The clock every date is derived from (`domain::clock`): the system clock, or in
    /// development and tests one started at `QCDC_CLOCK_START`.
    pub clock: crate::domain::clock::Clock,
    /// Where stored files go and their limits (README, "Attachments").
    pub files: crate::storage::FileSettings,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`QCDC_TRUSTED_PROXIES`);
    /// empty: every connection's own address is the client's.
    pub trusted_proxies: crate::http::client_address::TrustedProxies,
}

/// Time limits and caps on connections and on what callers may store (README, "Security and
/// limits"). Fixed defaults; tests shorten the timeouts.
#[derive(Clone, Debug)]
pub struct Limits {
    /// A client must send a request's headers within this time (also on an idle kept-alive
    /// connection), so a slow sender cannot hold a connection open.
    pub header_read_timeout: Duration,
    /// A WebSocket must send `connection_init` within this time (else close 4408).
    pub socket_init_timeout: Duration,
    /// The server pings every open WebSocket this often and closes one that answers nothing
    /// for three intervals.
    pub socket_keepalive: Duration,
    /// A WebSocket with no operation running and no message for this long is closed.
    pub socket_idle_timeout: Duration,
    /// Operations (subscriptions, queries, mutations) running at once on one WebSocket.
    pub operations_per_socket: usize,
    /// WebSockets one principal (person or partner system) may hold open on one instance.
    pub sockets_per_principal: usize,
    /// Bytes of documents kept for automatic persisted queries (keys included).
    pub persisted_query_bytes: usize,
    /// Largest document kept for automatic persisted queries; larger ones still run.
    pub persisted_query_max_document: usize,
    /// How long an `Idempotency-Key` is remembered.
    pub idempotency_ttl: Duration,
    /// The window sign-in attempts are counted over (10 per account and 60 per client address
    /// in it, on every entry point); tests lengthen it so slow machines do not refill it.
    pub sign_in_window: Duration,
    /// How long after a refresh token was exchanged the same token still returns the same new
    /// pair (a retry after a lost answer, two tabs refreshing at once); after it, presenting
    /// the token again ends the session (`QCDC_REFRESH_REUSE_SECONDS`, 0–300, default 30).
    pub refresh_reuse_window: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            socket_init_timeout: Duration::from_secs(10),
            socket_keepalive: Duration::from_secs(30),
            socket_idle_timeout: Duration::from_secs(300),
            operations_per_socket: 16,
            sockets_per_principal: 8,
            persisted_query_bytes: 4 * 1024 * 1024,
            persisted_query_max_document: 64 * 1024,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            sign_in_window: Duration::from_secs(60),
            refresh_reuse_window: Duration::from_secs(30),
        }
    }
}

/// A setting that cannot be used, with the variable to fix.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {message}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub message: String,
}

/// A whole number of `variable` within `range`, or `default` when unset.
fn number_in(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    range: std::ops::RangeInclusive<u64>,
    default: u64,
) -> Result<u64, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| ConfigError {
                variable,
                message: format!(
                    "expected a whole number from {} to {}, got `{v}`",
                    range.start(),
                    range.end()
                ),
            }),
    }
}

/// Stored files: `QCDC_DATA_DIR`, `QCDC_S3_*`, the limits, `QCDC_CLAMAV_ADDR`, `QCDC_PUBLIC_URL`.
fn file_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<crate::storage::FileSettings, ConfigError> {
    let defaults = crate::storage::FileSettings::default();
    let s3 = match get("QCDC_S3_BUCKET") {
        None => None,
        Some(bucket) => {
            let required = |variable: &'static str| {
                get(variable).ok_or_else(|| ConfigError {
                    variable,
                    message: "required with QCDC_S3_BUCKET".into(),
                })
            };
            Some(crate::storage::S3Settings {
                bucket,
                endpoint: get("QCDC_S3_ENDPOINT"),
                region: get("QCDC_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
                access_key_id: required("QCDC_S3_ACCESS_KEY_ID")?,
                secret_access_key: required("QCDC_S3_SECRET_ACCESS_KEY")?,
            })
        }
    };
    Ok(crate::storage::FileSettings {
        data_dir: get("QCDC_DATA_DIR").map_or(defaults.data_dir, PathBuf::from),
        s3,
        max_upload_bytes: number_in(
            get,
            "QCDC_UPLOAD_MAX_BYTES",
            1..=1024 * 1024 * 1024,
            defaults.max_upload_bytes,
        )?,
        attachments_per_target: number_in(
            get,
            "QCDC_ATTACHMENTS_PER_TARGET",
            1..=1000,
            defaults.attachments_per_target,
        )?,
        upload_ttl: Duration::from_secs(number_in(
            get,
            "QCDC_UPLOAD_TTL_SECONDS",
            60..=86_400,
            defaults.upload_ttl.as_secs(),
        )?),
        link_ttl: Duration::from_secs(number_in(
            get,
            "QCDC_DOWNLOAD_TTL_SECONDS",
            10..=86_400,
            defaults.link_ttl.as_secs(),
        )?),
        clamav: get("QCDC_CLAMAV_ADDR"),
        collect_every: Duration::from_secs(number_in(
            get,
            "QCDC_FILE_COLLECT_SECONDS",
            1..=86_400,
            defaults.collect_every.as_secs(),
        )?),
        public_url: get("QCDC_PUBLIC_URL"),
    })
}

/// Development-only key, so a fresh clone starts without configuration. Production refuses it.
const DEVELOPMENT_JWT_SECRET: &str = "qcdc-development-only-secret-do-not-use-in-production";
const DEFAULT_DATABASE_URL: &str = "sqlite://data/qcdc.db?mode=rwc";
const MIN_SECRET_BYTES: usize = 32;

impl Config {
    /// Reads `QCDC_*` variables from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let environment = match get("QCDC_ENV").as_deref().map(str::to_ascii_lowercase) {
            None => Environment::Development,
            Some(v) if v == "development" || v == "dev" => Environment::Development,
            Some(v) if v == "production" || v == "prod" => Environment::Production,
            Some(other) => {
                return Err(ConfigError {
                    variable: "QCDC_ENV",
                    message: format!("expected `development` or `production`, got `{other}`"),
                });
            }
        };

        let listen = get("QCDC_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .map_err(|e| ConfigError {
                variable: "QCDC_LISTEN",
                message: format!("expected host:port, {e}"),
            })?;

        let jwt_private_key_file = get("QCDC_JWT_PRIVATE_KEY_FILE").map(PathBuf::from);
        if let Some(path) = &jwt_private_key_file
            && !path.is_file()
        {
            return Err(ConfigError {
                variable: "QCDC_JWT_PRIVATE_KEY_FILE",
                message: format!("no such file: {}", path.display()),
            });
        }
        let jwt_secret = match get("QCDC_JWT_SECRET") {
            Some(secret) if secret.len() >= MIN_SECRET_BYTES => secret.into_bytes(),
            Some(_) => {
                return Err(ConfigError {
                    variable: "QCDC_JWT_SECRET",
                    message: format!("must be at least {MIN_SECRET_BYTES} bytes"),
                });
            }
            None if environment == Environment::Production && jwt_private_key_file.is_none() => {
                return Err(ConfigError {
                    variable: "QCDC_JWT_SECRET",
                    message: "required when QCDC_ENV=production (or set QCDC_JWT_PRIVATE_KEY_FILE)"
                        .into(),
                });
            }
            None => DEVELOPMENT_JWT_SECRET.as_bytes().to_vec(),
        };
        let mut jwt_previous_keys = Vec::new();
        for entry in get("QCDC_JWT_PREVIOUS_KEYS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            let (kid, path) = entry.split_once('=').ok_or_else(|| ConfigError {
                variable: "QCDC_JWT_PREVIOUS_KEYS",
                message: format!("expected kid=path, got `{entry}`"),
            })?;
            jwt_previous_keys.push((kid.trim().to_owned(), PathBuf::from(path.trim())));
        }

        let refresh_ttl_days: u64 = match get("QCDC_REFRESH_TTL_DAYS") {
            None => 14,
            Some(v) => v
                .parse()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| ConfigError {
                    variable: "QCDC_REFRESH_TTL_DAYS",
                    message: format!("expected days between 1 and 365, got `{v}`"),
                })?,
        };

        let refresh_reuse_seconds: u64 = match get("QCDC_REFRESH_REUSE_SECONDS") {
            None => 30,
            Some(v) => v
                .parse()
                .ok()
                .filter(|s| *s <= 300)
                .ok_or_else(|| ConfigError {
                    variable: "QCDC_REFRESH_REUSE_SECONDS",
                    message: format!("expected seconds between 0 and 300, got `{v}`"),
                })?,
        };

        let token_ttl_minutes: u64 = match get("QCDC_TOKEN_TTL_MINUTES") {
            None => 15,
            Some(v) => v
                .parse()
                .ok()
                .filter(|m| (1..=24 * 60).contains(m))
                .ok_or_else(|| ConfigError {
                    variable: "QCDC_TOKEN_TTL_MINUTES",
                    message: format!("expected minutes between 1 and 1440, got `{v}`"),
                })?,
        };

        let log_format = match get("QCDC_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    variable: "QCDC_LOG_FORMAT",
                    message: format!("expected `text` or `json`, got `{other}`"),
                });
            }
        };

        let database_url = get("QCDC_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into());
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(ConfigError {
                variable: "QCDC_DATABASE_URL",
                message: "expected a sqlite:// or postgres:// URL".into(),
            });
        }

        let clock = match get("QCDC_CLOCK_START") {
            None => crate::domain::clock::Clock::system(),
            Some(_) if environment == Environment::Production => {
                return Err(ConfigError {
                    variable: "QCDC_CLOCK_START",
                    message: "a production server runs on the system clock".into(),
                });
            }
            Some(v) => v
                .parse::<chrono::DateTime<chrono::Utc>>()
                .map(crate::domain::clock::Clock::starting_at)
                .map_err(|e| ConfigError {
                    variable: "QCDC_CLOCK_START",
                    message: format!("expected an RFC 3339 instant, got `{v}`: {e}"),
                })?,
        };

        Ok(Self {
            database_url,
            listen,
            environment,
            jwt_secret,
            jwt_private_key_file,
            jwt_key_id: get("QCDC_JWT_KEY_ID"),
            operation_allowlist: get("QCDC_OPERATION_ALLOWLIST").map(PathBuf::from),
            overdue_sweep: Duration::from_secs(match get("QCDC_OVERDUE_SWEEP_SECONDS") {
                None => 300,
                Some(v) => v
                    .parse()
                    .ok()
                    .filter(|s| (1..=86_400).contains(s))
                    .ok_or_else(|| ConfigError {
                        variable: "QCDC_OVERDUE_SWEEP_SECONDS",
                        message: format!("expected seconds between 1 and 86400, got `{v}`"),
                    })?,
            }),
            shutdown_drain: Duration::from_millis(match get("QCDC_SHUTDOWN_DRAIN_MS") {
                None => 500,
                Some(v) => {
                    v.parse()
                        .ok()
                        .filter(|ms| *ms <= 60_000)
                        .ok_or_else(|| ConfigError {
                            variable: "QCDC_SHUTDOWN_DRAIN_MS",
                            message: format!(
                                "expected milliseconds between 0 and 60000, got `{v}`"
                            ),
                        })?
                }
            }),
            shutdown_grace: Duration::from_secs(number_in(
                &get,
                "QCDC_SHUTDOWN_GRACE_SECONDS",
                1..=600,
                30,
            )?),
            jwt_previous_keys,
            token_ttl: Duration::from_secs(token_ttl_minutes * 60),
            refresh_ttl: Duration::from_secs(refresh_ttl_days * 24 * 3600),
            log_format,
            seed_on_start: true,
            metrics_token: get("QCDC_METRICS_TOKEN").filter(|t| !t.trim().is_empty()),
            limits: Limits {
                refresh_reuse_window: Duration::from_secs(refresh_reuse_seconds),
                ..Limits::default()
            },
            clock,
            files: file_settings(&get)?,
            trusted_proxies: crate::http::client_address::parse_list(
                &get("QCDC_TRUSTED_PROXIES").unwrap_or_default(),
            )
            .map_err(|message| ConfigError {
                variable: "QCDC_TRUSTED_PROXIES",
                message,
            })?,
        })
    }

    /// The key download links are signed with: derived from the signing key in use, so every
    /// instance with the same key accepts every other's links.
    pub fn link_key(&self) -> anyhow::Result<Vec<u8>> {
        Ok(match &self.jwt_private_key_file {
            Some(path) => std::fs::read(path)?,
            None => self.jwt_secret.clone(),
        })
    }

    pub fn is_production(&self) -> bool {
        self.environment == Environment::Production
    }

    /// The allowed document hashes, when production mode restricts operations to a list.
    pub fn allowed_operations(&self) -> anyhow::Result<Option<std::collections::HashSet<String>>> {
        let (true, Some(path)) = (self.is_production(), &self.operation_allowlist) else {
            return Ok(None);
        };
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("QCDC_OPERATION_ALLOWLIST {}: {e}", path.display()))?;
        Ok(Some(
            text.lines()
                .map(|l| l.trim().to_ascii_lowercase())
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect(),
        ))
    }

    /// The token keys these settings describe (reads the key files).
    pub fn token_keys(&self) -> anyhow::Result<crate::auth::token::TokenKeys> {
        use crate::auth::token::TokenKeys;
        let keys = match &self.jwt_private_key_file {
            Some(path) => {
                let pem = std::fs::read(path)?;
                let mut previous = Vec::new();
                for (kid, path) in &self.jwt_previous_keys {
                    previous.push((kid.clone(), std::fs::read(path)?));
                }
                TokenKeys::from_pem(&pem, self.jwt_key_id.clone(), &previous, self.token_ttl)?
            }
            None => TokenKeys::from_secret(&self.jwt_secret, self.token_ttl),
        };
        Ok(keys
            .with_refresh_ttl(self.refresh_ttl)
            .with_refresh_reuse_window(self.limits.refresh_reuse_window))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_serve_sqlite_on_localhost() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert!(c.database_url.starts_with("sqlite://data/"));
        assert_eq!(c.environment, Environment::Development);
    }

    #[test]
    fn production_requires_an_explicit_key() {
        let err = config(&[("QCDC_ENV", "production")]).unwrap_err();
        assert_eq!(err.variable, "QCDC_JWT_SECRET");
        let short = config(&[("QCDC_ENV", "production"), ("QCDC_JWT_SECRET", "short")]);
        assert!(short.is_err());
        let ok = config(&[
            ("QCDC_ENV", "production"),
            ("QCDC_JWT_SECRET", &"k".repeat(40)),
        ]);
        assert!(ok.unwrap().is_production());
    }

    #[test]
    fn the_clock_starts_where_development_asks_and_production_keeps_the_system_clock() {
        let c = config(&[("QCDC_CLOCK_START", "2027-03-10T18:30:00Z")]).unwrap();
        assert_eq!(c.clock.today(), "2027-03-11".parse().unwrap());
        let err = config(&[
            ("QCDC_ENV", "production"),
            ("QCDC_JWT_SECRET", &"k".repeat(40)),
            ("QCDC_CLOCK_START", "2027-03-10T18:30:00Z"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "QCDC_CLOCK_START");
    }

    #[test]
    fn bad_values_name_their_variable() {
        assert_eq!(
            config(&[("QCDC_LISTEN", "nope")]).unwrap_err().variable,
            "QCDC_LISTEN"
        );
        assert_eq!(
            config(&[("QCDC_ENV", "staging")]).unwrap_err().variable,
            "QCDC_ENV"
        );
        assert_eq!(
            config(&[("QCDC_TOKEN_TTL_MINUTES", "0")])
                .unwrap_err()
                .variable,
            "QCDC_TOKEN_TTL_MINUTES"
        );
        assert_eq!(
            config(&[("QCDC_CLOCK_START", "tomorrow")])
                .unwrap_err()
                .variable,
            "QCDC_CLOCK_START"
        );
        assert_eq!(
            config(&[("QCDC_TRUSTED_PROXIES", "10.0.0.0/8, proxy")])
                .unwrap_err()
                .variable,
            "QCDC_TRUSTED_PROXIES"
        );
        assert_eq!(
            config(&[("QCDC_DATABASE_URL", "mysql://x")])
                .unwrap_err()
                .variable,
            "QCDC_DATABASE_URL"
        );
    }
}
