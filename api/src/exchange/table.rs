//! Reading a table from an uploaded file: the first sheet of an XLSX workbook, or a CSV file
//! in UTF-8 (with or without BOM) or else Windows-1258. Every text cell is NFC-normalised;
//! text typed in the legacy TCVN3 or VNI code pages is refused ([`super::legacy`]).

use std::io::Cursor;

use calamine::{DataRef, Reader};
use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use super::legacy::{Detector, Finding};

/// Most data rows one file may hold.
pub const MAX_ROWS: usize = 10_000;

/// One cell as read.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Bool(bool),
}

impl Cell {
    /// The cell as text (numbers as written, without a trailing `.0` for whole numbers).
    pub fn text(&self) -> Option<String> {
        match self {
            Self::Empty => None,
            Self::Text(t) => Some(t.clone()),
            Self::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Some(format!("{}", *n as i64)),
            Self::Number(n) => Some(n.to_string()),
            Self::Date(d) => Some(d.to_string()),
            Self::Bool(b) => Some(b.to_string()),
        }
    }
}

/// A data row and its number as a spreadsheet shows it (the header is row 1).
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub number: usize,
    pub cells: Vec<Cell>,
}

/// A table: its header names (normalised by [`header_key`]) and its non-empty data rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Row>,
}

impl Table {
    /// The position of the column named `name` (compared by [`header_key`]).
    pub fn column(&self, name: &str) -> Option<usize> {
        let key = header_key(name);
        self.headers.iter().position(|h| *h == key)
    }
}

/// Why a file cannot be read as a table.
#[derive(Clone, Debug, PartialEq)]
pub enum ReadError {
    /// Neither a readable workbook nor CSV.
    Unreadable(String),
    /// No header row.
    Empty,
    /// More than [`MAX_ROWS`] data rows.
    TooManyRows,
    /// Text typed in a legacy code page, first seen at (row, column).
    Legacy {
        finding: Finding,
        row: usize,
        column: String,
    },
}

/// A header as compared: trimmed, lower-case, spaces and dashes as `_`.
pub fn header_key(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Reads `bytes` as an XLSX workbook (by its ZIP signature) or else as CSV.
pub fn read(bytes: &[u8]) -> Result<Table, ReadError> {
    let grid = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
    };
    into_table(grid)
}

/// Most bytes the parts of a workbook may unpack to: a few MiB of XML hold 10,000 rows, and a
/// small file that unpacks to gigabytes (a "zip bomb") is refused before any part is read.
const MAX_UNPACKED_BYTES: u64 = 64 * 1024 * 1024;
/// Most columns read; an import has about ten.
const MAX_COLUMNS: u32 = 64;

/// Refuses a workbook whose parts would unpack to more than [`MAX_UNPACKED_BYTES`].
fn check_container(bytes: &[u8]) -> Result<(), ReadError> {
    let unreadable = || ReadError::Unreadable("the file is not a readable XLSX workbook".into());
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| unreadable())?;
        total = total.saturating_add(part.size());
        if total > MAX_UNPACKED_BYTES {
            return Err(ReadError::Unreadable(format!(
                "the workbook unpacks to more than {} MiB: save only the sheet to import",
                MAX_UNPACKED_BYTES / (1024 * 1024)
            )));
        }
    }
    Ok(())
}

