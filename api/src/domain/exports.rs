//! Exports of the standing office's tables (plan progress, reporting compliance, indicator
//! summary, oversight and exemplar summaries) as XLSX or CSV. Each table is built from the very
//! domain function its GraphQL query calls, so a file holds exactly the rows the query returns
//! in the caller's scope.

use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{Measure, unit};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{
    exemplars,
    files::GeneratedFile,
    oversight_summary,
    rollups::{self, SummaryWindow, Tree},
    scope,
};
use crate::{
    auth::Caller,
    error::AppResult,
    exchange::sheet::{self, Sheet, Value},
};

/// Which table to export, with the arguments of its query.
#[derive(Clone, Debug)]
pub enum ExportTable {
    PlanProgress {
        plan: Uuid,
        unit: Uuid,
        tree: Tree,
    },
    ReportingCompliance {
        schedule: Uuid,
        unit: Uuid,
        tree: Tree,
    },
    IndicatorSummary {
        codes: Vec<String>,
        window: SummaryWindow,
        unit: Uuid,
        tree: Tree,
    },
    OversightSummary {
        unit: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    },
    ExemplarSummary {
        unit: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    },
}

/// File format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv,
}

/// The table as a file.
pub async fn export(
    db: &impl ConnectionTrait,
    caller: &Caller,
    today: NaiveDate,
    table: ExportTable,
    format: ExportFormat,
) -> AppResult<GeneratedFile> {
    let sheet = build(db, caller, today, table).await?;
    let stem = format!("{}-{today}", sheet.name);
    Ok(match format {
        ExportFormat::Xlsx => GeneratedFile {
            filename: format!("{stem}.xlsx"),
            content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            bytes: sheet::xlsx(&sheet)?,
        },
        ExportFormat::Csv => GeneratedFile {
            filename: format!("{stem}.csv"),
            content_type: "text/csv; charset=utf-8",
            bytes: sheet::csv(&sheet)?,
        },
    })
}

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|h| (*h).to_owned()).collect()
}

fn count(n: impl TryInto<i64>) -> Value {
    n.try_into().map_or(Value::Empty, Value::Int)
}

