//! The strings of an official document's layout that follow fixed rules: the place-and-date line,
//! the number line and the signing authority's prefix. They differ between state bodies (Decree
//! 30/2020/NĐ-CP, Appendix I) and Party bodies (Guide 36-HD/VPTW of 2018); the renderer of
//! reports, oversight conclusions and recognition decisions takes them from here.

use chrono::{Datelike, NaiveDate};

/// Which body's rules a document follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    /// State bodies: Decree 30/2020/NĐ-CP on administrative documents (công tác văn thư).
    State,
    /// Party bodies (a Ban Dân vận, a Tỉnh ủy): Guide 36-HD/VPTW on Party documents.
    Party,
}

/// "Sóc Trăng, ngày 05 tháng 02 năm 2024": days below 10 and the months 1 and 2 are written with
/// a leading zero, other months without (Decree 30/2020/NĐ-CP, Appendix I). Party documents are
/// written the same way here; that Guide 36-HD/VPTW pads them alike is not confirmed from the
/// primary text.
pub fn place_and_date(place: &str, day: NaiveDate) -> String {
    let month = day.month();
    let month = if month <= 2 {
        format!("{month:02}")
    } else {
        month.to_string()
    };
    format!(
        "{place}, ngày {:02} tháng {month} năm {}",
        day.day(),
        day.year()
    )
}

/// The number line. A state document reads "Số: 05/BC-UBND", a Party document "Số 123-BC/BDVTU"
/// (no colon, the number joined to the symbol by a hyphen). Without a number the place is left
/// blank for the records clerk, who numbers the document when it is signed.
pub fn number_line(profile: Profile, number: Option<u32>, symbol: &str) -> String {
    // Decree 30 pads numbers below 10 ("Số: 05/…"). Whether Guide 36 pads them is not
    // confirmed from the primary text: they are written as given.
    const BLANK: &str = "      ";
    match (profile, number) {
        (Profile::State, Some(n)) => format!("Số: {n:02}/{symbol}"),
        (Profile::State, None) => format!("Số: {BLANK}/{symbol}"),
        (Profile::Party, Some(n)) => format!("Số {n}-{symbol}"),
        (Profile::Party, None) => format!("Số {BLANK}-{symbol}"),
    }
}

/// On whose behalf a document is signed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Authority {
    /// On behalf of a collective body (thay mặt).
    OnBehalf,
    /// For its head, by a deputy (ký thay).
    ForTheHead,
    /// By order of the head (thừa lệnh).
    ByOrder,
    /// Under authorisation (thừa ủy quyền).
    Authorised,
}

/// The prefix before the signing body's name: "TM.", "KT.", "TL.", "TUQ." in state documents,
/// "T/M", "K/T", "T/L", "T/U" in Party documents.
pub fn authority_prefix(profile: Profile, authority: Authority) -> &'static str {
    match (profile, authority) {
        (Profile::State, Authority::OnBehalf) => "TM.",
        (Profile::State, Authority::ForTheHead) => "KT.",
        (Profile::State, Authority::ByOrder) => "TL.",
        (Profile::State, Authority::Authorised) => "TUQ.",
        (Profile::Party, Authority::OnBehalf) => "T/M",
        (Profile::Party, Authority::ForTheHead) => "K/T",
        (Profile::Party, Authority::ByOrder) => "T/L",
        (Profile::Party, Authority::Authorised) => "T/U",
    }
}

/// The motto block's two lines at the top right.
pub fn motto(profile: Profile) -> [&'static str; 2] {
    match profile {
        Profile::State => [
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "Độc lập - Tự do - Hạnh phúc",
        ],
        // A Party document carries the Party's name alone (Guide 36-HD/VPTW).
        Profile::Party => ["ĐẢNG CỘNG SẢN VIỆT NAM", ""],
    }
}

