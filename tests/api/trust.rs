//! Trust (issue 12): an administrator's power ends at its scope, ids a caller writes or follows
//! stay inside its scope, reviews are never by a report's own hands, and an out-of-scope id
//! answers exactly as an unknown one. Every case speaks to the real server over HTTP.

use entity::Role;
use qcdc::{
    domain::{
        audit::Actor,
        planning,
        reporting::{self, NewReport},
        write::Writer,
    },
    graphql::id::NodeType,
};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{TestApp, error_code, gid};

on_both_databases!(
    a_district_admin_acts_only_inside_its_power,
    a_district_steering_grants_only_below_itself,
    ids_a_report_names_belong_to_its_unit,
    nested_fields_never_leave_the_callers_scope,
    a_reviewer_never_reviews_its_own_work,
    out_of_scope_ids_answer_as_unknown_ids,
    a_moved_units_new_reports_leave_its_old_district,
    a_report_written_after_midnight_in_viet_nam_on_the_move_day_is_the_new_districts,
    lineage_carries_only_what_was_transferred,
    units_a_planner_names_lie_in_its_scope,
    a_district_keeps_only_its_own_documents,
    accounts_without_grants_and_account_events_belong_to_the_root,
    hidden_units_answer_as_unknown_units,
    concurrent_reorganisations_of_one_unit_run_one_after_another,
);

const LOGIN: &str =
    "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { accessToken } }";
const RESET: &str =
    "mutation($i: ResetPasswordInput!) { resetPassword(input: $i) { user { id } } }";
const UPDATE_USER: &str =
    "mutation($i: UpdateUserInput!) { updateUser(input: $i) { user { id active } } }";
const CREATE_USER: &str =
    "mutation($i: CreateUserInput!) { createUser(input: $i) { user { id username } } }";
const GRANT: &str = "mutation($i: GrantRoleInput!) { grantRole(input: $i) { grant { id } } }";
const REVOKE: &str = "mutation($id: ID!) { revokeGrant(id: $id) { grant { id } } }";
const CREATE_CLIENT: &str = "mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { apiClient { id clientId } clientSecret } }";
const ROTATE: &str =
    "mutation($id: ID!) { rotateApiClientSecret(id: $id) { apiClient { id } clientSecret } }";
const REVOKE_CLIENT: &str =
    "mutation($id: ID!) { revokeApiClient(id: $id) { apiClient { active } } }";

async fn user(app: &TestApp, username: &str) -> entity::user::Model {
    qcdc::domain::users::get_by_username(&app.db, username)
        .await
        .unwrap()
        .unwrap()
}

/// The province ADMIN as the author of a fixture change (a reviewer who wrote nothing).
async fn admin_actor(app: &TestApp) -> Actor {
    Actor {
        caller: qcdc::domain::users::load_caller(&app.db, user(app, "admin").await.id)
            .await
            .unwrap()
            .unwrap(),
        origin: Default::default(),
    }
}

async fn grant_ids(app: &TestApp, user_id: Uuid) -> Vec<Uuid> {
    qcdc::domain::users::grants_of(&app.db, user_id)
        .await
        .unwrap()
        .into_iter()
        .map(|g| g.id)
        .collect()
}

/// A partner system with one grant, created directly, and its global id.
async fn client(app: &TestApp, name: &str, role: Role, scope: &str) -> (Uuid, String) {
    let unit = app.unit_uuid(scope).await;
    let creds = qcdc::domain::clients::create(&app.db, name, &[(role, unit)])
        .await
        .unwrap();
    (creds.client.id, gid(NodeType::ApiClient, creds.client.id))
}

