//! Writes an [`OfficialDocument`] as DOCX (Office Open XML) with docx-rs: the editable file
//! the records clerk numbers and signs. The typeface is named as the profile says (Times New
//! Roman for state documents, Decree 30/2020/NĐ-CP); nothing is embedded.

use docx_rs::{
    AlignmentType, BreakType, Docx, Footer, Header, LineSpacing, PageMargin, PageNum, Paragraph,
    ParagraphBorder, ParagraphBorderPosition, ParagraphBorders, Run, RunFonts, SpecialIndentType,
    Table, TableCell, TableRow, WidthType,
};

use super::document::{OfficialDocument, capitals, recipient_lines};
use crate::{
    domain::official_format::{ProfileData, TextStyle, motto, profile_data},
    error::{AppError, AppResult},
};

/// The MIME type of a DOCX file.
pub const CONTENT_TYPE: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// Millimetres in twentieths of a point (twips), as DOCX measures pages.
pub fn twips(mm: u32) -> u32 {
    // 1 inch = 25.4 mm = 1440 twips; rounded to the nearest twip.
    (mm * 14_400 + 127) / 254
}

/// One run of `text` in `style`, in the profile's typeface.
fn run(data: &ProfileData, style: TextStyle, text: &str) -> Run {
    let font = data.font.value;
    let text = if style.caps {
        capitals(text)
    } else {
        text.to_owned()
    };
    let mut r = Run::new()
        .add_text(text)
        .fonts(
            RunFonts::new()
                .ascii(font)
                .hi_ansi(font)
                .cs(font)
                .east_asia(font),
        )
        .size(style.half_points);
    if style.bold {
        r = r.bold();
    }
    if style.italic {
        r = r.italic();
    }
    if style.underline {
        r = r.underline("single");
    }
    r
}

/// A paragraph of one run, aligned, with no space before or after.
fn line(data: &ProfileData, style: TextStyle, text: &str, align: AlignmentType) -> Paragraph {
    Paragraph::new()
        .add_run(run(data, style, text))
        .align(align)
        .line_spacing(LineSpacing::new().before(0).after(0))
}

/// A short rule under a centred block: a bottom border on a paragraph narrowed by `inset`
/// twips on each side (the decree's line of a third to a half of the text above).
fn rule_below(inset: i32) -> Paragraph {
    let mut p = Paragraph::new()
        .align(AlignmentType::Center)
        .indent(Some(inset), None, Some(inset), None)
        .line_spacing(LineSpacing::new().before(0).after(120).line(120));
    // Only the bottom edge: docx-rs's default border set draws all four.
    p.property = p.property.set_borders(
        ParagraphBorders::with_empty().set(
            ParagraphBorder::new(ParagraphBorderPosition::Bottom)
                .size(6)
                .space(1),
        ),
    );
    p
}

fn cell(width: usize, paragraphs: Vec<Paragraph>) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new().width(width, WidthType::Dxa), |c, p| {
            c.add_paragraph(p)
        })
}

