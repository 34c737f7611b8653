//! What a database holds, table by table: how many rows and a checksum of them, so a restore
//! can prove it holds exactly the rows that were backed up.

use std::collections::BTreeMap;

use futures_util::TryStreamExt;
use sea_orm::{
    DatabaseConnection, DbBackend,
    sqlx::{self, PgConnection, Row, SqliteConnection},
};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One table's rows: their number and a checksum of them (lower-case hex): the sum, modulo
/// 2^256, of the SHA-256 of each row rendered as text. A sum does not depend on the order rows
/// come in, so each table is read in one sequential scan with no sort, which at national scale
/// (millions of rows a table) is the difference between a read and an external sort; a row
/// lost, added, duplicated or changed changes it. It is a check against loss and corruption,
/// not a signature: someone able to rewrite the backup can rewrite its manifest. Each backend
/// renders rows its own way, so checksums compare only between databases of the same backend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableCensus {
    pub rows: u64,
    pub sha256: String,
}

/// Every table of a database by name: SQLite's own `sqlite_*` tables left out,
/// `seaql_migrations` in.
pub type Census = BTreeMap<String, TableCensus>;

/// Takes the census of `db` inside one read-only transaction, so all tables are seen at one
/// moment while writers carry on.
pub async fn take(db: &DatabaseConnection) -> anyhow::Result<Census> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            let mut tx = db.get_postgres_connection_pool().begin().await?;
            sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .execute(&mut *tx)
                .await?;
            let census = postgres(&mut tx).await?;
            tx.rollback().await?;
            Ok(census)
        }
        DbBackend::Sqlite => {
            let mut tx = db.get_sqlite_connection_pool().begin().await?;
            let census = sqlite(&mut tx).await?;
            tx.rollback().await?;
            Ok(census)
        }
        other => anyhow::bail!("no census for a {other:?} database"),
    }
}

/// The census of the PostgreSQL database `conn` is connected to, as its current transaction
/// sees it (the caller chooses the snapshot).
pub async fn postgres(conn: &mut PgConnection) -> anyhow::Result<Census> {
    // Rows are rendered as text, so the settings that change the text are fixed here: a
    // backup and its restore must render the same row the same way.
    sqlx::raw_sql(
        "SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; \
         SET LOCAL IntervalStyle = 'postgres'; SET LOCAL extra_float_digits = 3; \
         SET LOCAL bytea_output = 'hex'",
    )
    .execute(&mut *conn)
    .await?;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut census = Census::new();
    for table in tables {
        let sql = format!("SELECT t::text FROM {} t", quote_identifier(&table));
        // The name comes from the catalog and is quoted as an identifier.
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
        census.insert(
            table,
            checksum(rows.map_ok(|row| row.try_get::<String, _>(0))).await?,
        );
    }
    Ok(census)
}

/// The census of the SQLite database `conn` is connected to.
pub async fn sqlite(conn: &mut SqliteConnection) -> anyhow::Result<Census> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master \
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY 1",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut census = Census::new();
    for table in tables {
        let columns: Vec<String> =
            sqlx::query_scalar("SELECT name FROM pragma_table_info(?) ORDER BY cid")
                .bind(&table)
                .fetch_all(&mut *conn)
                .await?;
        let sql = sqlite_rows_query(&table, &columns);
        // The name comes from the catalog and is quoted as an identifier.
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&mut *conn);
        census.insert(
            table,
            checksum(rows.map_ok(|row| row.try_get::<String, _>(0))).await?,
        );
    }
    Ok(census)
}

/// `quote()` writes every value as the SQL literal that reads it back (`NULL`, `'it''s'`,
/// `X'00ff'`), so the text of a row says exactly what it holds.
fn sqlite_rows_query(table: &str, columns: &[String]) -> String {
    let row = columns
        .iter()
        .map(|c| format!("quote({})", quote_identifier(c)))
        .collect::<Vec<_>>()
        .join(" || ',' || ");
    let row = if row.is_empty() { "''".to_owned() } else { row };
    format!("SELECT {row} FROM {}", quote_identifier(table))
}

fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Counts and hashes rows as they stream in: a table of millions of rows never sits in memory.
async fn checksum<E>(
    rows: impl futures_util::Stream<Item = Result<Result<String, E>, E>>,
) -> anyhow::Result<TableCensus>
where
    E: std::error::Error + Send + Sync + 'static,
{
    let mut sum = Sum256::default();
    let mut count = 0u64;
    let mut rows = std::pin::pin!(rows);
    while let Some(row) = rows.try_next().await? {
        sum.add(&Sha256::digest(row?.as_bytes()).into());
        count += 1;
    }
    Ok(TableCensus {
        rows: count,
        sha256: hex(&sum.to_bytes()),
    })
}

/// A 256-bit number, added to modulo 2^256, as four little-endian 64-bit limbs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Sum256([u64; 4]);