async fn a_district_admin_acts_only_inside_its_power(app: &TestApp) {
    let d01_admin = app.user_with("d01admin", Role::Admin, "ST.D01").await;
    let province = gid(NodeType::Unit, app.unit_uuid("ST").await);
    let d01 = gid(NodeType::Unit, app.unit_uuid("ST.D01").await);
    let d02 = gid(NodeType::Unit, app.unit_uuid("ST.D02").await);
    let root_admin = user(app, "admin").await;
    let reporter = user(app, "reporter").await;

    // Password resets: the province ADMIN is out of reach, answered as an unknown account, and
    // its password is unchanged; a D01 reporter is inside.
    let reset = app
        .gql(
            Some(&d01_admin),
            RESET,
            json!({ "i": { "id": gid(NodeType::User, root_admin.id), "version": root_admin.version,
                           "password": "taken over by a district" } }),
        )
        .await;
    assert_eq!(error_code(&reset), Some("NOT_FOUND"), "{reset}");
    let hijack = app
        .gql(
            None,
            LOGIN,
            json!({ "u": "admin", "p": "taken over by a district" }),
        )
        .await;
    assert!(hijack["data"]["login"].is_null(), "{hijack}");
    assert_eq!(user(app, "admin").await.version, root_admin.version);
    let inside = app
        .gql(
            Some(&d01_admin),
            RESET,
            json!({ "i": { "id": gid(NodeType::User, reporter.id), "version": reporter.version,
                           "password": "một mật khẩu mới dài" } }),
        )
        .await;
    assert_eq!(error_code(&inside), None, "{inside}");

    // Deactivating a province account is out of reach too.
    let steering = user(app, "steering").await;
    let deactivate = app
        .gql(
            Some(&d01_admin),
            UPDATE_USER,
            json!({ "i": { "id": gid(NodeType::User, steering.id), "version": steering.version, "active": false } }),
        )
        .await;
    assert_eq!(error_code(&deactivate), Some("NOT_FOUND"), "{deactivate}");
    assert!(user(app, "steering").await.active);

    // Accounts: not with a grant above its own scope, yes inside it.
    for (role, scope) in [("ADMIN", &province), ("VIEWER", &province), ("ADMIN", &d02)] {
        let body = app
            .gql(
                Some(&d01_admin),
                CREATE_USER,
                json!({ "i": { "username": format!("x{role}{}", scope.len()), "displayName": "X", "password": "long enough pass",
                               "grants": [{ "role": role, "scopeUnitId": scope }] } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{role}: {body}");
    }
    let created = app
        .gql(
            Some(&d01_admin),
            CREATE_USER,
            json!({ "i": { "username": "d01reporter2", "displayName": "Phóng viên", "password": "long enough pass",
                           "grants": [{ "role": "REPORTER", "scopeUnitId": d01 }] } }),
        )
        .await;
    assert_eq!(error_code(&created), None, "{created}");

    // Partner systems: none with power above its own; a D02 partner is out of reach.
    let steering_client = app
        .gql(
            Some(&d01_admin),
            CREATE_CLIENT,
            json!({ "i": { "name": "Hệ thống lạ", "grants": [{ "role": "STEERING", "scopeUnitId": province }] } }),
        )
        .await;
    assert_eq!(
        error_code(&steering_client),
        Some("FORBIDDEN"),
        "{steering_client}"
    );
    let (_, d01_client_gid) = client(app, "Hệ thống D01", Role::Partner, "ST.D01").await;
    let (d02_client, d02_client_gid) = client(app, "Hệ thống D02", Role::Partner, "ST.D02").await;
    let escalate = app
        .gql(
            Some(&d01_admin),
            GRANT,
            json!({ "i": { "apiClientId": d01_client_gid, "role": "STEERING", "scopeUnitId": province } }),
        )
        .await;
    assert_eq!(error_code(&escalate), Some("FORBIDDEN"), "{escalate}");
    for mutation in [ROTATE, REVOKE_CLIENT] {
        let body = app
            .gql(Some(&d01_admin), mutation, json!({ "id": d02_client_gid }))
            .await;
        assert_eq!(error_code(&body), Some("NOT_FOUND"), "{body}");
    }
    let d02_row = entity::api_client::Entity::find_by_id(d02_client)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(d02_row.active);
    assert_eq!(d02_row.version, 1, "the D02 secret was not rotated");
    let rotated = app
        .gql(Some(&d01_admin), ROTATE, json!({ "id": d01_client_gid }))
        .await;
    assert_eq!(error_code(&rotated), None, "{rotated}");

    // Revoking the province ADMIN's grant is out of reach.
    let root_grant = grant_ids(app, root_admin.id).await[0];
    let revoke = app
        .gql(
            Some(&d01_admin),
            REVOKE,
            json!({ "id": gid(NodeType::RoleGrant, root_grant) }),
        )
        .await;
    assert_eq!(error_code(&revoke), Some("NOT_FOUND"), "{revoke}");
    assert_eq!(grant_ids(app, root_admin.id).await.len(), 1);

    // Lists: only the principals inside its power.
    let listed = app
        .data(
            &d01_admin,
            "{ users { username } apiClients { name } }",
            json!({}),
        )
        .await;
    let usernames: Vec<&str> = listed["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    for inside in ["reporter", "manager", "d01admin", "d01reporter2"] {
        assert!(usernames.contains(&inside), "{inside} in {usernames:?}");
    }
    for outside in ["admin", "steering", "viewer"] {
        assert!(!usernames.contains(&outside), "{outside} in {usernames:?}");
    }
    let clients: Vec<&str> = listed["apiClients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(clients, ["Hệ thống D01"], "{listed}");
    let node = app
        .data(
            &d01_admin,
            "query($id: ID!) { node(id: $id) { id } }",
            json!({ "id": gid(NodeType::User, root_admin.id) }),
        )
        .await;
    assert!(node["node"].is_null(), "{node}");

    // The audit log and the removal feed: D01's events only. A change in D02 made by the
    // province is invisible; one in D01 is there.
    let province_admin = app.login("admin").await;
    let d02_user = app
        .data(
            &province_admin,
            CREATE_USER,
            json!({ "i": { "username": "d02viewer", "displayName": "Xem D02", "password": "long enough pass",
                           "grants": [{ "role": "VIEWER", "scopeUnitId": d02 }] } }),
        )
        .await;
    let d02_user = d02_user["createUser"]["user"]["id"].as_str().unwrap();
    let d02_user = qcdc::graphql::id::decode("id", NodeType::User, &d02_user.into()).unwrap();
    let d02_grant = grant_ids(app, d02_user).await[0];
    let body = app
        .gql(
            Some(&province_admin),
            REVOKE,
            json!({ "id": gid(NodeType::RoleGrant, d02_grant) }),
        )
        .await;
    assert_eq!(error_code(&body), None, "{body}");
    // A grant inside D01 is an event of D01's.
    let d01_grant = app
        .gql(
            Some(&d01_admin),
            GRANT,
            json!({ "i": { "userId": gid(NodeType::User, reporter.id), "role": "VIEWER", "scopeUnitId": d01 } }),
        )
        .await;
    assert_eq!(error_code(&d01_grant), None, "{d01_grant}");
    let seen = app
        .data(
            &d01_admin,
            "{ auditEvents(first: 100) { edges { node { action unit { code } } } }
               removedSince(since: \"2000-01-01T00:00:00Z\", first: 100) { edges { node { entityType unit { code } } } } }",
            json!({}),
        )
        .await;
    let units = |path: &str| -> Vec<String> {
        seen[path]["edges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["node"]["unit"]["code"].as_str().unwrap_or("-").to_owned())
            .collect()
    };
    let audit_units = units("auditEvents");
    assert!(
        audit_units.iter().any(|c| c.starts_with("ST.D01")),
        "{audit_units:?}"
    );
    assert!(
        audit_units.iter().all(|c| c.starts_with("ST.D01")),
        "a district ADMIN reads only its subtree's events: {audit_units:?}"
    );
    assert!(
        units("removedSince")
            .iter()
            .all(|c| c.starts_with("ST.D01")),
        "{seen}"
    );
    // The province ADMIN, being global, sees the D02 removal.
    let all = app
        .data(
            &province_admin,
            "{ removedSince(since: \"2000-01-01T00:00:00Z\", first: 100) { edges { node { unit { code } } } } }",
            json!({}),
        )
        .await;
    assert!(all.to_string().contains("\"ST.D02\""), "{all}");
}

async fn a_district_steering_grants_only_below_itself(app: &TestApp) {
    let d01_steering = app.user_with("d01steering", Role::Steering, "ST.D01").await;
    let d01 = gid(NodeType::Unit, app.unit_uuid("ST.D01").await);
    let reporter = gid(NodeType::User, user(app, "reporter").await.id);
    let viewer = user(app, "viewer").await;
    let admin = user(app, "admin").await;

    let rank = app
        .gql(
            Some(&d01_steering),
            GRANT,
            json!({ "i": { "userId": reporter, "role": "ADMIN", "scopeUnitId": d01 } }),
        )
        .await;
    assert_eq!(error_code(&rank), Some("FORBIDDEN"), "{rank}");
    // Adding to the power of a province-wide account is acting on a stronger principal.
    let stronger = app
        .gql(
            Some(&d01_steering),
            GRANT,
            json!({ "i": { "userId": gid(NodeType::User, viewer.id), "role": "REPORTER", "scopeUnitId": d01 } }),
        )
        .await;
    assert_eq!(error_code(&stronger), Some("NOT_FOUND"), "{stronger}");
    let root_grant = grant_ids(app, admin.id).await[0];
    let revoke = app
        .gql(
            Some(&d01_steering),
            REVOKE,
            json!({ "id": gid(NodeType::RoleGrant, root_grant) }),
        )
        .await;
    assert_eq!(error_code(&revoke), Some("NOT_FOUND"), "{revoke}");
    let ok = app
        .gql(
            Some(&d01_steering),
            GRANT,
            json!({ "i": { "userId": reporter, "role": "VIEWER", "scopeUnitId": d01 } }),
        )
        .await;
    assert_eq!(error_code(&ok), None, "{ok}");
    // STEERING manages grants, never accounts.
    let listed = app
        .gql(Some(&d01_steering), "{ users { id } }", json!({}))
        .await;
    assert_eq!(error_code(&listed), Some("FORBIDDEN"), "{listed}");
}

struct Setup {
    w: Writer,
    author: Actor,
}

impl Setup {
    async fn new(app: &TestApp) -> Self {
        Self {
            w: app.writer(),
            author: app.fixture_actor().await,
        }
    }

    /// A plan of `issuer`, with one task; issued when `number` is given.
    async fn plan(
        &self,
        app: &TestApp,
        issuer: &str,
        number: Option<&str>,
    ) -> (entity::plan::Model, entity::task::Model) {
        let day = |s: &str| s.parse().unwrap();
        let plan = planning::create_plan(
            &self.w,
            &self.author,
            planning::NewPlan {
                title: format!("Kế hoạch của {issuer}"),
                issuing_unit: app.unit_uuid(issuer).await,
                standing_unit: None,
                period_start: day("2024-01-01"),
                period_end: day("2024-12-31"),
                motto: None,
            },
        )
        .await
        .unwrap();
        let task = planning::add_task(
            &self.w,
            &self.author,
            planning::NewTask {
                plan: plan.id,
                parent: None,
                code: None,
                title: format!("Nhiệm vụ của {issuer}"),
                description: None,
                content_area: Some(1),
                due_on: None,
            },
        )
        .await
        .unwrap();
        let plan = match number {
            Some(n) => planning::issue_plan(
                &self.w,
                &self.author,
                plan.id,
                plan.version,
                n.into(),
                day("2024-03-01"),
            )
            .await
            .unwrap(),
            None => plan,
        };
        (plan, task)
    }

    /// States `value` for indicator `code` in a draft, submits it, and has `reviewer` approve it.
    async fn approve_with(
        &self,
        reviewer: &Actor,
        draft: entity::report::Model,
        code: &str,
        value: f64,
    ) -> entity::report::Model {
        let r = reporting::update(
            &self.w,
            &self.author,
            draft.id,
            draft.version,
            reporting::ReportPatch {
                indicator_values: Some(vec![reporting::ValueInput {
                    code: code.into(),
                    value,
                    note: None,
                }]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let r = reporting::transition(
            &self.w,
            &self.author,
            r.id,
            r.version,
            reporting::Transition::Submit,
            None,
        )
        .await
        .unwrap();
        reporting::transition(
            &self.w,
            reviewer,
            r.id,
            r.version,
            reporting::Transition::Approve,
            None,
        )
        .await
        .unwrap()
    }

    /// A draft ad hoc report of `unit`, without a plan.
    async fn report(&self, app: &TestApp, unit: &str) -> entity::report::Model {
        reporting::create(
            &self.w,
            &self.author,
            NewReport {
                unit: Some(app.unit_uuid(unit).await),
                title: Some(format!("Báo cáo của {unit}")),
                period_start: Some("2024-01-01".parse().unwrap()),
                period_end: Some("2024-06-30".parse().unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
    }
}

const CREATE_REPORT: &str = "mutation($i: CreateReportInput!) { createReport(input: $i) { report { id version plan { id } } } }";
const UPDATE_REPORT: &str =
    "mutation($i: UpdateReportInput!) { updateReport(input: $i) { report { id version } } }";

async fn ids_a_report_names_belong_to_its_unit(app: &TestApp) {
    let setup = Setup::new(app).await;
    let reporter = app.login("reporter").await;
    let d01_bcd = gid(NodeType::Unit, app.unit_uuid("ST.D01.BCD").await);
    let (d02_draft, d02_task) = setup.plan(app, "ST.D02.BCD", None).await;

    // Another district's draft plan answers as an unknown plan; nothing is written.
    let before = entity::report::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .len();
    let foreign = app
        .gql(
            Some(&reporter),
            CREATE_REPORT,
            json!({ "i": { "unitId": d01_bcd, "planId": gid(NodeType::Plan, d02_draft.id), "title": "Báo cáo",
                           "periodStart": "2024-01-01", "periodEnd": "2024-06-30" } }),
        )
        .await;
    assert_eq!(error_code(&foreign), Some("BAD_USER_INPUT"), "{foreign}");
    assert_eq!(foreign["errors"][0]["extensions"]["field"], "input.planId");
    assert_eq!(
        entity::report::Entity::find()
            .all(&app.db)
            .await
            .unwrap()
            .len(),
        before
    );
    // Its own district's plan is accepted.
    let (d01_plan, d01_task) = setup.plan(app, "ST.D01.BCD", Some("801-KH/BCĐ")).await;
    let own = app
        .gql(
            Some(&reporter),
            CREATE_REPORT,
            json!({ "i": { "unitId": d01_bcd, "planId": gid(NodeType::Plan, d01_plan.id), "title": "Báo cáo",
                           "periodStart": "2024-01-01", "periodEnd": "2024-06-30" } }),
        )
        .await;
    assert_eq!(error_code(&own), None, "{own}");

    // A report without a plan takes progress for its own unit's tasks only.
    let report = setup.report(app, "ST.D01.BCD").await;
    let progress = |task: Uuid| {
        json!({ "i": { "id": gid(NodeType::Report, report.id), "version": report.version,
                       "progress": [{ "taskId": gid(NodeType::Task, task), "progress": 40 }] } })
    };
    let foreign_task = app
        .gql(Some(&reporter), UPDATE_REPORT, progress(d02_task.id))
        .await;
    assert_eq!(
        error_code(&foreign_task),
        Some("BAD_USER_INPUT"),
        "{foreign_task}"
    );
    assert!(
        entity::report_task_progress::Entity::find()
            .filter(entity::report_task_progress::Column::ReportId.eq(report.id))
            .all(&app.db)
            .await
            .unwrap()
            .is_empty()
    );
    let own_task = app
        .gql(Some(&reporter), UPDATE_REPORT, progress(d01_task.id))
        .await;
    assert_eq!(error_code(&own_task), None, "{own_task}");

    // On a provincial plan, another district's derived task is not the reporting district's.
    let (provincial, _) = setup.plan(app, "ST.BCD", None).await;
    for district in ["ST.D01.BCD", "ST.D02.BCD"] {
        planning::add_recipient(
            &setup.w,
            &setup.author,
            provincial.id,
            app.unit_uuid(district).await,
            Some("2024-03-31".parse().unwrap()),
        )
        .await
        .unwrap();
    }
    let provincial = planning::issue_plan(
        &setup.w,
        &setup.author,
        provincial.id,
        provincial.version,
        "802-KH/BCĐ".into(),
        "2024-03-01".parse().unwrap(),
    )
    .await
    .unwrap();
    let d02_derived = qcdc::domain::derivation::derive_plan(
        &setup.w,
        &setup.author,
        provincial.id,
        app.unit_uuid("ST.D02.BCD").await,
    )
    .await
    .unwrap();
    let d02_derived_task = planning::tasks_of(&app.db, d02_derived.id)
        .await
        .unwrap()
        .remove(0);
    let on_provincial = reporting::create(
        &setup.w,
        &setup.author,
        NewReport {
            unit: Some(app.unit_uuid("ST.D01.BCD").await),
            plan: Some(provincial.id),
            title: Some("Báo cáo tiến độ".into()),
            period_start: Some("2024-01-01".parse().unwrap()),
            period_end: Some("2024-06-30".parse().unwrap()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let body = app
        .gql(
            Some(&reporter),
            UPDATE_REPORT,
            json!({ "i": { "id": gid(NodeType::Report, on_provincial.id), "version": on_provincial.version,
                           "progress": [{ "taskId": gid(NodeType::Task, d02_derived_task.id), "progress": 100 }] } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("BAD_USER_INPUT"), "{body}");
    let steering = app.login("steering").await;
    let coverage = app
        .data(
            &steering,
            "query($p: ID!) { plan(id: $p) { coverage { unit { code } reported } } }",
            json!({ "p": gid(NodeType::Plan, provincial.id) }),
        )
        .await;
    let d02_cells: Vec<&Value> = coverage["plan"]["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["unit"]["code"] == "ST.D02.BCD")
        .collect();
    assert!(!d02_cells.is_empty(), "{coverage}");
    for cell in d02_cells {
        assert_eq!(cell["reported"], json!(false), "{coverage}");
    }
}

async fn nested_fields_never_leave_the_callers_scope(app: &TestApp) {
    let setup = Setup::new(app).await;
    let reporter = app.login("reporter").await;
    let (d02_draft, d02_task) = setup.plan(app, "ST.D02.BCD", None).await;
    // Rows written before the write-side checks existed (or by any other path) still point at
    // another district's records: following them must not show those records.
    let report = setup.report(app, "ST.D01.BCD").await;
    let mut am = report.clone().into_active_model();
    am.plan_id = Set(Some(d02_draft.id));
    am.update(&app.db).await.unwrap();
    entity::report_task_progress::ActiveModel {
        id: Set(Uuid::now_v7()),
        report_id: Set(report.id),
        task_id: Set(d02_task.id),
        progress: Set(40),
        note: Set(None),
        created_at: Set(chrono::Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let read = app
        .data(
            &reporter,
            "query($id: ID!) { report(id: $id) { plan { id title } progressEntries { progress task { id title plan { id } assignments { id } } } } }",
            json!({ "id": gid(NodeType::Report, report.id) }),
        )
        .await;
    assert!(read["report"]["plan"].is_null(), "{read}");
    let entries = read["report"]["progressEntries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0]["task"].is_null(), "{read}");
    assert!(!read.to_string().contains("ST.D02"), "{read}");
    // The province sees both.
    let steering = app.login("steering").await;
    let full = app
        .data(
            &steering,
            "query($id: ID!) { report(id: $id) { plan { id } progressEntries { task { id } } } }",
            json!({ "id": gid(NodeType::Report, report.id) }),
        )
        .await;
    assert!(!full["report"]["plan"].is_null(), "{full}");
    assert!(
        !full["report"]["progressEntries"][0]["task"].is_null(),
        "{full}"
    );
}

async fn a_reviewer_never_reviews_its_own_work(app: &TestApp) {
    let setup = Setup::new(app).await;
    let steering = app.login("steering").await;
    let manager = app.login("manager").await;
    let commune = first_unit_below(app, "ST.D01").await;
    // STEERING edits a report someone else created, then a fixture submits it: STEERING may
    // not approve or return it. A manager of a unit above, who never touched it, may.
    let report = setup.report(app, &commune).await;
    let edited = app
        .data(
            &steering,
            UPDATE_REPORT,
            json!({ "i": { "id": gid(NodeType::Report, report.id), "version": report.version, "results": "Đã sửa" } }),
        )
        .await;
    let version = edited["updateReport"]["report"]["version"]
        .as_i64()
        .unwrap() as i32;
    let submitted = reporting::transition(
        &setup.w,
        &setup.author,
        report.id,
        version,
        reporting::Transition::Submit,
        None,
    )
    .await
    .unwrap();
    for mutation in ["approveReport", "returnReport"] {
        let body = app
            .gql(
                Some(&steering),
                &format!("mutation($i: ReportStepInput!) {{ {mutation}(input: $i) {{ report {{ status }} }} }}"),
                json!({ "i": { "id": gid(NodeType::Report, report.id), "version": submitted.version, "comment": "Bổ sung" } }),
            )
            .await;
        assert_eq!(error_code(&body), Some("FORBIDDEN"), "{mutation}: {body}");
    }
    // A submitter is refused as well.
    let other = setup.report(app, &commune).await;
    let submitted_by_manager = app
        .data(
            &manager,
            "mutation($i: ReportStepInput!) { submitReport(input: $i) { report { version } } }",
            json!({ "i": { "id": gid(NodeType::Report, other.id), "version": other.version } }),
        )
        .await;
    let v = submitted_by_manager["submitReport"]["report"]["version"]
        .as_i64()
        .unwrap();
    let body = app
        .gql(
            Some(&manager),
            "mutation($i: ReportStepInput!) { approveReport(input: $i) { report { status } } }",
            json!({ "i": { "id": gid(NodeType::Report, other.id), "version": v } }),
        )
        .await;
    assert_eq!(error_code(&body), Some("FORBIDDEN"), "{body}");
    // Someone who took no part approves.
    let clean = app
        .gql(
            Some(&manager),
            "mutation($i: ReportStepInput!) { approveReport(input: $i) { report { status } } }",
            json!({ "i": { "id": gid(NodeType::Report, report.id), "version": submitted.version } }),
        )
        .await;
    assert_eq!(
        clean["data"]["approveReport"]["report"]["status"], "APPROVED",
        "{clean}"
    );
}

/// The code of a unit strictly below `code` (a unit a manager of `code` reviews from above).
async fn first_unit_below(app: &TestApp, code: &str) -> String {
    let parent = app.unit_uuid(code).await;
    entity::unit::Entity::find()
        .filter(entity::unit::Column::ParentId.eq(parent))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .code
}

async fn out_of_scope_ids_answer_as_unknown_ids(app: &TestApp) {
    let setup = Setup::new(app).await;
    let manager = app.login("manager").await;
    let (d02_plan, d02_task) = setup.plan(app, "ST.D02.BCD", None).await;
    let d02_report = setup.report(app, "ST.D02.BCD").await;
    let unknown = Uuid::now_v7();
    let cases: Vec<(&str, Value, Value)> = vec![
        (
            "mutation($i: UpdatePlanInput!) { updatePlan(input: $i) { plan { id } } }",
            json!({ "i": { "id": gid(NodeType::Plan, d02_plan.id), "version": 1, "title": "Sửa" } }),
            json!({ "i": { "id": gid(NodeType::Plan, unknown), "version": 1, "title": "Sửa" } }),
        ),
        (
            "mutation($i: UpdateTaskInput!) { updateTask(input: $i) { task { id } } }",
            json!({ "i": { "id": gid(NodeType::Task, d02_task.id), "version": 1, "title": "Sửa" } }),
            json!({ "i": { "id": gid(NodeType::Task, unknown), "version": 1, "title": "Sửa" } }),
        ),
        (
            UPDATE_REPORT,
            json!({ "i": { "id": gid(NodeType::Report, d02_report.id), "version": 1, "results": "x" } }),
            json!({ "i": { "id": gid(NodeType::Report, unknown), "version": 1, "results": "x" } }),
        ),
        (
            "mutation($i: ReportStepInput!) { approveReport(input: $i) { report { id } } }",
            json!({ "i": { "id": gid(NodeType::Report, d02_report.id), "version": 1 } }),
            json!({ "i": { "id": gid(NodeType::Report, unknown), "version": 1 } }),
        ),
    ];
    for (query, out_of_scope, missing) in cases {
        let a = app.gql(Some(&manager), query, out_of_scope).await;
        let b = app.gql(Some(&manager), query, missing).await;
        assert_eq!(error_code(&a), Some("NOT_FOUND"), "{query}: {a}");
        assert_eq!(
            a["errors"][0]["message"], b["errors"][0]["message"],
            "{query}: {a} against {b}"
        );
        assert_eq!(error_code(&a), error_code(&b));
    }
}

const APPLY: &str = "mutation($i: ReorganisationInput!) { applyReorganisation(input: $i) { reorganisation { id } } }";

/// Moves `unit` under district D04 from 1 January 2025 (a reorganisation by the steering).
async fn move_to_d04_from_2025(app: &TestApp, steering: &str, unit: &str) {
    let moved = app
        .gql(
            Some(steering),
            APPLY,
            json!({ "i": { "kind": "REPARENT", "effectiveOn": "2025-01-01", "title": "Chuyển trực thuộc",
                           "predecessorIds": [gid(NodeType::Unit, app.unit_uuid(unit).await)],
                           "parentId": gid(NodeType::Unit, app.unit_uuid("ST.D04").await) } }),
        )
        .await;
    assert_eq!(error_code(&moved), None, "{moved}");
}

/// Moves a report's writing day back, as if it had been written then.
async fn written_on(app: &TestApp, report: &entity::report::Model, day: &str) {
    written_at(app, report, &format!("{day}T03:00:00Z")).await;
}

/// Sets the instant a report was written (RFC 3339).
async fn written_at(app: &TestApp, report: &entity::report::Model, instant: &str) {
    let at = instant.parse::<chrono::DateTime<chrono::Utc>>().unwrap();
    let mut am = report.clone().into_active_model();
    am.created_at = Set(at);
    am.update(&app.db).await.unwrap();
}

async fn submitted_report(setup: &Setup, app: &TestApp, unit: &str) -> entity::report::Model {
    let r = setup.report(app, unit).await;
    reporting::transition(
        &setup.w,
        &setup.author,
        r.id,
        r.version,
        reporting::Transition::Submit,
        None,
    )
    .await
    .unwrap()
}

/// The day a unit moves begins at midnight in Việt Nam: a report written at 01:30 there (18:30
/// UTC the day before) is already the new district's, and no longer the old one's.
async fn a_report_written_after_midnight_in_viet_nam_on_the_move_day_is_the_new_districts(
    app: &TestApp,
) {
    let setup = Setup::new(app).await;
    let steering = app.login("steering").await;
    let old_viewer = app.user_with("d03viewer", Role::Viewer, "ST.D03").await;
    let new_viewer = app.user_with("d04viewer", Role::Viewer, "ST.D04").await;
    let moving = first_unit_below(app, "ST.D03").await;
    move_to_d04_from_2025(app, &steering, &moving).await;
    let report = submitted_report(&setup, app, &moving).await;
    written_at(app, &report, "2024-12-31T18:30:00Z").await;
    const READ: &str = "query($id: ID!) { report(id: $id) { id } }";
    let id = gid(NodeType::Report, report.id);
    let new = app.data(&new_viewer, READ, json!({ "id": id })).await;
    assert!(!new["report"].is_null(), "the new district's: {new}");
    let old = app.data(&old_viewer, READ, json!({ "id": id })).await;
    assert!(old["report"].is_null(), "not the old district's: {old}");
}

async fn a_moved_units_new_reports_leave_its_old_district(app: &TestApp) {
    let setup = Setup::new(app).await;
    let steering = app.login("steering").await;
    let old_viewer = app.user_with("d03viewer", Role::Viewer, "ST.D03").await;
    let old_manager = app
        .user_with("d03manager", Role::UnitManager, "ST.D03")
        .await;
    let new_viewer = app.user_with("d04viewer", Role::Viewer, "ST.D04").await;
    let moving = first_unit_below(app, "ST.D03").await;
    let old = submitted_report(&setup, app, &moving).await;
    written_on(app, &old, "2024-06-01").await;
    move_to_d04_from_2025(app, &steering, &moving).await;
    let new = submitted_report(&setup, app, &moving).await;
    let (new_plan, _) = setup.plan(app, &moving, None).await;

    const READ: &str = "query($id: ID!) { report(id: $id) { id } }";
    let sees = |token: String, report: Uuid| async move {
        !app.data(&token, READ, json!({ "id": gid(NodeType::Report, report) }))
            .await["report"]
            .is_null()
    };
    assert!(sees(old_viewer.clone(), old.id).await, "history stays");
    assert!(
        !sees(old_viewer.clone(), new.id).await,
        "a moved unit's new report is not the old district's"
    );
    assert!(sees(new_viewer.clone(), new.id).await);
    assert!(!sees(new_viewer.clone(), old.id).await);
    let listed = app
        .data(
            &old_viewer,
            "{ reports(first: 100) { edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert!(
        !listed.to_string().contains(&gid(NodeType::Report, new.id)),
        "{listed}"
    );
    // A rollup over the old district lists the obligation but not the new report's content.
    // A provincial plan the old district sees as a recipient; reports go to the province.
    let (province_plan, _) = setup.plan(app, "ST.BCD", None).await;
    planning::add_recipient(
        &setup.w,
        &setup.author,
        province_plan.id,
        app.unit_uuid("ST.D03.BCD").await,
        None,
    )
    .await
    .unwrap();
    let schedule = planning::create_schedule(
        &setup.w,
        &setup.author,
        planning::NewSchedule {
            plan: province_plan.id,
            kind: entity::ReportKind::Periodic,
            title: "Quý".into(),
            period_start: "2024-01-01".parse().unwrap(),
            period_end: "2024-03-31".parse().unwrap(),
            due_on: "2024-04-10".parse().unwrap(),
            recipient_unit: None,
            reporting_units: vec![app.unit_uuid(&moving).await],
        },
    )
    .await
    .unwrap();
    let obligation = entity::report_obligation::Entity::find()
        .filter(entity::report_obligation::Column::ScheduleId.eq(schedule.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    reporting::create(
        &setup.w,
        &setup.author,
        NewReport {
            obligation: Some(obligation.id),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let compliance = app
        .data(
            &old_viewer,
            "query($s: ID!, $u: ID!) { reportingCompliance(scheduleId: $s, unitId: $u) { obligations { report { id title } } } }",
            json!({ "s": gid(NodeType::ReportSchedule, schedule.id),
                    "u": gid(NodeType::Unit, app.unit_uuid("ST.D03").await) }),
        )
        .await;
    for o in compliance["reportingCompliance"]["obligations"]
        .as_array()
        .unwrap()
    {
        assert!(o["report"].is_null(), "{compliance}");
    }
    // Nor do its approved numbers add up in the old district's totals.
    let written = entity::report::Entity::find()
        .filter(entity::report::Column::ObligationId.eq(obligation.id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let admin_actor = admin_actor(app).await;
    setup
        .approve_with(&admin_actor, written, "C1.SESSIONS", 777.0)
        .await;
    const TOTAL: &str = "query($u: ID!, $s: ID!) { indicatorSummary(codes: [\"C1.SESSIONS\"], unitId: $u, scheduleId: $s) { value } }";
    let total = |district: &'static str| {
        let steering = steering.clone();
        async move {
            let unit = gid(NodeType::Unit, app.unit_uuid(district).await);
            let vars = json!({ "u": unit, "s": gid(NodeType::ReportSchedule, schedule.id) });
            app.data(&steering, TOTAL, vars).await["indicatorSummary"][0]["value"].clone()
        }
    };
    assert_ne!(
        total("ST.D03").await,
        json!(777.0),
        "the old district's total"
    );
    assert_eq!(
        total("ST.D04").await,
        json!(777.0),
        "the new district's total"
    );
    // Its later plans (and their tasks) go with it too.
    const PLAN: &str = "query($id: ID!) { plan(id: $id) { id } }";
    let plan_of = |token: String| async move {
        app.data(
            &token,
            PLAN,
            json!({ "id": gid(NodeType::Plan, new_plan.id) }),
        )
        .await["plan"]
            .is_null()
    };
    assert!(
        plan_of(old_viewer.clone()).await,
        "a moved unit's new plan left the old district"
    );
    assert!(!plan_of(new_viewer.clone()).await);
    // Nor are its totals the old district's to read now.
    let rollup = app
        .gql(
            Some(&old_viewer),
            "query($u: ID!) { indicatorSummary(codes: [\"C1.SESSIONS\"], unitId: $u, periodFrom: \"2024-01-01\", periodTo: \"2030-12-31\") { value } }",
            json!({ "u": gid(NodeType::Unit, app.unit_uuid(&moving).await) }),
        )
        .await;
    // The unit itself stays visible to its old district (its history), so this is a refusal.
    assert_eq!(error_code(&rollup), Some("FORBIDDEN"), "{rollup}");
    // Reviews are changes: they follow today's tree.
    let returned = app
        .gql(
            Some(&old_manager),
            "mutation($i: ReportStepInput!) { returnReport(input: $i) { report { status } } }",
            json!({ "i": { "id": gid(NodeType::Report, new.id), "version": new.version, "comment": "Bổ sung" } }),
        )
        .await;
    assert_eq!(error_code(&returned), Some("NOT_FOUND"), "{returned}");
    let row = entity::report::Entity::find_by_id(new.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, entity::ReportStatus::Submitted);
}

async fn lineage_carries_only_what_was_transferred(app: &TestApp) {
    let setup = Setup::new(app).await;
    let steering = app.login("steering").await;
    let reviewer = admin_actor(app).await;
    let (plan, _) = setup.plan(app, "ST.BCD", Some("803-KH/BCĐ")).await;
    let staying = app.unit_uuid("ST.D08.BCD").await;
    let moving = app.unit_uuid("ST.D08.PARTY").await;
    let schedule = planning::create_schedule(
        &setup.w,
        &setup.author,
        planning::NewSchedule {
            plan: plan.id,
            kind: entity::ReportKind::Periodic,
            title: "Sáu tháng".into(),
            period_start: "2024-01-01".parse().unwrap(),
            period_end: "2024-06-30".parse().unwrap(),
            due_on: "2024-07-10".parse().unwrap(),
            recipient_unit: None,
            reporting_units: vec![staying, moving],
        },
    )
    .await
    .unwrap();
    let obligations = entity::report_obligation::Entity::find()
        .filter(entity::report_obligation::Column::ScheduleId.eq(schedule.id))
        .all(&app.db)
        .await
        .unwrap();
    for obligation in &obligations {
        let value = if obligation.unit_id == moving {
            5.0
        } else {
            7.0
        };
        let r = reporting::create(
            &setup.w,
            &setup.author,
            NewReport {
                obligation: Some(obligation.id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        setup.approve_with(&reviewer, r, "C1.SESSIONS", value).await;
    }
    let transferred = app
        .gql(
            Some(&steering),
            APPLY,
            json!({ "i": { "kind": "PARTIAL_TRANSFER", "effectiveOn": "2025-01-01", "title": "Điều chỉnh",
                           "predecessorIds": [gid(NodeType::Unit, app.unit_uuid("ST.D08").await)],
                           "successorId": gid(NodeType::Unit, app.unit_uuid("ST.D11").await),
                           "transferredIds": [gid(NodeType::Unit, moving)] } }),
        )
        .await;
    assert_eq!(error_code(&transferred), None, "{transferred}");
    let summary = app
        .data(
            &steering,
            "query($u: ID!, $s: ID!) { indicatorSummary(codes: [\"C1.SESSIONS\"], unitId: $u, scheduleId: $s, lineage: true) {
                value reports { unit { code } } } }",
            json!({ "u": gid(NodeType::Unit, app.unit_uuid("ST.D11").await),
                    "s": gid(NodeType::ReportSchedule, schedule.id) }),
        )
        .await;
    let total = &summary["indicatorSummary"][0];
    let units: Vec<&str> = total["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit"]["code"].as_str().unwrap())
        .collect();
    assert_eq!(units, ["ST.D08.PARTY"], "{summary}");
    assert_eq!(total["value"], json!(5.0), "{summary}");
}

async fn units_a_planner_names_lie_in_its_scope(app: &TestApp) {
    let setup = Setup::new(app).await;
    let manager = app.login("manager").await;
    let (plan, _) = setup.plan(app, "ST.D01.BCD", None).await;
    let d01_party = gid(NodeType::Unit, app.unit_uuid("ST.D01.PARTY").await);
    let d02_party = gid(NodeType::Unit, app.unit_uuid("ST.D02.PARTY").await);
    const RECIPIENT: &str =
        "mutation($i: AddPlanRecipientInput!) { addPlanRecipient(input: $i) { plan { id } } }";
    const SCHEDULE: &str = "mutation($i: CreateReportScheduleInput!) { createReportSchedule(input: $i) { reportSchedule { id } } }";
    let schedule = |units: Vec<&String>| {
        json!({ "i": { "planId": gid(NodeType::Plan, plan.id), "kind": "PERIODIC", "title": "Quý I",
                       "periodStart": "2024-01-01", "periodEnd": "2024-03-31", "dueOn": "2024-04-10",
                       "reportingUnitIds": units } })
    };
    let foreign = app
        .gql(
            Some(&manager),
            SCHEDULE,
            schedule(vec![&d01_party, &d02_party]),
        )
        .await;
    assert_eq!(error_code(&foreign), Some("BAD_USER_INPUT"), "{foreign}");
    assert_eq!(
        foreign["errors"][0]["extensions"]["field"],
        "input.reportingUnitIds"
    );
    assert!(
        entity::report_schedule::Entity::find()
            .filter(entity::report_schedule::Column::PlanId.eq(plan.id))
            .all(&app.db)
            .await
            .unwrap()
            .is_empty(),
        "nothing half-written"
    );
    let own = app
        .gql(Some(&manager), SCHEDULE, schedule(vec![&d01_party]))
        .await;
    assert_eq!(error_code(&own), None, "{own}");
    let recipient = app
        .gql(
            Some(&manager),
            RECIPIENT,
            json!({ "i": { "planId": gid(NodeType::Plan, plan.id), "unitId": d02_party } }),
        )
        .await;
    assert_eq!(
        error_code(&recipient),
        Some("BAD_USER_INPUT"),
        "{recipient}"
    );
}

async fn a_district_keeps_only_its_own_documents(app: &TestApp) {
    let d01_steering = app.user_with("d01steering", Role::Steering, "ST.D01").await;
    let docs = entity::legal_document::Entity::find()
        .filter(entity::legal_document::Column::IssuerUnitId.is_null())
        .all(&app.db)
        .await
        .unwrap();
    assert!(docs.len() >= 2, "the seed cites national documents");
    let relation = app
        .gql(
            Some(&d01_steering),
            "mutation($i: AddDocumentRelationInput!) { addDocumentRelation(input: $i) { relation { id } } }",
            json!({ "i": { "fromId": gid(NodeType::LegalDocument, docs[0].id),
                           "toId": gid(NodeType::LegalDocument, docs[1].id), "kind": "REPEALS" } }),
        )
        .await;
    assert_eq!(error_code(&relation), Some("FORBIDDEN"), "{relation}");
    let after = entity::legal_document::Entity::find_by_id(docs[1].id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        after.status, docs[1].status,
        "a district cannot repeal a national decree"
    );
    let register = app
        .gql(
            Some(&d01_steering),
            "mutation($i: RegisterLegalDocumentInput!) { registerLegalDocument(input: $i) { legalDocument { id } } }",
            json!({ "i": { "number": "999/2026/NĐ-CP", "documentType": "DECREE", "issuer": "Chính phủ" } }),
        )
        .await;
    assert_eq!(error_code(&register), Some("FORBIDDEN"), "{register}");
    let own = app
        .gql(
            Some(&d01_steering),
            "mutation($i: RegisterLegalDocumentInput!) { registerLegalDocument(input: $i) { legalDocument { id } } }",
            json!({ "i": { "number": "12/KH-BCĐ", "documentType": "PLAN", "issuer": "Ban Chỉ đạo huyện",
                           "issuerUnitId": gid(NodeType::Unit, app.unit_uuid("ST.D01.BCD").await) } }),
        )
        .await;
    assert_eq!(error_code(&own), None, "{own}");
}

async fn accounts_without_grants_and_account_events_belong_to_the_root(app: &TestApp) {
    let d01_admin = app.user_with("d01admin", Role::Admin, "ST.D01").await;
    let province_admin = app.login("admin").await;
    let d01 = gid(NodeType::Unit, app.unit_uuid("ST.D01").await);
    let d02 = gid(NodeType::Unit, app.unit_uuid("ST.D02").await);
    // The province creates an account first and grants it later (README's order): in between
    // a district must not be able to take it over.
    let created = app
        .data(
            &province_admin,
            CREATE_USER,
            json!({ "i": { "username": "provdeputy", "displayName": "Phó chủ tịch tỉnh", "password": "province-secret-pw" } }),
        )
        .await;
    let deputy = created["createUser"]["user"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let reset = app
        .gql(
            Some(&d01_admin),
            RESET,
            json!({ "i": { "id": deputy, "version": 1, "password": "attacker-knows-this" } }),
        )
        .await;
    assert_eq!(error_code(&reset), Some("NOT_FOUND"), "{reset}");
    let listed = app
        .data(&d01_admin, "{ users { username } }", json!({}))
        .await;
    assert!(!listed.to_string().contains("provdeputy"), "{listed}");
    // An account spanning D01 and D02 is outside D01's power, and so is its creation event.
    let mixed = app
        .gql(
            Some(&province_admin),
            CREATE_USER,
            json!({ "i": { "username": "mixed", "displayName": "Hai huyện", "password": "long enough pass",
                           "grants": [{ "role": "REPORTER", "scopeUnitId": d01 }, { "role": "VIEWER", "scopeUnitId": d02 }] } }),
        )
        .await;
    assert_eq!(error_code(&mixed), None, "{mixed}");
    let audit = app
        .data(
            &d01_admin,
            "{ auditEvents(first: 100) { edges { node { action after } } } }",
            json!({}),
        )
        .await;
    let text = audit.to_string();
    assert!(
        !text.contains("mixed") && !text.contains("provdeputy"),
        "{text}"
    );
    assert!(!text.contains("user.create"), "{text}");
}

async fn hidden_units_answer_as_unknown_units(app: &TestApp) {
    let steering = app.user_with("d01steering", Role::Steering, "ST.D01").await;
    let hidden = gid(NodeType::Unit, app.unit_uuid("ST.D02").await);
    let unknown = gid(NodeType::Unit, Uuid::now_v7());
    let plan = entity::plan::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    type Variables<'a> = Box<dyn Fn(&str) -> Value + 'a>;
    let cases: Vec<(&str, Variables)> = vec![
        (
            "query($u: ID!, $p: ID!) { planProgress(planId: $p, unitId: $u) { tasks { total } } }",
            Box::new(move |u: &str| json!({ "u": u, "p": gid(NodeType::Plan, plan.id) })),
        ),
        (
            "query($u: ID!) { indicatorSummary(codes: [\"C1.SESSIONS\"], unitId: $u, periodFrom: \"2024-01-01\", periodTo: \"2024-12-31\") { value } }",
            Box::new(|u: &str| json!({ "u": u })),
        ),
        (
            "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            Box::new(
                |u: &str| json!({ "i": { "title": "x", "issuingUnitId": u, "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } }),
            ),
        ),
        (
            "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
            Box::new(|u: &str| {
                json!({ "i": { "title": "x", "issuingUnitId": null,
                                             "standingUnitId": u, "periodStart": "2024-01-01", "periodEnd": "2024-12-31" } })
            }),
        ),
    ];
    let d01_bcd = gid(NodeType::Unit, app.unit_uuid("ST.D01.BCD").await);
    for (i, (query, vars)) in cases.iter().enumerate() {
        let fix = |mut v: Value| {
            // The standing-unit case issues from the caller's own committee.
            if i == 3 {
                v["i"]["issuingUnitId"] = json!(d01_bcd);
            }
            v
        };
        let a = app.gql(Some(&steering), query, fix(vars(&hidden))).await;
        let b = app.gql(Some(&steering), query, fix(vars(&unknown))).await;
        assert!(error_code(&a).is_some(), "{query}: {a}");
        assert_eq!(error_code(&a), error_code(&b), "{query}: {a} against {b}");
        assert_eq!(
            a["errors"][0]["message"], b["errors"][0]["message"],
            "{query}: {a} against {b}"
        );
        assert_eq!(
            a["errors"][0]["extensions"]["field"], b["errors"][0]["extensions"]["field"],
            "{query}"
        );
    }
}

async fn concurrent_reorganisations_of_one_unit_run_one_after_another(app: &TestApp) {
    use async_graphql::futures_util::future::join_all;
    let steering = app.login("steering").await;
    let today = app.clock.today().to_string();
    let moving = app.unit_uuid("ST.D11.BCD").await;
    let mut parents = Vec::new();
    for d in 2..=10 {
        parents.push(app.unit_uuid(&format!("ST.D{d:02}")).await);
    }
    // Warm one connection per racer so they leave together.
    join_all(
        parents
            .iter()
            .map(|_| app.gql(Some(&steering), "{ __typename }", json!({}))),
    )
    .await;
    let bodies = join_all(parents.iter().enumerate().map(|(i, parent)| {
        app.gql(
            Some(&steering),
            APPLY,
            json!({ "i": { "kind": "REPARENT", "effectiveOn": today, "title": format!("Chuyển {i}"),
                           "predecessorIds": [gid(NodeType::Unit, moving)],
                           "parentId": gid(NodeType::Unit, *parent) } }),
        )
    }))
    .await;
    for body in &bodies {
        assert_ne!(error_code(body), Some("INTERNAL"), "{body}");
    }
    let open_versions = entity::unit_version::Entity::find()
        .filter(entity::unit_version::Column::UnitId.eq(moving))
        .filter(entity::unit_version::Column::ValidTo.is_null())
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(open_versions.len(), 1, "{open_versions:#?}");
    // Today it lies under exactly one district.
    let districts_now = entity::unit_closure::Entity::find()
        .filter(entity::unit_closure::Column::DescendantId.eq(moving))
        .filter(entity::unit_closure::Column::AncestorId.is_in(parents.clone()))
        .filter(entity::unit_closure::Column::ValidTo.is_null())
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(districts_now.len(), 1, "{districts_now:#?}");
}
