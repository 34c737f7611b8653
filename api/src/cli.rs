//! The `qcdc` command: serve, migrate, seed, print the schema, manage accounts, back up and
//! restore.

use std::{path::PathBuf, process::ExitCode};

use clap::{Parser, Subcommand, ValueEnum};
use sea_orm_migration::MigratorTrait;

use crate::{
    backup,
    config::Config,
    db,
    domain::{units, users},
    seed, startup, telemetry,
};

#[derive(Parser)]
#[command(
    name = "qcdc",
    version,
    about = "GraphQL API for the grassroots-democracy (QCDC) programme"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (the default): migrate, seed an empty database, listen on QCDC_LISTEN.
    Serve,
    /// Apply or roll back migrations.
    Migrate {
        #[arg(value_enum, default_value_t = MigrateAction::Up)]
        action: MigrateAction,
    },
    /// Load the reference data (Plan 24-KH/BCĐ and its documents, units, indicators); idempotent.
    Seed {
        /// Then apply a scenario of reorganisation events (`reorg-2025`); idempotent too.
        #[arg(long)]
        scenario: Option<String>,
        /// Then add synthetic data for benchmarks under the unit `SYN` (once per database).
        #[arg(long, value_enum)]
        synthetic: Option<seed::synthetic::Scale>,
        /// Seed number of the synthetic data: the same number gives the same rows.
        #[arg(long, default_value_t = 2024)]
        seed: u64,
    },
    /// Print the GraphQL schema (SDL) to standard output.
    Schema,
    /// Back up the database and its stored files to one file while the server keeps serving.
    ///
    /// A consistent copy of the database (SQLite: VACUUM INTO; PostgreSQL: pg_dump of an
    /// exported snapshot), each table's row count and checksum, and every stored file the
    /// database names (README, "Backup and restore").
    Backup {
        /// The backup file to write (a tar archive); it appears only once complete.
        file: PathBuf,
    },
    /// Restore a backup into a new, empty database; exit code 3 when it refuses.
    ///
    /// Into the database of QCDC_DATABASE_URL and the file store of QCDC_DATA_DIR (or
    /// QCDC_S3_*); checks every table against the backup, then applies the migrations an older
    /// backup lacks. It refuses, leaving the target as it was, a file that is not a backup, a
    /// newer schema, another kind of database and a target that already has tables.
    Restore {
        /// The backup file `qcdc backup` wrote.
        file: PathBuf,
    },
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage partner systems (API clients).
    Client {
        #[command(subcommand)]
        command: ClientCommand,
    },
}