impl Sum256 {
    /// Adds `digest`, read as a big-endian 256-bit number.
    fn add(&mut self, digest: &[u8; 32]) {
        let mut carry = false;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let start = 32 - 8 * (i + 1);
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&digest[start..start + 8]);
            let (partial, c1) = limb.overflowing_add(u64::from_be_bytes(bytes));
            let (total, c2) = partial.overflowing_add(u64::from(carry));
            *limb = total;
            carry = c1 || c2;
        }
    }

    /// Big-endian bytes.
    fn to_bytes(self) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, limb) in self.0.iter().enumerate() {
            let start = 32 - 8 * (i + 1);
            out[start..start + 8].copy_from_slice(&limb.to_be_bytes());
        }
        out
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Where `found` differs from `expected`, one line per table (empty when they agree).
pub fn differences(expected: &Census, found: &Census) -> Vec<String> {
    let mut lines = Vec::new();
    for (table, want) in expected {
        match found.get(table) {
            None => lines.push(format!("table {table} is missing")),
            Some(got) if got.rows != want.rows => lines.push(format!(
                "table {table} has {} rows, the backup {}",
                got.rows, want.rows
            )),
            Some(got) if got.sha256 != want.sha256 => lines.push(format!(
                "table {table} has the backup's {} rows but different contents",
                want.rows
            )),
            Some(_) => {}
        }
    }
    for table in found.keys().filter(|t| !expected.contains_key(*t)) {
        lines.push(format!("table {table} is not in the backup"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: u64, sha: &str) -> TableCensus {
        TableCensus {
            rows,
            sha256: sha.into(),
        }
    }

    #[test]
    fn differences_name_each_table_that_differs() {
        let expected = Census::from([
            ("a".into(), table(1, "x")),
            ("b".into(), table(2, "y")),
            ("c".into(), table(3, "z")),
        ]);
        assert!(differences(&expected, &expected).is_empty());
        let found = Census::from([
            ("a".into(), table(1, "x")),
            ("b".into(), table(2, "other")),
            ("d".into(), table(0, "w")),
        ]);
        let lines = differences(&expected, &found);
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("table b"));
        assert!(lines[1].contains("table c is missing"));
        assert!(lines[2].contains("table d is not in the backup"));
        let fewer = Census::from([("a".into(), table(0, "x"))]);
        assert!(
            differences(&Census::from([("a".into(), table(1, "x"))]), &fewer)[0].contains("0 rows")
        );
    }

    /// The census of `texts` as rows of one table.
    async fn rows(texts: Vec<&'static str>) -> TableCensus {
        checksum(futures_util::stream::iter(
            texts
                .into_iter()
                .map(|r| Ok::<_, std::io::Error>(Ok(r.to_owned()))),
        ))
        .await
        .unwrap()
    }

    #[test]
    fn the_sum_carries_across_limbs_and_wraps() {
        let mut ones = [0u8; 32];
        ones[24..].copy_from_slice(&[0xff; 8]);
        let mut sum = Sum256::default();
        sum.add(&ones);
        let mut one = [0u8; 32];
        one[31] = 1;
        sum.add(&one);
        // 0xffff_ffff_ffff_ffff + 1 carries into the second limb.
        let mut expected = [0u8; 32];
        expected[23] = 1;
        assert_eq!(sum.to_bytes(), expected);
        let mut max = Sum256::default();
        max.add(&[0xff; 32]);
        max.add(&one);
        assert_eq!(max.to_bytes(), [0u8; 32], "wraps modulo 2^256");
    }

    #[tokio::test]
    async fn a_checksum_ignores_order_but_not_duplicates_or_changes() {
        assert_eq!(
            rows(vec!["a", "b", "c"]).await,
            rows(vec!["c", "a", "b"]).await
        );
        assert_ne!(
            rows(vec!["a", "b"]).await.sha256,
            rows(vec!["a", "b", "b"]).await.sha256
        );
        assert_ne!(
            rows(vec!["a", "b"]).await.sha256,
            rows(vec!["a", "B"]).await.sha256
        );
        // Two copies of a row do not cancel out, as they would under XOR.
        assert_ne!(rows(vec!["a", "a"]).await.sha256, rows(vec![]).await.sha256);
    }

    #[tokio::test]
    async fn a_checksum_depends_on_where_rows_split() {
        let one = rows(vec!["ab", "c"]).await;
        let two = rows(vec!["a", "bc"]).await;
        assert_eq!(one.rows, 2);
        assert_ne!(one.sha256, two.sha256);
        assert_eq!(one, rows(vec!["ab", "c"]).await);
        assert_eq!(rows(vec![]).await.rows, 0);
    }

    #[test]
    fn sqlite_rows_are_quoted_values_in_column_order() {
        assert_eq!(
            sqlite_rows_query("we\"ird", &["id".into(), "name".into()]),
            "SELECT quote(\"id\") || ',' || quote(\"name\") FROM \"we\"\"ird\""
        );
    }
}
