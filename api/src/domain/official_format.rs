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
}
