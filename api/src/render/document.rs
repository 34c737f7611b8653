//! What an official document says, in the order the official form lays it out: the issuer and
//! motto blocks, the number, place and date, the type and summary, the body, an annex table,
//! the signature and the recipients. Reports, oversight conclusions and recognition decisions
//! are all written as one of these; the profile decides how it looks.

use crate::domain::official_format::{self, Authority, Profile};

/// A document ready to be written.
#[derive(Clone, Debug, PartialEq)]
pub struct OfficialDocument {
    pub profile: Profile,
    /// The body directly above the issuer (cơ quan chủ quản, cấp ủy cấp trên), if shown.
    pub superior: Option<String>,
    /// The issuer's name as it was on the issue date.
    pub issuer: String,
    /// "Số: 05/BC-UBND", "Số 123-BC/BDVTU", or with the number left blank.
    pub number_line: String,
    /// "Sóc Trăng, ngày 05 tháng 02 năm 2024", or with day and month left blank.
    pub place_and_date: String,
    /// The document's type ("Báo cáo", "Thông báo kết luận", "Quyết định"); written in capitals.
    pub document_type: String,
    /// What it is about (trích yếu).
    pub summary: String,
    /// Body sections, in order.
    pub sections: Vec<Section>,
    /// A table after the body (phụ lục).
    pub annex: Option<Annex>,
    pub signature: Signature,
    /// The recipients, one a line, without the archive line the profile adds.
    pub recipients: Vec<String>,
}

/// A numbered part of the body.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    /// "I. KẾT QUẢ ĐẠT ĐƯỢC", "Điều 1."; empty for a preamble ("Căn cứ …").
    pub heading: String,
    pub paragraphs: Vec<String>,
}

impl Section {
    /// A section of `text`, one paragraph a non-empty line.
    pub fn from_text(heading: impl Into<String>, text: &str) -> Self {
        Self {
            heading: heading.into(),
            paragraphs: text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// A table annexed to the document.
#[derive(Clone, Debug, PartialEq)]
pub struct Annex {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Who signs, and for whom.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Signature {
    /// On whose behalf (TM./T/M, KT./K/T, TL./T/L, TUQ./T/U); `None`: the head signs.
    pub authority: Option<Authority>,
    /// After the prefix: the collective body (T/M) or the head's position (K/T, T/L).
    pub on_behalf_of: Option<String>,
    /// The signer's own position.
    pub position: Option<String>,
    pub name: Option<String>,
}

impl Signature {
    /// The lines above the signature, in capitals: "T/M BAN THƯỜNG VỤ", "PHÓ TRƯỞNG BAN".
    pub fn heading_lines(&self, profile: Profile) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(authority) = self.authority {
            let prefix = official_format::authority_prefix(profile, authority);
            let after = self.on_behalf_of.as_deref().unwrap_or_default();
            lines.push(capitals(format!("{prefix} {after}").trim()));
        }
        if let Some(position) = &self.position {
            lines.push(capitals(position));
        }
        lines
    }
}

/// Capitals as the official form writes them; Vietnamese letters keep their marks (NFC).
pub fn capitals(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.to_uppercase().nfc().collect()
}

/// The recipients block as printed: each line begins with "- " and ends with ";", then the
/// profile's archive line.
pub fn recipient_lines(profile: Profile, recipients: &[String]) -> Vec<String> {
    let mut lines: Vec<String> = recipients
        .iter()
        .map(|r| {
            r.trim()
                .trim_start_matches('-')
                .trim()
                .trim_end_matches([';', '.', ','])
        })
        .filter(|r| !r.is_empty())
        .map(|r| format!("- {r};"))
        .collect();
    lines.push(
        official_format::profile_data(profile)
            .archive_line
            .value
            .to_owned(),
    );
    lines
}

/// Roman numerals for section headings (I–XX is plenty for a report).
pub fn roman(n: usize) -> String {
    const NUMERALS: [(usize, &str); 5] = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")];
    let mut rest = n;
    let mut out = String::new();
    for (value, numeral) in NUMERALS {
        while rest >= value {
            out.push_str(numeral);
            rest -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_lines_follow_the_profile() {
        let signature = Signature {
            authority: Some(Authority::ForTheHead),
            on_behalf_of: Some("Trưởng ban".into()),
            position: Some("Phó Trưởng ban".into()),
            name: Some("Nguyễn Văn A".into()),
        };
        assert_eq!(
            signature.heading_lines(Profile::Party),
            ["K/T TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"]
        );
        assert_eq!(
            signature.heading_lines(Profile::State),
            ["KT. TRƯỞNG BAN", "PHÓ TRƯỞNG BAN"]
        );
        assert!(
            Signature::default()
                .heading_lines(Profile::State)
                .is_empty()
        );
    }

    #[test]
    fn recipients_end_with_the_archive_line() {
        let lines = recipient_lines(
            Profile::State,
            &[
                "Ban Chỉ đạo tỉnh;".into(),
                "- Thường trực Tỉnh ủy".into(),
                " ".into(),
            ],
        );
        assert_eq!(
            lines,
            [
                "- Ban Chỉ đạo tỉnh;",
                "- Thường trực Tỉnh ủy;",
                "- Lưu: VT."
            ]
        );
    }

    #[test]
    fn capitals_keep_vietnamese_marks() {
        assert_eq!(capitals("Ban Dân vận Tỉnh ủy"), "BAN DÂN VẬN TỈNH ỦY");
        assert_eq!(capitals("đảng"), "ĐẢNG");
    }

    #[test]
    fn sections_split_text_into_paragraphs() {
        let s = Section::from_text("I. KẾT QUẢ", "Một.\n\n  Hai.  \n");
        assert_eq!(s.paragraphs, ["Một.", "Hai."]);
        assert_eq!(roman(4), "IV");
        assert_eq!(roman(9), "IX");
        assert_eq!(roman(14), "XIV");
    }
}