/// Whether a value of the profile data is the rule's own or our assumption.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Stated by the primary text; the string cites where.
    Confirmed(&'static str),
    /// Not confirmed from the primary text: our reading or common practice, said why. Shown to
    /// whoever relies on it, never passed off as the rule.
    Unconfirmed(&'static str),
}

impl Basis {
    pub fn is_confirmed(self) -> bool {
        matches!(self, Basis::Confirmed(_))
    }
}

/// A value of the profile data with its basis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sourced<T> {
    pub value: T,
    pub basis: Basis,
}

const fn rule<T>(value: T, citation: &'static str) -> Sourced<T> {
    Sourced {
        value,
        basis: Basis::Confirmed(citation),
    }
}

const fn assumed<T>(value: T, why: &'static str) -> Sourced<T> {
    Sourced {
        value,
        basis: Basis::Unconfirmed(why),
    }
}

/// Page margins in millimetres.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Margins {
    pub top: u32,
    pub bottom: u32,
    pub left: u32,
    pub right: u32,
}

/// How one element of the layout is set: size in points (halves allowed as `x2`), weight and
/// slant. Capitals are written into the text itself, so the XML carries them too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextStyle {
    /// Size in half-points (`w:sz`): 26 is 13 pt.
    pub half_points: usize,
    pub bold: bool,
    pub italic: bool,
    pub underline: bool,
    /// Written in capitals.
    pub caps: bool,
}

const fn style(points: usize, bold: bool, italic: bool, caps: bool) -> TextStyle {
    TextStyle {
        half_points: points * 2,
        bold,
        italic,
        underline: false,
        caps,
    }
}

/// The elements of the layout, each with its style.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Styles {
    /// National motto ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM") or the Party's name.
    pub motto: Sourced<TextStyle>,
    /// The motto's second line ("Độc lập - Tự do - Hạnh phúc"); state documents only.
    pub motto_line: Sourced<TextStyle>,
    /// The body directly above the issuer (cơ quan chủ quản, cấp trên trực tiếp).
    pub superior: Sourced<TextStyle>,
    /// The issuer's name.
    pub issuer: Sourced<TextStyle>,
    pub number: Sourced<TextStyle>,
    pub place_and_date: Sourced<TextStyle>,
    /// The document's type ("BÁO CÁO").
    pub document_type: Sourced<TextStyle>,
    /// What it is about (trích yếu).
    pub summary: Sourced<TextStyle>,
    pub body: Sourced<TextStyle>,
    /// Section headings of the body.
    pub heading: Sourced<TextStyle>,
    /// The authority prefix and the signer's position ("T/M BAN DÂN VẬN", "TRƯỞNG BAN").
    pub signature: Sourced<TextStyle>,
    pub signer_name: Sourced<TextStyle>,
    /// "Nơi nhận:".
    pub recipients_label: Sourced<TextStyle>,
    /// The list of recipients.
    pub recipients: Sourced<TextStyle>,
    pub page_number: Sourced<TextStyle>,
}

/// Where page numbers go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PageNumbers {
    /// Centred in the header, from page 2 on.
    HeaderCentreFromSecond,
}

/// Everything the renderer needs to lay out a document in one profile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProfileData {
    pub profile: Profile,
    /// Paper size in millimetres (width, height).
    pub paper_mm: Sourced<(u32, u32)>,
    pub margins: Sourced<Margins>,
    /// The typeface named in the document.
    pub font: Sourced<&'static str>,
    pub styles: Styles,
    pub page_numbers: Sourced<PageNumbers>,
    /// A star below the issuer's name (Party documents).
    pub star_below_issuer: bool,
    /// Whether "Số" is followed by a colon.
    pub number_colon: bool,
    /// The last line of the recipients ("- Lưu: VT." / "- Lưu Văn phòng.").
    pub archive_line: Sourced<&'static str>,
    /// First-line indent of body paragraphs, in millimetres.
    pub first_line_indent_mm: Sourced<u32>,
}

