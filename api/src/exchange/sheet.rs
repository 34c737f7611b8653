//! Writing a table as XLSX (rust_xlsxwriter) or as CSV in UTF-8 with a BOM, which is how Excel
//! recognises UTF-8 and shows Vietnamese correctly. Numbers are typed cells, amounts in đồng
//! carry a number format, rates are written as values (a formula without a cached result
//! reads back as 0 in several viewers), the header row is bold and frozen.

use chrono::Datelike;
use rust_xlsxwriter::{
    DataValidation, ExcelDateTime, Format, FormatAlign, Formula, Workbook, XlsxError,
};

use crate::error::{AppError, AppResult};

/// One value of a table.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Int(i64),
    Number(f64),
    /// An amount in đồng.
    Vnd(i64),
    /// A rate in percent (0–100), as its value.
    Percent(f64),
    Date(chrono::NaiveDate),
    Bool(bool),
}

impl From<Option<f64>> for Value {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Self::Empty, Self::Number)
    }
}

/// A sheet to write.
#[derive(Clone, Debug, Default)]
pub struct Sheet {
    /// Sheet name (at most 31 characters; Excel's rule).
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Value>>,
    /// Drop-down lists: column index and the values it offers (templates).
    pub lists: Vec<(u16, Vec<String>)>,
}

/// Number format of amounts in đồng: thousands grouped, no decimals.
pub const VND_FORMAT: &str = "#,##0 \"₫\"";
/// Rows a template's drop-downs cover.
const TEMPLATE_ROWS: u32 = 10_000;

fn failed(err: XlsxError) -> AppError {
    AppError::internal(anyhow::anyhow!("writing XLSX: {err}"))
}

/// `sheet` as an XLSX workbook.
pub fn xlsx(sheet: &Sheet) -> AppResult<Vec<u8>> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold().set_align(FormatAlign::Center);
    let vnd = Format::new().set_num_format(VND_FORMAT);
    let percent = Format::new().set_num_format("0.00");
    let date = Format::new().set_num_format("yyyy-mm-dd");
    {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name.chars().take(31).collect::<String>())
            .map_err(failed)?;
        for (c, h) in sheet.headers.iter().enumerate() {
            let col = u16::try_from(c).map_err(AppError::internal)?;
            ws.write_string_with_format(0, col, h, &bold)
                .map_err(failed)?;
            ws.set_column_width(col, (h.chars().count() as f64 + 4.0).max(12.0))
                .map_err(failed)?;
        }
        ws.set_freeze_panes(1, 0).map_err(failed)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r + 1).map_err(AppError::internal)?;
            for (c, value) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(AppError::internal)?;
                match value {
                    Value::Empty => {}
                    Value::Text(t) => {
                        ws.write_string(r, c, t).map_err(failed)?;
                    }
                    Value::Int(i) => {
                        ws.write_number(r, c, *i as f64).map_err(failed)?;
                    }
                    Value::Number(n) => {
                        ws.write_number(r, c, *n).map_err(failed)?;
                    }
                    Value::Vnd(n) => {
                        ws.write_number_with_format(r, c, *n as f64, &vnd)
                            .map_err(failed)?;
                    }
                    Value::Percent(p) => {
                        ws.write_number_with_format(r, c, *p, &percent)
                            .map_err(failed)?;
                    }
                    Value::Date(d) => {
                        let (y, m, day) = (
                            u16::try_from(d.year()).map_err(AppError::internal)?,
                            d.month() as u8,
                            d.day() as u8,
                        );
                        let at = ExcelDateTime::from_ymd(y, m, day).map_err(failed)?;
                        ws.write_datetime_with_format(r, c, &at, &date)
                            .map_err(failed)?;
                    }
                    Value::Bool(b) => {
                        ws.write_boolean(r, c, *b).map_err(failed)?;
                    }
                }
            }
        }
    }
    if !sheet.lists.is_empty() {
        // The lists live on a hidden sheet: a list typed into the validation itself is limited
        // to 255 characters, which a province's unit codes exceed.
        let lists = book.add_worksheet();
        lists.set_name("Lists").map_err(failed)?;
        for (i, (_, values)) in sheet.lists.iter().enumerate() {
            let col = u16::try_from(i).map_err(AppError::internal)?;
            for (r, v) in values.iter().enumerate() {
                let r = u32::try_from(r).map_err(AppError::internal)?;
                lists.write_string(r, col, v).map_err(failed)?;
            }
        }
        lists.set_hidden(true);
        let ws = book.worksheet_from_index(0).map_err(failed)?;
        for (i, (column, values)) in sheet.lists.iter().enumerate() {
            if values.is_empty() {
                continue;
            }
            let letter = column_letter(i);
            let formula = Formula::new(format!("=Lists!${letter}$1:${letter}${}", values.len()));
            let rule = DataValidation::new()
                .allow_list_formula(formula)
                .ignore_blank(true);
            ws.add_data_validation(1, *column, TEMPLATE_ROWS, *column, &rule)
                .map_err(failed)?;
        }
    }
    book.save_to_buffer().map_err(failed)
}