/// Writes `doc` as a DOCX file.
pub fn write(doc: &OfficialDocument) -> AppResult<Vec<u8>> {
    let data = profile_data(doc.profile);
    let styles = &data.styles;
    let (paper_w, paper_h) = data.paper_mm.value;
    let m = data.margins.value;
    let text_width = twips(paper_w - m.left - m.right) as usize;
    let left_width = text_width * 2 / 5;
    let right_width = text_width - left_width;
    let centre = AlignmentType::Center;

    // Issuer block (left) and motto block (right); the number and the place and date on the
    // row below, so they line up.
    let mut issuer = Vec::new();
    if let Some(superior) = &doc.superior {
        issuer.push(line(data, styles.superior.value, superior, centre));
    }
    issuer.push(line(data, styles.issuer.value, &doc.issuer, centre));
    if data.star_below_issuer {
        issuer.push(line(data, styles.issuer.value, "*", centre));
    } else {
        issuer.push(rule_below((left_width / 3) as i32));
    }
    let [first, second] = motto(doc.profile);
    // The line below the motto is as long as its last line: drawn as that line's underline.
    let underlined = |style: TextStyle| TextStyle {
        underline: true,
        ..style
    };
    let motto = if second.is_empty() {
        vec![line(data, underlined(styles.motto.value), first, centre)]
    } else {
        vec![
            line(data, styles.motto.value, first, centre),
            line(data, underlined(styles.motto_line.value), second, centre),
        ]
    };
    let header = Table::without_borders(vec![
        TableRow::new(vec![cell(left_width, issuer), cell(right_width, motto)]),
        TableRow::new(vec![
            cell(
                left_width,
                vec![line(data, styles.number.value, &doc.number_line, centre)],
            ),
            cell(
                right_width,
                vec![line(
                    data,
                    styles.place_and_date.value,
                    &doc.place_and_date,
                    centre,
                )],
            ),
        ]),
    ])
    .set_grid(vec![left_width, right_width])
    .width(text_width, WidthType::Dxa);

    let first_line = twips(data.first_line_indent_mm.value) as i32;
    let body_paragraph = |text: &str| {
        Paragraph::new()
            .add_run(run(data, styles.body.value, text))
            .align(AlignmentType::Both)
            .indent(
                None,
                Some(SpecialIndentType::FirstLine(first_line)),
                None,
                None,
            )
            .line_spacing(LineSpacing::new().before(0).after(120).line(300))
    };

    let mut docx = Docx::new()
        .page_size(twips(paper_w), twips(paper_h))
        .page_margin(
            PageMargin::new()
                .top(twips(m.top) as i32)
                .bottom(twips(m.bottom) as i32)
                .left(twips(m.left) as i32)
                .right(twips(m.right) as i32)
                .header(twips(10) as i32)
                .footer(twips(10) as i32),
        )
        .default_fonts(
            RunFonts::new()
                .ascii(data.font.value)
                .hi_ansi(data.font.value)
                .cs(data.font.value)
                .east_asia(data.font.value),
        )
        .default_size(styles.body.value.half_points)
        // Page numbers from page 2: the first page has a header of its own, empty.
        .header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .align(centre)
                    .add_page_num(PageNum::new())
                    .size(styles.page_number.value.half_points)
                    .fonts(
                        RunFonts::new()
                            .ascii(data.font.value)
                            .hi_ansi(data.font.value),
                    ),
            ),
        )
        .first_header(Header::new().add_paragraph(Paragraph::new()))
        .footer(Footer::new().add_paragraph(Paragraph::new()))
        .add_table(header)
        .add_paragraph(
            line(data, styles.document_type.value, &doc.document_type, centre)
                .line_spacing(LineSpacing::new().before(360).after(0)),
        )
        .add_paragraph(line(data, styles.summary.value, &doc.summary, centre))
        .add_paragraph(rule_below((text_width / 3) as i32));

    for section in &doc.sections {
        // A preamble ("Căn cứ …") has no heading of its own.
        if section.heading.is_empty() {
            for paragraph in &section.paragraphs {
                docx = docx.add_paragraph(body_paragraph(paragraph));
            }
            continue;
        }
        docx = docx.add_paragraph(
            Paragraph::new()
                .add_run(run(data, styles.heading.value, &section.heading))
                .align(AlignmentType::Both)
                .indent(
                    None,
                    Some(SpecialIndentType::FirstLine(first_line)),
                    None,
                    None,
                )
                .line_spacing(LineSpacing::new().before(120).after(120))
                .keep_next(true),
        );
        for paragraph in &section.paragraphs {
            docx = docx.add_paragraph(body_paragraph(paragraph));
        }
    }

    // Recipients (left) and signature (right), side by side.
    let mut recipients = vec![line(
        data,
        styles.recipients_label.value,
        "Nơi nhận:",
        AlignmentType::Left,
    )];
    for r in recipient_lines(doc.profile, &doc.recipients) {
        recipients.push(line(data, styles.recipients.value, &r, AlignmentType::Left));
    }
    let mut signature: Vec<Paragraph> = doc
        .signature
        .heading_lines(doc.profile)
        .iter()
        .map(|l| line(data, styles.signature.value, l, centre))
        .collect();
    // Room for the signature and the seal.
    for _ in 0..4 {
        signature.push(line(data, styles.signer_name.value, "", centre));
    }
    if let Some(name) = &doc.signature.name {
        signature.push(line(data, styles.signer_name.value, name, centre));
    }
    let half = text_width / 2;
    docx = docx.add_paragraph(Paragraph::new()).add_table(
        Table::without_borders(vec![TableRow::new(vec![
            cell(half, recipients),
            cell(text_width - half, signature),
        ])])
        .set_grid(vec![half, text_width - half])
        .width(text_width, WidthType::Dxa),
    );

    if let Some(annex) = &doc.annex {
        docx = docx
            .add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_break(BreakType::Page))
                    .add_run(run(data, styles.document_type.value, "Phụ lục"))
                    .align(centre),
            )
            .add_paragraph(line(data, styles.summary.value, &annex.title, centre))
            .add_paragraph(Paragraph::new());
        let columns = annex.columns.len().max(1);
        let first_col = text_width / 2;
        let other = (text_width - first_col) / columns.saturating_sub(1).max(1);
        let widths: Vec<usize> = (0..columns)
            .map(|i| if i == 0 { first_col } else { other })
            .collect();
        let cell_style = TextStyle {
            half_points: styles.body.value.half_points - 2,
            ..styles.body.value
        };
        let head_style = TextStyle {
            bold: true,
            ..cell_style
        };
        let row = |values: &[String], style: TextStyle| {
            TableRow::new(
                values
                    .iter()
                    .zip(&widths)
                    .enumerate()
                    .map(|(i, (v, w))| {
                        let align = if i == 0 {
                            AlignmentType::Left
                        } else {
                            AlignmentType::Right
                        };
                        cell(*w, vec![line(data, style, v, align)])
                    })
                    .collect(),
            )
        };
        let mut rows = vec![row(&annex.columns, head_style)];
        rows.extend(annex.rows.iter().map(|r| row(r, cell_style)));
        docx = docx.add_table(
            Table::new(rows)
                .set_grid(widths.clone())
                .width(text_width, WidthType::Dxa),
        );
    }

    let mut out = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut out)
        .map_err(|e| AppError::internal(anyhow::anyhow!("writing the DOCX failed: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;
    use crate::domain::official_format::{Authority, Profile};
    use crate::render::document::{Annex, Section, Signature};

    fn sample(profile: Profile) -> OfficialDocument {
        OfficialDocument {
            profile,
            superior: Some("Tỉnh ủy Sóc Trăng".into()),
            issuer: "Ban Dân vận".into(),
            number_line: "Số 123-BC/BDVTU".into(),
            place_and_date: "Sóc Trăng, ngày 05 tháng 02 năm 2024".into(),
            document_type: "Báo cáo".into(),
            summary: "Kết quả thực hiện Quy chế dân chủ ở cơ sở".into(),
            sections: vec![Section::from_text("I. KẾT QUẢ ĐẠT ĐƯỢC", "Một & hai <ba>.")],
            annex: Some(Annex {
                title: "Chỉ tiêu".into(),
                columns: vec!["Chỉ tiêu".into(), "Giá trị".into()],
                rows: vec![vec!["Số buổi tuyên truyền".into(), "12".into()]],
            }),
            signature: Signature {
                authority: Some(Authority::OnBehalf),
                on_behalf_of: Some("Ban Thường vụ".into()),
                position: Some("Phó Bí thư".into()),
                name: Some("Nguyễn Văn A".into()),
            },
            recipients: vec!["Ban Chỉ đạo tỉnh".into()],
        }
    }

    fn part(bytes: &[u8], name: &str) -> String {
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
        xml
    }

    #[test]
    fn millimetres_become_twips() {
        assert_eq!(twips(210), 11906);
        assert_eq!(twips(297), 16838);
        assert_eq!(twips(20), 1134);
        assert_eq!(twips(30), 1701);
        assert_eq!(twips(15), 850);
    }

    #[test]
    fn a_party_document_has_the_page_font_and_strings_of_its_profile() {
        let bytes = write(&sample(Profile::Party)).unwrap();
        let xml = part(&bytes, "word/document.xml");
        assert!(xml.contains(r#"w:w="11906" w:h="16838""#), "A4");
        assert!(xml.contains(r#"w:top="1134""#) && xml.contains(r#"w:left="1701""#));
        assert!(xml.contains(r#"w:right="850""#) && xml.contains(r#"w:bottom="1134""#));
        assert!(xml.contains(r#"w:ascii="Times New Roman""#));
        assert!(xml.contains("ĐẢNG CỘNG SẢN VIỆT NAM"));
        assert!(xml.contains("TỈNH ỦY SÓC TRĂNG") && xml.contains("BAN DÂN VẬN"));
        assert!(xml.contains(">*<"), "the star below the issuer");
        assert!(xml.contains("Số 123-BC/BDVTU"));
        assert!(xml.contains("Sóc Trăng, ngày 05 tháng 02 năm 2024"));
        assert!(xml.contains("BÁO CÁO") && xml.contains("T/M BAN THƯỜNG VỤ"));
        assert!(xml.contains("Một &amp; hai &lt;ba&gt;."), "text is escaped");
        assert!(xml.contains("w:titlePg"), "a first page of its own");
        assert!(
            xml.contains(r#"<w:sz w:val="30" />"#),
            "the Party's name in 15 pt"
        );
        let headers: String = (1..=2)
            .map(|i| part(&bytes, &format!("word/header{i}.xml")))
            .collect();
        assert!(headers.contains("PAGE"), "page numbers in the header");
    }

    #[test]
    fn a_state_document_carries_the_national_motto() {
        let mut doc = sample(Profile::State);
        doc.number_line = "Số: 05/BC-UBND".into();
        let xml = part(&write(&doc).unwrap(), "word/document.xml");
        assert!(xml.contains("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"));
        assert!(xml.contains("Độc lập - Tự do - Hạnh phúc"));
        assert!(xml.contains("Số: 05/BC-UBND") && xml.contains("TM. BAN THƯỜNG VỤ"));
        assert!(xml.contains("- Lưu: VT."));
        assert!(!xml.contains(">*<"));
    }
}
