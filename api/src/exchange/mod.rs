//! Tables in and out of qcdc: reading XLSX and CSV files people send (with the encodings
//! Vietnamese offices actually use) and writing XLSX and CSV files they open in Excel.
//! Pure: bytes in, bytes out; nothing here touches the database.

pub mod legacy;
pub mod sheet;
pub mod table;