const DECREE_30: &str = "Decree 30/2020/NĐ-CP, Appendix I";
const GUIDE_36: &str = "Guide 36-HD/VPTW (2018)";

/// State bodies: Decree 30/2020/NĐ-CP, Appendix I (paper, margins, font and each element). Where the decree gives a range, the value picked lies inside it.
const STATE: ProfileData = ProfileData {
    profile: Profile::State,
    paper_mm: rule(
        (210, 297),
        "Decree 30/2020/NĐ-CP, Appendix I (khổ giấy): A4",
    ),
    margins: rule(
        Margins {
            top: 20,
            bottom: 20,
            left: 30,
            right: 15,
        },
        "Decree 30/2020/NĐ-CP, Appendix I (định lề trang): top and bottom 20–25 mm, left 30–35, \
         right 15–20 (the lower bound picked)",
    ),
    font: rule(
        "Times New Roman",
        "Decree 30/2020/NĐ-CP, Appendix I (phông chữ): Times New Roman, Unicode TCVN 6909:2001",
    ),
    styles: Styles {
        motto: rule(
            style(13, true, false, true),
            "Appendix I (quốc hiệu): 12–13 pt, capitals, bold",
        ),
        motto_line: rule(
            style(14, true, false, false),
            "Appendix I (tiêu ngữ): 13–14 pt, bold",
        ),
        superior: rule(
            style(13, false, false, true),
            "Appendix I (cơ quan chủ quản): 12–13 pt, capitals",
        ),
        issuer: rule(
            style(13, true, false, true),
            "Appendix I (tên cơ quan ban hành): 12–13 pt, capitals, bold",
        ),
        number: rule(
            style(13, false, false, false),
            "Appendix I (số, ký hiệu): 13 pt",
        ),
        place_and_date: rule(
            style(14, false, true, false),
            "Appendix I (địa danh, thời gian): 13–14 pt, italics",
        ),
        document_type: rule(
            style(14, true, false, true),
            "Appendix I (tên loại): 13–14 pt, capitals, bold",
        ),
        summary: rule(
            style(14, true, false, false),
            "Appendix I (trích yếu): 13–14 pt, bold",
        ),
        body: rule(
            style(14, false, false, false),
            "Appendix I (nội dung): 13–14 pt",
        ),
        heading: assumed(
            style(14, true, false, false),
            "the decree sets the body's size; bold section headings are common practice",
        ),
        signature: rule(
            style(14, true, false, true),
            "Appendix I (quyền hạn, chức vụ): 13–14 pt, capitals, bold",
        ),
        signer_name: rule(
            style(14, true, false, false),
            "Appendix I (họ tên người ký): 13–14 pt, bold",
        ),
        recipients_label: rule(
            TextStyle {
                half_points: 24,
                bold: true,
                italic: true,
                underline: false,
                caps: false,
            },
            "Appendix I (nơi nhận): 12 pt, italics, bold",
        ),
        recipients: rule(
            style(11, false, false, false),
            "Appendix I (nơi nhận): 11 pt",
        ),
        page_number: rule(
            style(14, false, false, false),
            "Appendix I (số trang): 13–14 pt, centred in the header, not on page 1",
        ),
    },
    page_numbers: rule(
        PageNumbers::HeaderCentreFromSecond,
        "Decree 30/2020/NĐ-CP, Appendix I (số trang)",
    ),
    star_below_issuer: false,
    number_colon: true,
    archive_line: rule("- Lưu: VT.", "Decree 30/2020/NĐ-CP, Appendix I (nơi nhận)"),
    first_line_indent_mm: rule(10, "Appendix I (nội dung): first line 1 cm or 1.27 cm"),
};