/// The rows of `table`, from the query's own domain function.
pub async fn build(
    db: &impl ConnectionTrait,
    caller: &Caller,
    today: NaiveDate,
    table: ExportTable,
) -> AppResult<Sheet> {
    Ok(match table {
        ExportTable::PlanProgress { plan, unit, tree } => {
            let p = rollups::plan_progress(db, caller, plan, unit, today, tree).await?;
            let row = |label: Value, a: &rollups::AreaProgress| {
                vec![
                    label,
                    count(a.total),
                    count(a.not_started),
                    count(a.in_progress),
                    count(a.done),
                    count(a.cancelled),
                    count(a.overdue),
                ]
            };
            let mut rows: Vec<Vec<Value>> = p
                .by_area
                .iter()
                .map(|a| {
                    row(
                        a.content_area
                            .map_or(Value::Empty, |c| Value::Int(i64::from(c))),
                        a,
                    )
                })
                .collect();
            rows.push(row(Value::Text("TOTAL".into()), &p.total));
            Sheet {
                name: "plan-progress".into(),
                headers: headers(&[
                    "content_area",
                    "total",
                    "not_started",
                    "in_progress",
                    "done",
                    "cancelled",
                    "overdue",
                ]),
                rows,
                lists: Vec::new(),
            }
        }
        ExportTable::ReportingCompliance {
            schedule,
            unit,
            tree,
        } => {
            let c = rollups::compliance(db, caller, schedule, unit, today, tree).await?;
            let ids: Vec<Uuid> = c.obligations.iter().map(|o| o.unit_id).collect();
            let units = visible_units(db, caller, &ids).await?;
            let rows = c
                .obligations
                .iter()
                .map(|o| {
                    let u = units.get(&o.unit_id);
                    vec![
                        u.map_or(Value::Empty, |u| Value::Text(u.code.clone())),
                        u.map_or(Value::Empty, |u| Value::Text(u.name.clone())),
                        o.report
                            .as_ref()
                            .map_or(Value::Empty, |r| Value::Text(r.status.as_str().into())),
                        Value::Bool(o.submitted),
                        Value::Bool(o.approved),
                        Value::Bool(o.late),
                    ]
                })
                .collect();
            Sheet {
                name: "reporting-compliance".into(),
                headers: headers(&[
                    "unit_code",
                    "unit_name",
                    "report_status",
                    "submitted",
                    "approved",
                    "late",
                ]),
                rows,
                lists: Vec::new(),
            }
        }
        ExportTable::IndicatorSummary {
            codes,
            window,
            unit,
            tree,
        } => {
            let totals = rollups::indicator_summary(db, caller, &codes, window, unit, tree).await?;
            let rows = totals
                .iter()
                .map(|t| {
                    let value = match (t.indicator.measure, t.value) {
                        (_, None) => Value::Empty,
                        (Measure::Percent, Some(v)) => Value::Percent(v),
                        (Measure::Vnd, Some(v)) if v.fract() == 0.0 && v.abs() < 9e15 => {
                            Value::Vnd(v as i64)
                        }
                        (_, Some(v)) => Value::Number(v),
                    };
                    vec![
                        Value::Text(t.indicator.code.clone()),
                        Value::Text(t.indicator.name.clone()),
                        Value::Text(t.indicator.measure.as_str().into()),
                        value,
                        t.numerator.into(),
                        t.denominator.into(),
                        count(t.reports.len()),
                    ]
                })
                .collect();
            Sheet {
                name: "indicator-summary".into(),
                headers: headers(&[
                    "indicator_code",
                    "indicator_name",
                    "measure",
                    "value",
                    "numerator",
                    "denominator",
                    "reports",
                ]),
                rows,
                lists: Vec::new(),
            }
        }
        ExportTable::OversightSummary { unit, from, to } => {
            let s = oversight_summary::summary(db, caller, unit, from, to).await?;
            let (kinds, cadences, statuses) = oversight_summary::all_keys();
            let mut rows = vec![measure_row("oversights", "", count(s.oversights))];
            let of = |map: &std::collections::BTreeMap<&'static str, u64>, key: &str| {
                map.get(key).copied().unwrap_or(0)
            };
            rows.extend(
                kinds
                    .iter()
                    .map(|k| measure_row("by_kind", k, count(of(&s.by_kind, k)))),
            );
            rows.extend(
                cadences
                    .iter()
                    .map(|k| measure_row("by_cadence", k, count(of(&s.by_cadence, k)))),
            );
            rows.extend(
                statuses
                    .iter()
                    .map(|k| measure_row("by_status", k, count(of(&s.by_status, k)))),
            );
            rows.push(measure_row("units_overseen", "", count(s.units_overseen)));
            rows.extend(
                s.findings_by_kind
                    .iter()
                    .map(|(k, n)| measure_row("findings_by_kind", k, count(*n))),
            );
            rows.push(measure_row(
                "violation_amount_vnd",
                "",
                Value::Vnd(s.violation_amount_vnd),
            ));
            rows.push(measure_row(
                "violation_land_m2",
                "",
                Value::Number(s.violation_land_m2),
            ));
            rows.push(measure_row(
                "recommendations_issued",
                "",
                count(s.recommendations_issued),
            ));
            rows.push(measure_row(
                "recommendations_verified",
                "",
                count(s.recommendations_verified),
            ));
            rows.push(measure_row(
                "recommendations_waived",
                "",
                count(s.recommendations_waived),
            ));
            rows.push(measure_row(
                "recommendations_overdue",
                "",
                count(s.recommendations_overdue),
            ));
            rows.push(measure_row(
                "remediation_rate",
                "",
                s.remediation_rate.map_or(Value::Empty, Value::Percent),
            ));
            Sheet {
                name: "oversight-summary".into(),
                headers: headers(&["measure", "key", "value"]),
                rows,
                lists: Vec::new(),
            }
        }
        ExportTable::ExemplarSummary { unit, from, to } => {
            let s = exemplars::summary(db, caller, unit, from, to).await?;
            let tally = |group: &str, key: &str, t: exemplars::Tally| {
                vec![
                    Value::Text(group.into()),
                    Value::Text(key.into()),
                    count(t.entries),
                    count(t.recognised),
                ]
            };
            let mut rows = vec![tally("total", "", s.total)];
            rows.push(vec![
                Value::Text("replicated".into()),
                Value::Text(String::new()),
                count(s.replicated),
                Value::Empty,
            ]);
            rows.extend(s.by_kind.iter().map(|(k, (_, t))| tally("by_kind", k, *t)));
            rows.extend(
                s.by_field
                    .iter()
                    .map(|(k, (_, t))| tally("by_field", k, *t)),
            );
            rows.extend(s.by_status.iter().map(|(k, (_, n))| {
                vec![
                    Value::Text("by_status".into()),
                    Value::Text((*k).into()),
                    count(*n),
                    Value::Empty,
                ]
            }));
            rows.extend(s.by_level.iter().map(|(k, (_, n))| {
                vec![
                    Value::Text("recognitions_by_level".into()),
                    Value::Text((*k).into()),
                    count(*n),
                    Value::Empty,
                ]
            }));
            Sheet {
                name: "exemplar-summary".into(),
                headers: headers(&["group", "key", "entries", "recognised"]),
                rows,
                lists: Vec::new(),
            }
        }
    })
}