/// The first sheet, cell by cell: a sheet is never laid out as a grid from A1 to its last
/// cell (one cell in XFD1048576 would make that 17 billion cells); rows past [`MAX_ROWS`] and
/// columns past [`MAX_COLUMNS`] are refused as they are met.
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, ReadError> {
    check_container(bytes)?;
    let unreadable = |what: &str| ReadError::Unreadable(what.into());
    let mut book = calamine::Xlsx::new(Cursor::new(bytes))
        .map_err(|_| unreadable("the file is not a readable XLSX workbook"))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or(ReadError::Empty)?;
    let mut reader = book
        .worksheet_cells_reader(&first)
        .map_err(|_| unreadable("the first sheet cannot be read"))?;
    let mut grid: Vec<Vec<Cell>> = Vec::new();
    while let Some(found) = reader
        .next_cell()
        .map_err(|_| unreadable("the first sheet cannot be read"))?
    {
        let (row, col) = found.get_position();
        if row as usize > MAX_ROWS {
            return Err(ReadError::TooManyRows);
        }
        if col >= MAX_COLUMNS {
            return Err(ReadError::Unreadable(format!(
                "the sheet uses more than {MAX_COLUMNS} columns: keep only the template's"
            )));
        }
        let value = match found.get_value() {
            DataRef::Empty | DataRef::Error(_) => continue,
            DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => text_cell(s),
            DataRef::SharedString(s) => text_cell(s),
            DataRef::Int(i) => Cell::Number(*i as f64),
            DataRef::Float(f) => Cell::Number(*f),
            DataRef::Bool(b) => Cell::Bool(*b),
            DataRef::DateTime(dt) => dt
                .as_datetime()
                .map_or(Cell::Empty, |t| Cell::Date(t.date())),
        };
        let (row, col) = (row as usize, col as usize);
        if grid.len() <= row {
            grid.resize_with(row + 1, Vec::new);
        }
        let cells = &mut grid[row];
        if cells.len() <= col {
            cells.resize_with(col + 1, || Cell::Empty);
        }
        cells[col] = value;
    }
    if grid.is_empty() {
        return Err(ReadError::Empty);
    }
    Ok(grid)
}

fn text_cell(s: &str) -> Cell {
    let nfc: String = s.nfc().collect();
    let trimmed = nfc.trim();
    if trimmed.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(trimmed.to_owned())
    }
}

/// The text of a CSV file: UTF-8 (a BOM is dropped), or else Windows-1258, which Excel on a
/// Vietnamese Windows writes and which stores most tones as separate combining marks.
pub fn decode_csv(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1258.decode(bytes);
            text.into_owned()
        }
    }
}

fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<Cell>>, ReadError> {
    let text = decode_csv(bytes);
    let first_line = text.lines().next().unwrap_or_default();
    // Excel writes `;` where the list separator is a comma-decimal locale's.
    let delimiter = if first_line.contains(';') && !first_line.contains(',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut grid = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|_| ReadError::Unreadable("the file is not valid CSV".into()))?;
        if grid.len() > MAX_ROWS + 1 {
            return Err(ReadError::TooManyRows);
        }
        grid.push(record.iter().map(text_cell).collect());
    }
    Ok(grid)
}

