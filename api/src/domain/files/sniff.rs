//! What a file really is, from its bytes: the magic numbers of PDF, JPEG and PNG, the parts
//! inside the ZIP container of DOCX and XLSX (via `infer`), and CSV as text with no binary
//! bytes. Each upload purpose allows its own types, and the type a client declared must be the
//! one found.

use entity::UploadPurpose;

/// A file type qcdc stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
    Docx,
    Xlsx,
    Csv,
}

impl FileType {
    /// The media type it is served as.
    pub fn mime(self) -> &'static str {
        match self {
            Self::Pdf => "application/pdf",
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::Csv => "text/csv",
        }
    }

    /// Whether a client declaring `declared` means this type. Browsers on Windows declare a
    /// `.csv` as Excel's old type, and some say `image/jpg`.
    fn declared_as(self, declared: &str) -> bool {
        let declared = declared
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        declared == self.mime()
            || match self {
                Self::Jpeg => declared == "image/jpg" || declared == "image/pjpeg",
                Self::Csv => matches!(
                    declared.as_str(),
                    "application/csv" | "application/vnd.ms-excel" | "text/plain"
                ),
                _ => false,
            }
    }
}

/// The types `purpose` allows.
pub fn allowed(purpose: UploadPurpose) -> &'static [FileType] {
    match purpose {
        UploadPurpose::Evidence => &[
            FileType::Pdf,
            FileType::Jpeg,
            FileType::Png,
            FileType::Docx,
            FileType::Xlsx,
        ],
        UploadPurpose::Import => &[FileType::Xlsx, FileType::Csv],
    }
}

/// The type a client declares, if `purpose` allows it.
pub fn declared(purpose: UploadPurpose, content_type: &str) -> Option<FileType> {
    allowed(purpose)
        .iter()
        .copied()
        .find(|t| t.declared_as(content_type))
}

/// The type found in `bytes`, if it is one qcdc stores.
pub fn detect(bytes: &[u8]) -> Option<FileType> {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("application/pdf") => Some(FileType::Pdf),
        Some("image/jpeg") => Some(FileType::Jpeg),
        Some("image/png") => Some(FileType::Png),
        Some(mime) if mime == FileType::Docx.mime() => Some(FileType::Docx),
        Some(mime) if mime == FileType::Xlsx.mime() => Some(FileType::Xlsx),
        Some(_) => None,
        None if looks_like_text(bytes) => Some(FileType::Csv),
        None => None,
    }
}

/// Text has no NUL and few control bytes besides tab and line ends (any 8-bit encoding).
fn looks_like_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    !head.is_empty()
        && head
            .iter()
            .all(|&b| b >= 0x20 || matches!(b, b'\t' | b'\n' | b'\r' | 0x0c))
}

/// Whether a PDF is encrypted (its trailer names an `/Encrypt` dictionary): such a file cannot
/// be read or scanned, and may hide its content from both.
pub fn is_encrypted_pdf(bytes: &[u8]) -> bool {
    bytes.windows(b"/Encrypt".len()).any(|w| w == b"/Encrypt")
}

impl FileType {
    /// File name endings of the type, first the usual one.
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Self::Pdf => &["pdf"],
            Self::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            Self::Png => &["png"],
            Self::Docx => &["docx"],
            Self::Xlsx => &["xlsx"],
            Self::Csv => &["csv", "txt"],
        }
    }
}

/// Refuses a name whose ending is not the type found: a browser saves a download under its
/// name, so a PDF named `.html` would open as a page with its script.
pub fn check_name(found: FileType, filename: &str) -> Result<(), String> {
    let ending = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if found.extensions().contains(&ending.as_str()) {
        Ok(())
    } else {
        Err(format!(
            "the file's contents are {} but its name ends in \".{ending}\": name it .{}",
            found.mime(),
            found.extensions()[0]
        ))
    }
}