/// Party bodies: Guide 36-HD/VPTW of 3 April 2018. A4 and the Unicode TCVN 6909:2001 font are
/// its rule; the face, the margins and most sizes below could not be checked against its text
/// and are marked so.
const PARTY: ProfileData = ProfileData {
    profile: Profile::Party,
    paper_mm: rule(
        (210, 297),
        "Guide 36-HD/VPTW (2018), khổ giấy: A4 (210 × 297 mm)",
    ),
    margins: assumed(
        Margins {
            top: 20,
            bottom: 20,
            left: 30,
            right: 15,
        },
        "Guide 36-HD/VPTW sets margins; its figures are not confirmed here: \
         the state ranges' lower bounds are used",
    ),
    font: assumed(
        "Times New Roman",
        "Guide 36-HD/VPTW requires the Unicode TCVN 6909:2001 character set; the face is \
         not confirmed from its text",
    ),
    styles: Styles {
        motto: assumed(
            style(15, true, false, true),
            "Guide 36-HD/VPTW: top right, capitals, a line below (confirmed); 15 pt bold not",
        ),
        motto_line: assumed(style(14, false, false, false), "unused in Party documents"),
        superior: assumed(
            style(14, false, false, true),
            "Guide 36-HD/VPTW size not confirmed",
        ),
        issuer: assumed(
            style(14, true, false, true),
            "Guide 36-HD/VPTW size not confirmed",
        ),
        number: assumed(
            style(14, false, false, false),
            "Guide 36-HD/VPTW size not confirmed",
        ),
        place_and_date: assumed(
            style(14, false, true, false),
            "Guide 36-HD/VPTW: italics; size not confirmed",
        ),
        document_type: assumed(
            style(16, true, false, true),
            "Guide 36-HD/VPTW: capitals, bold; 15–16 pt not confirmed",
        ),
        summary: assumed(
            style(14, true, false, false),
            "Guide 36-HD/VPTW size not confirmed",
        ),
        body: assumed(
            style(14, false, false, false),
            "Guide 36-HD/VPTW size not confirmed",
        ),
        heading: assumed(style(14, true, false, false), "common practice"),
        signature: assumed(
            style(14, true, false, true),
            "Guide 36-HD/VPTW: T/M, K/T, T/L (confirmed); size not confirmed",
        ),
        signer_name: assumed(
            style(14, true, false, false),
            "Guide 36-HD/VPTW size not confirmed",
        ),
        recipients_label: assumed(
            TextStyle {
                half_points: 28,
                bold: false,
                italic: false,
                underline: true,
                caps: false,
            },
            "the recipients block of Guide 36-HD/VPTW is not confirmed from its text",
        ),
        recipients: assumed(
            style(12, false, false, false),
            "the recipients block of Guide 36-HD/VPTW is not confirmed from its text",
        ),
        page_number: assumed(
            style(14, false, false, false),
            "Guide 36-HD/VPTW numbers pages from page 2; place and size not confirmed",
        ),
    },
    page_numbers: assumed(
        PageNumbers::HeaderCentreFromSecond,
        "Guide 36-HD/VPTW numbers pages from page 2; placed as in state documents",
    ),
    star_below_issuer: true,
    number_colon: false,
    archive_line: assumed(
        "- Lưu Văn phòng.",
        "the recipients block of Guide 36-HD/VPTW is not confirmed from its text",
    ),
    first_line_indent_mm: assumed(10, "as in state documents"),
};

/// The layout data of `profile`. Every value carries its [`Basis`]: [`DECREE_30`] or
/// [`GUIDE_36`] where confirmed, or why it is assumed.
pub fn profile_data(profile: Profile) -> &'static ProfileData {
    match profile {
        Profile::State => &STATE,
        Profile::Party => &PARTY,
    }
}

/// Which guide a profile follows, for citations in generated documents' properties.
pub fn authority_text(profile: Profile) -> &'static str {
    match profile {
        Profile::State => DECREE_30,
        Profile::Party => GUIDE_36,
    }
}