fn measure_row(measure: &str, key: &str, value: Value) -> Vec<Value> {
    vec![Value::Text(measure.into()), Value::Text(key.into()), value]
}

/// Units of `ids` the caller may see, by id.
async fn visible_units(
    db: &impl ConnectionTrait,
    caller: &Caller,
    ids: &[Uuid],
) -> AppResult<HashMap<Uuid, unit::Model>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        for u in unit::Entity::find()
            .filter(unit::Column::Id.is_in(chunk.iter().copied()))
            .filter(scope::visible_units(&caller.read_scopes()))
            .all(db)
            .await?
        {
            found.insert(u.id, u);
        }
    }
    Ok(found)
}

/// An import template: the kind's columns, frozen headers, and drop-downs of the codes in the
/// caller's scope (units it may write for, indicators, the plan's report periods and tasks).
pub async fn template(
    db: &impl ConnectionTrait,
    caller: &Caller,
    kind: entity::ImportKind,
    plan: Option<Uuid>,
) -> AppResult<GeneratedFile> {
    use entity::{ImportKind, indicator, report_schedule};
    let columns = super::imports::columns(kind);
    let position = |name: &str| {
        columns
            .iter()
            .position(|(c, _)| *c == name)
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(0)
    };
    let mut codes: Vec<String> = unit::Entity::find()
        .filter(scope::visible_units(&caller.read_scopes()))
        .filter(unit::Column::ValidTo.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.code)
        .collect();
    codes.sort();
    let mut lists = Vec::new();
    match kind {
        ImportKind::Units => {
            use sea_orm::Iterable;
            lists.push((position("parent_code"), codes));
            lists.push((
                position("kind"),
                entity::UnitKind::iter()
                    .map(|k| k.as_str().to_owned())
                    .collect(),
            ));
        }
        ImportKind::IndicatorValues => {
            lists.push((position("unit_code"), codes));
            let mut indicators: Vec<String> = indicator::Entity::find()
                .filter(indicator::Column::Aggregation.ne(entity::Aggregation::Ratio))
                .all(db)
                .await?
                .into_iter()
                .map(|i| i.code)
                .collect();
            indicators.sort();
            lists.push((position("indicator_code"), indicators));
            if let Some(plan) = plan {
                super::planning::visible_plan(db, caller, plan).await?;
                let mut ends: Vec<String> = report_schedule::Entity::find()
                    .filter(report_schedule::Column::PlanId.eq(plan))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|s| s.period_end.to_string())
                    .collect();
                ends.sort();
                ends.dedup();
                lists.push((position("period_end"), ends));
            }
        }
        ImportKind::Tasks => {
            lists.push((
                position("content_area"),
                (1..=7).map(|a| a.to_string()).collect(),
            ));
            if let Some(plan) = plan {
                lists.push((position("parent_code"), task_codes(db, caller, plan).await?));
            }
        }
        ImportKind::Assignments => {
            lists.push((position("unit_code"), codes));
            lists.push((
                position("role"),
                vec![
                    entity::AssignmentRole::Lead.as_str().to_owned(),
                    entity::AssignmentRole::Coordinate.as_str().to_owned(),
                ],
            ));
            if let Some(plan) = plan {
                lists.push((position("task_code"), task_codes(db, caller, plan).await?));
            }
        }
    }
    let name = match kind {
        ImportKind::Units => "units",
        ImportKind::IndicatorValues => "indicator-values",
        ImportKind::Tasks => "tasks",
        ImportKind::Assignments => "assignments",
    };
    let sheet = Sheet {
        name: name.into(),
        headers: columns.iter().map(|(c, _)| (*c).to_owned()).collect(),
        rows: Vec::new(),
        lists,
    };
    Ok(GeneratedFile {
        filename: format!("import-{name}.xlsx"),
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes: sheet::xlsx(&sheet)?,
    })
}

/// The codes of a plan's tasks in tree order, for a template's drop-down.
async fn task_codes(
    db: &impl ConnectionTrait,
    caller: &Caller,
    plan: Uuid,
) -> AppResult<Vec<String>> {
    super::planning::visible_plan(db, caller, plan).await?;
    Ok(super::planning::tasks_of(db, plan)
        .await?
        .into_iter()
        .map(|t| t.code)
        .collect())
}