/// Whether an Office file carries macros (a `vbaProject.bin` part, as `.xlsm` and `.docm`
/// files do under their `x` names) or other embedded programs (`activeX`).
pub fn has_macros(bytes: &[u8]) -> bool {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return false;
    };
    (0..zip.len()).any(|i| {
        zip.by_index_raw(i).is_ok_and(|part| {
            let name = part.name().to_ascii_lowercase();
            name.ends_with("vbaproject.bin") || name.contains("/activex/")
        })
    })
}

/// Why `bytes` cannot be stored for `purpose` as `declared_type`, or the type they are.
pub fn check(
    purpose: UploadPurpose,
    declared_type: &str,
    bytes: &[u8],
) -> Result<FileType, String> {
    let Some(found) = detect(bytes) else {
        return Err(
            "the file is not one of the types qcdc stores (PDF, JPEG, PNG, DOCX, XLSX, CSV)".into(),
        );
    };
    if !allowed(purpose).contains(&found) {
        return Err(format!(
            "a {} file is not accepted for this purpose",
            found.mime()
        ));
    }
    if !found.declared_as(declared_type) {
        return Err(format!(
            "the file was declared as {declared_type} but its contents are {}",
            found.mime()
        ));
    }
    if found == FileType::Pdf && is_encrypted_pdf(bytes) {
        return Err(
            "the PDF is encrypted or password-protected: upload an unprotected copy".into(),
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PDF: &[u8] =
        b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    const ELF: &[u8] = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00";
    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00";

    #[test]
    fn a_pdf_is_a_pdf_and_an_executable_named_pdf_is_not() {
        assert_eq!(
            check(UploadPurpose::Evidence, "application/pdf", PDF),
            Ok(FileType::Pdf)
        );
        assert!(check(UploadPurpose::Evidence, "application/pdf", ELF).is_err());
    }

    #[test]
    fn the_declared_type_must_be_the_one_found() {
        assert!(check(UploadPurpose::Evidence, "image/jpeg", PNG).is_err());
        assert_eq!(
            check(UploadPurpose::Evidence, "image/png", PNG),
            Ok(FileType::Png)
        );
    }

    #[test]
    fn each_purpose_allows_its_own_types() {
        assert!(check(UploadPurpose::Import, "application/pdf", PDF).is_err());
        let csv = "Mã đơn vị,Tên\nX01,Xã Một\n".as_bytes();
        assert_eq!(
            check(UploadPurpose::Import, "text/csv", csv),
            Ok(FileType::Csv)
        );
        assert_eq!(
            check(UploadPurpose::Import, "application/vnd.ms-excel", csv),
            Ok(FileType::Csv)
        );
        assert!(check(UploadPurpose::Evidence, "text/csv", csv).is_err());
    }

    #[test]
    fn the_name_must_end_as_the_contents_are() {
        assert!(check_name(FileType::Pdf, "Biên bản.PDF").is_ok());
        assert!(check_name(FileType::Pdf, "Biên bản.html").is_err());
        assert!(check_name(FileType::Jpeg, "anh.jpeg").is_ok());
        assert!(check_name(FileType::Xlsx, "so-lieu.xlsm").is_err());
        assert!(check_name(FileType::Pdf, "no-ending").is_err());
    }

    #[test]
    fn office_files_with_macros_are_refused() {
        use std::io::Write;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        for (name, body) in [
            ("[Content_Types].xml", "<Types/>"),
            ("xl/workbook.xml", "<workbook/>"),
            ("xl/vbaProject.bin", "macro"),
        ] {
            zip.start_file(name, options).unwrap();
            zip.write_all(body.as_bytes()).unwrap();
        }
        let bytes = zip.finish().unwrap().into_inner();
        assert!(has_macros(&bytes));
        assert!(!has_macros(PDF));
    }

    #[test]
    fn encrypted_pdfs_are_refused() {
        let encrypted = b"%PDF-1.6\ntrailer << /Root 1 0 R /Encrypt 5 0 R >>\n%%EOF";
        assert!(check(UploadPurpose::Evidence, "application/pdf", encrypted).is_err());
    }

    #[test]
    fn binary_bytes_are_not_csv() {
        assert_eq!(detect(b"a,b\n\x00\x01"), None);
        assert_eq!(detect(b""), None);
    }
}