/// Excel's name of the `index`th column (0 → A, 26 → AA).
fn column_letter(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.reverse();
    String::from_utf8_lossy(&name).into_owned()
}

/// Text a spreadsheet will not run: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return is a formula to Excel and LibreOffice when a CSV is opened (OWASP "CSV injection"), so
/// such text, which anyone may have typed into a name, gets a leading apostrophe. XLSX cells are
/// typed as strings and need nothing.
fn inert(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// `sheet` as CSV in UTF-8 with a BOM, numbers as plain values, text made inert ([`inert`]).
pub fn csv(sheet: &Sheet) -> AppResult<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(&sheet.headers).map_err(AppError::internal)?;
        for row in &sheet.rows {
            w.write_record(row.iter().map(|v| match v {
                Value::Empty => String::new(),
                Value::Text(t) => inert(t),
                Value::Int(i) | Value::Vnd(i) => i.to_string(),
                Value::Number(n) | Value::Percent(n) => n.to_string(),
                Value::Date(d) => d.to_string(),
                Value::Bool(b) => b.to_string(),
            }))
            .map_err(AppError::internal)?;
        }
        w.flush().map_err(AppError::internal)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader};

    #[test]
    fn typed_formulas_do_not_run_when_a_csv_is_opened() {
        let sheet = Sheet {
            name: "x".into(),
            headers: vec!["Tên".into(), "Số".into()],
            rows: vec![
                vec![
                    Value::Text("=HYPERLINK(\"http://x\")".into()),
                    Value::Int(-5),
                ],
                vec![Value::Text("Xã An Hiệp".into()), Value::Int(3)],
            ],
            lists: vec![],
        };
        let text = String::from_utf8(csv(&sheet).unwrap()).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        assert!(text.contains(",-5"), "numbers stay numbers: {text}");
        assert!(text.contains("Xã An Hiệp,3"), "{text}");
    }

    fn sample() -> Sheet {
        Sheet {
            name: "Tổng hợp chỉ tiêu".into(),
            headers: vec![
                "Mã".into(),
                "Tên".into(),
                "Giá trị".into(),
                "Số tiền".into(),
            ],
            rows: vec![
                vec![
                    Value::Text("C4.PETITION_RATE".into()),
                    Value::Text("Tỷ lệ giải quyết kiến nghị".into()),
                    Value::Percent(200.0 / 3.0),
                    Value::Empty,
                ],
                vec![
                    Value::Text("X.CONTRIB_VND".into()),
                    Value::Text("Đóng góp".into()),
                    Value::Int(12),
                    Value::Vnd(1_500_000),
                ],
            ],
            lists: Vec::new(),
        }
    }

    #[test]
    fn xlsx_numbers_read_back_exactly_and_rates_are_values() {
        let bytes = xlsx(&sample()).unwrap();
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range_at(0).unwrap().unwrap();
        assert_eq!(range.get((0, 0)), Some(&Data::String("Mã".into())));
        assert_eq!(range.get((1, 2)), Some(&Data::Float(200.0 / 3.0)));
        assert_eq!(range.get((2, 3)), Some(&Data::Float(1_500_000.0)));
        // No formulas anywhere.
        let formulas = book.worksheet_formula("Tổng hợp chỉ tiêu").unwrap();
        assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()));
    }

    #[test]
    fn csv_starts_with_a_bom_and_keeps_vietnamese() {
        let bytes = csv(&sample()).unwrap();
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        assert!(text.starts_with("Mã,Tên,Giá trị,Số tiền\n"));
        assert!(text.contains("X.CONTRIB_VND,Đóng góp,12,1500000"));
    }

    #[test]
    fn templates_carry_lists_on_a_hidden_sheet() {
        let mut sheet = sample();
        sheet.rows.clear();
        sheet.lists = vec![(0, vec!["ST.D01".into(), "ST.D02".into()])];
        let bytes = xlsx(&sheet).unwrap();
        let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
        assert_eq!(book.sheet_names(), ["Tổng hợp chỉ tiêu", "Lists"]);
        let lists = book.worksheet_range("Lists").unwrap();
        assert_eq!(lists.get((1, 0)), Some(&Data::String("ST.D02".into())));
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
    }
}