fn into_table(grid: Vec<Vec<Cell>>) -> Result<Table, ReadError> {
    let mut lines = grid.into_iter().enumerate();
    let (header_row, header) = lines
        .by_ref()
        .find(|(_, cells)| cells.iter().any(|c| *c != Cell::Empty))
        .ok_or(ReadError::Empty)?;
    let headers: Vec<String> = header
        .iter()
        .map(|c| header_key(&c.text().unwrap_or_default()))
        .collect();
    let mut detector = Detector::default();
    for (i, h) in header.iter().enumerate() {
        if let Cell::Text(t) = h {
            detector.scan(t, header_row + 1, i);
        }
    }
    let mut rows = Vec::new();
    for (index, cells) in lines {
        if cells.iter().all(|c| *c == Cell::Empty) {
            continue;
        }
        for (i, cell) in cells.iter().enumerate() {
            if let Cell::Text(t) = cell {
                detector.scan(t, index + 1, i);
            }
        }
        rows.push(Row {
            number: index + 1,
            cells,
        });
    }
    if rows.len() > MAX_ROWS {
        return Err(ReadError::TooManyRows);
    }
    if detector.verdict().is_some()
        && let Some((finding, row, column)) = detector.first.clone()
    {
        let encoding = detector.verdict().unwrap_or(finding.encoding);
        return Err(ReadError::Legacy {
            finding: Finding {
                encoding,
                ..finding
            },
            row,
            column: headers.get(column).cloned().unwrap_or_default(),
        });
    }
    Ok(Table { headers, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::legacy::Legacy;

    fn sparse_workbook(row: u32, col: u16) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "code").unwrap();
        sheet.write_string(row, col, "x").unwrap();
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn a_far_cell_is_refused_without_laying_out_the_grid() {
        // One cell in the last row and column: laid out as a grid it is 17 billion cells.
        let far = sparse_workbook(1_048_575, 16_383);
        assert_eq!(read(&far), Err(ReadError::TooManyRows));
        let wide = sparse_workbook(3, 500);
        assert!(matches!(read(&wide), Err(ReadError::Unreadable(_))));
        let fine = sparse_workbook(3, 2);
        let table = read(&fine).unwrap();
        assert_eq!(
            table.rows.len(),
            1,
            "the one data row, after the empty ones"
        );
    }

    #[test]
    fn utf8_with_and_without_bom_reads_the_same() {
        let plain = "code,name\nST.D01.P1,Phường 1\n";
        let with_bom = [b"\xEF\xBB\xBF".as_slice(), plain.as_bytes()].concat();
        let a = read(plain.as_bytes()).unwrap();
        let b = read(&with_bom).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.headers, ["code", "name"]);
        assert_eq!(a.rows[0].number, 2);
        assert_eq!(a.rows[0].cells[1], Cell::Text("Phường 1".into()));
    }

    #[test]
    fn windows_1258_with_combining_marks_reads_as_nfc() {
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1258
            .encode("code,name\nX,Phươ\u{300}ng Vi\u{303}nh Phươ\u{301}c\n");
        assert!(!unmappable);
        // Windows-1258 has no precomposed "ờ", "ĩ" or "ớ": they are stored decomposed.
        assert!(std::str::from_utf8(&bytes).is_err());
        let t = read(&bytes).unwrap();
        let Cell::Text(name) = &t.rows[0].cells[1] else {
            panic!("text expected");
        };
        assert_eq!(
            name.as_bytes(),
            "Phường Vĩnh Phước".nfc().collect::<String>().as_bytes()
        );
    }

    #[test]
    fn tcvn3_bytes_are_refused_with_where_they_are() {
        // "Phường 1", "Việt" typed in .VnTime and saved as CSV: raw TCVN3 bytes.
        let bytes = b"code,name\nX,Ph\xAD\xEAng 1\nY,Vi\xD6t Nam\n";
        match read(bytes) {
            Err(ReadError::Legacy {
                finding,
                row,
                column,
            }) => {
                assert_eq!(finding.encoding, Legacy::Tcvn3);
                assert_eq!((row, column.as_str()), (2, "name"));
            }
            other => panic!("expected a legacy refusal, got {other:?}"),
        }
    }

    #[test]
    fn semicolons_separate_when_the_header_has_no_comma() {
        let t = read("unit_code;value\nA;3\n".as_bytes()).unwrap();
        assert_eq!(t.column("Unit Code"), Some(0));
        assert_eq!(t.rows[0].cells[1].text().as_deref(), Some("3"));
    }

    #[test]
    fn empty_and_garbage_files_are_refused() {
        assert_eq!(read(b""), Err(ReadError::Empty));
        assert!(matches!(
            read(b"PK\x03\x04garbage"),
            Err(ReadError::Unreadable(_))
        ));
    }

    #[test]
    fn an_xlsx_written_here_reads_back() {
        use crate::exchange::sheet::{Sheet, Value};
        let sheet = Sheet {
            name: "Units".into(),
            headers: vec!["code".into(), "name".into(), "count".into()],
            rows: vec![vec![
                Value::Text("ST.D01".into()),
                Value::Text("Thành phố Sóc Trăng".into()),
                Value::Int(7),
            ]],
            lists: Vec::new(),
        };
        let t = read(&crate::exchange::sheet::xlsx(&sheet).unwrap()).unwrap();
        assert_eq!(t.headers, ["code", "name", "count"]);
        assert_eq!(t.rows[0].cells[2], Cell::Number(7.0));
        assert_eq!(t.rows[0].cells[1], Cell::Text("Thành phố Sóc Trăng".into()));
    }

    #[test]
    fn tcvn3_text_in_an_xlsx_cell_is_refused() {
        use crate::exchange::sheet::{Sheet, Value};
        let sheet = Sheet {
            name: "Units".into(),
            headers: vec!["code".into(), "name".into()],
            rows: vec![vec![
                Value::Text("X".into()),
                Value::Text("Céng hßa x· héi chñ nghÜa ViÖt Nam".into()),
            ]],
            lists: Vec::new(),
        };
        let bytes = crate::exchange::sheet::xlsx(&sheet).unwrap();
        assert!(matches!(read(&bytes), Err(ReadError::Legacy { .. })));
    }
}