/// The place-and-date line of a document not dated yet: day and month left blank for the
/// records clerk, who dates it when it is signed.
pub fn place_and_blank_date(place: &str, year: i32) -> String {
    format!("{place}, ngày      tháng      năm {year}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn days_below_ten_and_months_one_and_two_take_a_zero() {
        for (date, expected) in [
            ("2024-02-05", "Sóc Trăng, ngày 05 tháng 02 năm 2024"),
            ("2024-01-31", "Sóc Trăng, ngày 31 tháng 01 năm 2024"),
            ("2024-06-09", "Sóc Trăng, ngày 09 tháng 6 năm 2024"),
            ("2024-12-20", "Sóc Trăng, ngày 20 tháng 12 năm 2024"),
            ("2024-03-01", "Sóc Trăng, ngày 01 tháng 3 năm 2024"),
        ] {
            assert_eq!(place_and_date("Sóc Trăng", day(date)), expected);
        }
    }

    #[test]
    fn state_and_party_numbers_read_differently() {
        assert_eq!(
            number_line(Profile::State, Some(5), "BC-UBND"),
            "Số: 05/BC-UBND"
        );
        assert_eq!(
            number_line(Profile::State, Some(123), "BC-UBND"),
            "Số: 123/BC-UBND"
        );
        assert_eq!(
            number_line(Profile::Party, Some(123), "BC/BDVTU"),
            "Số 123-BC/BDVTU"
        );
        let blank = number_line(Profile::State, None, "BC-UBND");
        assert!(
            blank.starts_with("Số: ") && blank.ends_with("/BC-UBND"),
            "{blank}"
        );
        assert!(!number_line(Profile::Party, None, "BC/BDVTU").contains(':'));
    }

    #[test]
    fn signing_prefixes_follow_the_profile() {
        assert_eq!(authority_prefix(Profile::State, Authority::OnBehalf), "TM.");
        assert_eq!(
            authority_prefix(Profile::State, Authority::ForTheHead),
            "KT."
        );
        assert_eq!(authority_prefix(Profile::Party, Authority::OnBehalf), "T/M");
        assert_eq!(authority_prefix(Profile::Party, Authority::ByOrder), "T/L");
        assert_eq!(motto(Profile::Party)[0], "ĐẢNG CỘNG SẢN VIỆT NAM");
        assert_eq!(motto(Profile::State)[1], "Độc lập - Tự do - Hạnh phúc");
    }

    #[test]
    fn profile_data_stays_inside_the_decree_and_says_what_is_assumed() {
        let state = profile_data(Profile::State);
        let m = state.margins.value;
        assert!((20..=25).contains(&m.top) && (20..=25).contains(&m.bottom));
        assert!((30..=35).contains(&m.left) && (15..=20).contains(&m.right));
        assert_eq!(state.paper_mm.value, (210, 297));
        assert_eq!(state.font.value, "Times New Roman");
        assert!(state.margins.basis.is_confirmed() && state.font.basis.is_confirmed());
        let motto = state.styles.motto.value;
        assert!((24..=26).contains(&motto.half_points) && motto.bold && motto.caps);
        assert!(state.styles.place_and_date.value.italic);
        assert!(state.number_colon && !state.star_below_issuer);

        let party = profile_data(Profile::Party);
        assert!(party.star_below_issuer && !party.number_colon);
        assert!(party.paper_mm.basis.is_confirmed());
        // What Guide 36 is not confirmed to say is marked, not passed off as the rule.
        assert!(!party.styles.recipients.basis.is_confirmed());
        assert!(!party.styles.recipients_label.basis.is_confirmed());
        assert!(!party.archive_line.basis.is_confirmed());
        assert!(!party.margins.basis.is_confirmed());
    }

    #[test]
    fn an_undated_document_leaves_day_and_month_blank() {
        let line = place_and_blank_date("Sóc Trăng", 2024);
        assert!(line.starts_with("Sóc Trăng, ngày ") && line.ends_with(" năm 2024"));
        let before_year = &line[..line.len() - "2024".len()];
        assert!(!before_year.chars().any(|c| c.is_ascii_digit()), "{line}");
    }
}