#[derive(Subcommand)]
enum ClientCommand {
    /// Register a partner system with one grant; prints its client id and secret (shown once).
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, value_enum, default_value_t = CliRole::Partner)]
        role: CliRole,
        /// Code of the unit whose subtree the role covers (e.g. ST.D01).
        #[arg(long)]
        scope: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum MigrateAction {
    Up,
    Down,
    Fresh,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account with one grant. The password is read from QCDC_PASSWORD or standard input.
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        #[arg(long, value_enum)]
        role: CliRole,
        /// Code of the unit whose subtree the role covers (e.g. ST, ST.D01).
        #[arg(long)]
        scope: String,
    },
    /// Give an existing account one more grant.
    Grant {
        #[arg(long)]
        username: String,
        #[arg(long, value_enum)]
        role: CliRole,
        #[arg(long)]
        scope: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum CliRole {
    Admin,
    Steering,
    UnitManager,
    Reporter,
    Viewer,
    Partner,
}

impl From<CliRole> for entity::Role {
    fn from(r: CliRole) -> Self {
        match r {
            CliRole::Admin => Self::Admin,
            CliRole::Steering => Self::Steering,
            CliRole::UnitManager => Self::UnitManager,
            CliRole::Reporter => Self::Reporter,
            CliRole::Viewer => Self::Viewer,
            CliRole::Partner => Self::Partner,
        }
    }
}

/// Parses arguments, runs the command and turns failures into a message and exit code 1.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", crate::graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(err) => {
            eprintln!("qcdc: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    telemetry::init(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("qcdc: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(dispatch(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("qcdc: {err:#}");
            if err.downcast_ref::<backup::Refusal>().is_some() {
                ExitCode::from(backup::Refusal::EXIT_CODE)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

async fn dispatch(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate { action } => {
            let conn = db::connect(&config.database_url).await?;
            db::one_at_a_time(&conn, async {
                match action {
                    MigrateAction::Up => migration::Migrator::up(&conn, None).await?,
                    MigrateAction::Down => migration::Migrator::down(&conn, None).await?,
                    MigrateAction::Fresh => migration::Migrator::fresh(&conn).await?,
                }
                Ok(())
            })
            .await?;
            println!("migrations done");
            Ok(())
        }
        Command::Seed {
            scenario,
            synthetic,
            seed,
        } => {
            let conn = db::connect(&config.database_url).await?;
            let report = db::one_at_a_time(&conn, async {
                migration::Migrator::up(&conn, None).await?;
                seed::seed_reference(&conn, seed::file::SOC_TRANG_2024).await
            })
            .await?;
            println!("seed: {} records created ({report:?})", report.created());
            if let Some(name) = scenario {
                let report = seed::seed_scenario(&conn, &name).await?;
                println!("scenario {name}: {report:?}");
            }
            if let Some(scale) = synthetic {
                let report = seed::synthetic::seed_synthetic(&conn, scale, seed).await?;
                println!(
                    "synthetic {scale:?} (seed {seed}): {} units, {} tasks, {} assignments, \
                     {} reports, {} indicator values",
                    report.units,
                    report.tasks,
                    report.assignments,
                    report.reports,
                    report.indicator_values
                );
                for (part, seconds) in &report.seconds {
                    println!("  {part}: {seconds:.1} s");
                }
            }
            Ok(())
        }
        Command::Schema => Ok(()),
        Command::Backup { file } => {
            println!("{}", backup::backup(&config, &file).await?);
            Ok(())
        }
        Command::Restore { file } => {
            println!("{}", backup::restore(&config, &file).await?);
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Create {
                    username,
                    display_name,
                    role,
                    scope,
                },
        } => {
            let conn = db::connect(&config.database_url).await?;
            db::migrate(&conn).await?;
            let password = read_password()?;
            let scope_unit = units::by_code(&conn, &scope)
                .await
                .map_err(|e| anyhow::anyhow!(e.message()))?
                .ok_or_else(|| {
                    anyhow::anyhow!("no unit with code `{scope}` (run `qcdc seed` first?)")
                })?;
            let actor = command_line(&conn, config.clock).await?;
            let account = crate::domain::admin::create_user(
                &crate::domain::write::Writer::new(conn.clone()),
                &actor,
                username.clone(),
                display_name.clone().unwrap_or_else(|| username.clone()),
                password,
                vec![(role.into(), scope_unit.id)],
            )
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
            println!("created user `{}` ({})", account.username, account.id);
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Grant {
                    username,
                    role,
                    scope,
                },
        } => {
            let conn = db::connect(&config.database_url).await?;
            let scope_unit = unit_by_code(&conn, &scope).await?;
            let account = users::get_by_username(&conn, &username)
                .await
                .map_err(|e| anyhow::anyhow!(e.message()))?
                .ok_or_else(|| anyhow::anyhow!("no user `{username}`"))?;
            let actor = command_line(&conn, config.clock).await?;
            crate::domain::admin::grant(
                &crate::domain::write::Writer::new(conn.clone()),
                &actor,
                crate::domain::admin::Grantee::User(account.id),
                role.into(),
                scope_unit.id,
            )
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
            println!(
                "granted {} over {scope} to `{username}`",
                entity::Role::from(role).as_str()
            );
            Ok(())
        }
        Command::Client {
            command: ClientCommand::Create { name, role, scope },
        } => {
            let conn = db::connect(&config.database_url).await?;
            db::migrate(&conn).await?;
            let scope_unit = unit_by_code(&conn, &scope).await?;
            let actor = command_line(&conn, config.clock).await?;
            let creds = crate::domain::admin::create_client(
                &crate::domain::write::Writer::new(conn.clone()),
                &actor,
                name,
                vec![(role.into(), scope_unit.id)],
            )
            .await
            .map_err(|e| anyhow::anyhow!(e.message()))?;
            println!("client_id={}", creds.client.client_id);
            println!("client_secret={}", creds.secret);
            eprintln!("store the secret now: it is never shown again");
            Ok(())
        }
    }
}

/// The command line as the author of its changes: they pass the same checks and leave the same
/// audit events as the API's, judged by the same clock as the server's.
async fn command_line(
    conn: &sea_orm::DatabaseConnection,
    clock: crate::domain::clock::Clock,
) -> anyhow::Result<crate::domain::audit::Actor> {
    let mut actor = crate::domain::audit::command_line(conn)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?;
    actor.caller = actor.caller.on(clock);
    Ok(actor)
}

async fn unit_by_code(
    conn: &sea_orm::DatabaseConnection,
    code: &str,
) -> anyhow::Result<entity::unit::Model> {
    units::by_code(conn, code)
        .await
        .map_err(|e| anyhow::anyhow!(e.message()))?
        .ok_or_else(|| anyhow::anyhow!("no unit with code `{code}` (run `qcdc seed` first?)"))
}

fn read_password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("QCDC_PASSWORD") {
        return Ok(p);
    }
    eprintln!("password (then Enter):");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let (app, prepared) = startup::Application::build(&config).await?;
    if let Some(report) = &prepared.seeded {
        tracing::info!(
            created = report.created(),
            "loaded reference data into an empty database"
        );
    }
    if prepared.demo_accounts || !config.is_production() {
        println!(
            "Demo accounts (development mode, password `{}`):",
            seed::DEMO_PASSWORD
        );
        for (username, _, role, scope) in seed::DEMO_ACCOUNTS {
            println!("  {username:<9} {:<13} scope {scope}", role.as_str());
        }
    }
    let addr = app.local_addr()?;
    println!("qcdc listening on http://{addr}/graphql");
    tracing::info!(%addr, "listening");
    app.run_until(startup::shutdown_signal()).await?;
    tracing::info!("stopped");
    Ok(())
}
