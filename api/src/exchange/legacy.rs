//! Vietnamese typed in the legacy 8-bit code pages TCVN3 (ABC) and VNI Windows, found in files
//! that claim to be Latin or Unicode text: refused with a hint, never stored as mojibake.
//!
//! Both code pages reuse the bytes 0xA1–0xFF of Latin-1, so a spreadsheet cell typed in a
//! `.VnTime` or `VNI-Times` font, or a CSV read as Windows-1252/1258, shows Latin-1 letters:
//! TCVN3 replaces each Vietnamese vowel by one byte ("Việt Nam" reads "ViÖt Nam"), VNI writes
//! the base letter followed by a byte for its marks ("Vieät Nam"). Genuine Vietnamese never
//! holds the Latin-1 letters that are not Vietnamese (Ö, ©, ä, ñ, …) inside a word, and the
//! word decoded from the legacy page is a well-formed Vietnamese syllable: both must hold.

use unicode_normalization::UnicodeNormalization;

/// A legacy code page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legacy {
    /// TCVN 5712:1993 VN3, the "ABC" fonts (.VnTime, .VnArial).
    Tcvn3,
    /// VNI Windows (VNI-Times, VNI-Helve).
    Vni,
}

impl Legacy {
    /// The stable code a refusal carries.
    pub fn code(self) -> &'static str {
        match self {
            Self::Tcvn3 => "LEGACY_ENCODING_TCVN3",
            Self::Vni => "LEGACY_ENCODING_VNI",
        }
    }

    /// What the person who sent the file should do.
    pub fn hint(self, sample: &str, decoded: &str) -> String {
        let (name, source) = match self {
            Self::Tcvn3 => ("TCVN3 (ABC)", "TCVN3 (ABC)"),
            Self::Vni => ("VNI", "VNI Windows"),
        };
        format!(
            "this file looks {name}-encoded (\u{201c}{sample}\u{201d} reads \u{201c}{decoded}\u{201d} in {name}); \
             convert it to Unicode with UniKey's converter (Công cụ chuyển mã, Ctrl+Shift+F6: \
             source {source}, destination Unicode) and upload it again"
        )
    }
}

/// One word found typed in a legacy code page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub encoding: Legacy,
    /// The word as the file holds it.
    pub sample: String,
    /// The word decoded from the legacy code page.
    pub decoded: String,
}

/// TCVN3 bytes 0xA1–0xFE and the letters they stand for.
const TCVN3: &[(char, char)] = &[
    ('\u{A1}', 'Ă'),
    ('\u{A2}', 'Â'),
    ('\u{A3}', 'Ê'),
    ('\u{A4}', 'Ô'),
    ('\u{A5}', 'Ơ'),
    ('\u{A6}', 'Ư'),
    ('\u{A7}', 'Đ'),
    ('\u{A8}', 'ă'),
    ('\u{A9}', 'â'),
    ('\u{AA}', 'ê'),
    ('\u{AB}', 'ô'),
    ('\u{AC}', 'ơ'),
    ('\u{AD}', 'ư'),
    ('\u{AE}', 'đ'),
    ('\u{B5}', 'à'),
    ('\u{B6}', 'ả'),
    ('\u{B7}', 'ã'),
    ('\u{B8}', 'á'),
    ('\u{B9}', 'ạ'),
    ('\u{BB}', 'ằ'),
    ('\u{BC}', 'ẳ'),
    ('\u{BD}', 'ẵ'),
    ('\u{BE}', 'ắ'),
    ('\u{C6}', 'ặ'),
    ('\u{C7}', 'ầ'),
    ('\u{C8}', 'ẩ'),
    ('\u{C9}', 'ẫ'),
    ('\u{CA}', 'ấ'),
    ('\u{CB}', 'ậ'),
    ('\u{CC}', 'è'),
    ('\u{CE}', 'ẻ'),
    ('\u{CF}', 'ẽ'),
    ('\u{D0}', 'é'),
    ('\u{D1}', 'ẹ'),
    ('\u{D2}', 'ề'),
    ('\u{D3}', 'ể'),
    ('\u{D4}', 'ễ'),
    ('\u{D5}', 'ế'),
    ('\u{D6}', 'ệ'),
    ('\u{D7}', 'ì'),
    ('\u{D8}', 'ỉ'),
    ('\u{DC}', 'ĩ'),
    ('\u{DD}', 'í'),
    ('\u{DE}', 'ị'),
    ('\u{DF}', 'ò'),
    ('\u{E1}', 'ỏ'),
    ('\u{E2}', 'õ'),
    ('\u{E3}', 'ó'),
    ('\u{E4}', 'ọ'),
    ('\u{E5}', 'ồ'),
    ('\u{E6}', 'ổ'),
    ('\u{E7}', 'ỗ'),
    ('\u{E8}', 'ố'),
    ('\u{E9}', 'ộ'),
    ('\u{EA}', 'ờ'),
    ('\u{EB}', 'ở'),
    ('\u{EC}', 'ỡ'),
    ('\u{ED}', 'ớ'),
    ('\u{EE}', 'ợ'),
    ('\u{EF}', 'ù'),
    ('\u{F1}', 'ủ'),
    ('\u{F2}', 'ũ'),
    ('\u{F3}', 'ú'),
    ('\u{F4}', 'ụ'),
    ('\u{F5}', 'ừ'),
    ('\u{F6}', 'ử'),
    ('\u{F7}', 'ữ'),
    ('\u{F8}', 'ứ'),
    ('\u{F9}', 'ự'),
    ('\u{FA}', 'ỳ'),
    ('\u{FB}', 'ỷ'),
    ('\u{FC}', 'ỹ'),
    ('\u{FD}', 'ý'),
    ('\u{FE}', 'ỵ'),
];

const GRAVE: char = '\u{300}';
const ACUTE: char = '\u{301}';
const CIRCUMFLEX: char = '\u{302}';
const TILDE: char = '\u{303}';
const BREVE: char = '\u{306}';
const HOOK: char = '\u{309}';
const HORN: char = '\u{31B}';
const DOT: char = '\u{323}';

/// VNI bytes written after a base vowel, and the marks they add.
fn vni_marks(c: char) -> Option<&'static [char]> {
    Some(match c.to_lowercase().next().unwrap_or(c) {
        'ø' => &[GRAVE],
        'ù' => &[ACUTE],
        'û' => &[HOOK],
        'õ' => &[TILDE],
        'ï' => &[DOT],
        'â' => &[CIRCUMFLEX],
        'à' => &[CIRCUMFLEX, GRAVE],
        'á' => &[CIRCUMFLEX, ACUTE],
        'å' => &[CIRCUMFLEX, HOOK],
        'ã' => &[CIRCUMFLEX, TILDE],
        'ä' => &[CIRCUMFLEX, DOT],
        'ê' => &[BREVE],
        'è' => &[BREVE, GRAVE],
        'é' => &[BREVE, ACUTE],
        'ú' => &[BREVE, HOOK],
        'ü' => &[BREVE, TILDE],
        'ë' => &[BREVE, DOT],
        _ => return None,
    })
}

/// VNI bytes that are letters of their own.
fn vni_letter(c: char) -> Option<char> {
    Some(match c {
        'ñ' => 'đ',
        'Ñ' => 'Đ',
        'ô' => 'ơ',
        'Ô' => 'Ơ',
        'ö' => 'ư',
        'Ö' => 'Ư',
        'æ' => 'ỉ',
        'Æ' => 'Ỉ',
        'ó' => 'ĩ',
        'Ó' => 'Ĩ',
        'ò' => 'ị',
        'Ò' => 'Ị',
        _ => return None,
    })
}

/// The Latin-1 letters Vietnamese uses; any other Latin-1 letter or sign inside a word is
/// foreign to Vietnamese.
const VIETNAMESE_LATIN1: &str = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý";

fn is_foreign(c: char) -> bool {
    ('\u{A1}'..='\u{FF}').contains(&c) && !VIETNAMESE_LATIN1.contains(c)
}

fn is_vowel(c: char) -> bool {
    let base = c.to_lowercase().nfd().next().unwrap_or(c);
    "aeiouy".contains(base) || matches!(c, 'ô' | 'Ô' | 'ö' | 'Ö')
}

/// `word` read as TCVN3.
pub fn decode_tcvn3(word: &str) -> String {
    word.chars()
        .map(|c| {
            TCVN3
                .iter()
                .find(|(byte, _)| *byte == c)
                .map_or(c, |(_, letter)| *letter)
        })
        .collect()
}

/// `word` read as VNI Windows.
pub fn decode_vni(word: &str) -> String {
    let mut out = String::new();
    let mut last_is_vowel = false;
    for c in word.chars() {
        if last_is_vowel && let Some(marks) = vni_marks(c) {
            out.extend(marks);
            last_is_vowel = false;
        } else if let Some(letter) = vni_letter(c) {
            out.push(letter);
            last_is_vowel = letter != 'đ' && letter != 'Đ';
        } else {
            out.push(c);
            last_is_vowel = is_vowel(c);
        }
    }
    out.nfc().collect()
}

/// Whether `word` is shaped like Vietnamese: Latin letters (and đ) with at most one tone mark
/// and one vowel mark, capitalised at most at the start or throughout.
fn well_formed(word: &str) -> bool {
    let (mut tones, mut shapes, mut letters) = (0, 0, 0);
    for c in word.nfd() {
        match c {
            GRAVE | ACUTE | TILDE | HOOK | DOT => tones += 1,
            CIRCUMFLEX | BREVE | HORN => shapes += 1,
            'a'..='z' | 'A'..='Z' | 'đ' | 'Đ' => letters += 1,
            '0'..='9' => {}
            _ => return false,
        }
    }
    let mut chars = word.chars().filter(|c| c.is_alphabetic());
    let rest_lower = chars.next().is_some() && chars.clone().all(|c| !c.is_uppercase());
    let all_upper = word
        .chars()
        .filter(|c| c.is_alphabetic())
        .all(|c| !c.is_lowercase());
    letters > 0 && tones <= 1 && shapes <= 2 && (rest_lower || all_upper) && syllable(word)
}

/// Whether `word`, without its marks, is one Vietnamese syllable: an initial consonant (or
/// none), one to three vowels, and one of the finals Vietnamese allows.
fn syllable(word: &str) -> bool {
    const INITIALS: &[&str] = &[
        "ngh", "ng", "gh", "gi", "kh", "nh", "ph", "qu", "th", "tr", "ch", "b", "c", "d", "g", "h",
        "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
    ];
    const FINALS: &[&str] = &["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];
    let base: String = word
        .nfd()
        .filter(|c| !('\u{300}'..='\u{36F}').contains(c))
        .map(|c| if c == 'đ' || c == 'Đ' { 'd' } else { c })
        .flat_map(char::to_lowercase)
        .collect();
    INITIALS.iter().any(|initial| {
        let Some(rest) = base.strip_prefix(initial) else {
            return false;
        };
        let vowels = rest.chars().take_while(|c| "aeiouy".contains(*c)).count();
        (1..=3).contains(&vowels) && FINALS.contains(&&rest[vowels..])
    })
}

/// How one word reads: `None` for ordinary text, `Some(None)` for a legacy word that reads
/// well in both code pages ("ñua" is "đua" in VNI and "ủua" in TCVN3), `Some(Some(finding))`
/// when one code page explains it.
fn classify(word: &str) -> Option<Option<Finding>> {
    if !word.chars().any(is_foreign) || !word.chars().any(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let chars: Vec<char> = word.chars().collect();
    let vni_pattern = chars
        .windows(2)
        .any(|w| is_vowel(w[0]) && is_foreign(w[1]) && vni_marks(w[1]).is_some());
    let vni = decode_vni(word);
    let tcvn3 = decode_tcvn3(word);
    let finding = |encoding, decoded: String| Finding {
        encoding,
        sample: word.to_owned(),
        decoded,
    };
    let vni_reads = vni != word && well_formed(&vni);
    let tcvn3_reads = well_formed(&tcvn3);
    match (vni_pattern && vni_reads, tcvn3_reads, vni_reads) {
        (true, _, _) => Some(Some(finding(Legacy::Vni, vni))),
        (false, true, true) => Some(None),
        (false, true, false) => Some(Some(finding(Legacy::Tcvn3, tcvn3))),
        (false, false, true) => Some(Some(finding(Legacy::Vni, vni))),
        (false, false, false) => None,
    }
}

/// Counts legacy-typed words across the cells of a file.
#[derive(Debug, Default)]
pub struct Detector {
    tcvn3: usize,
    vni: usize,
    /// Legacy words that read well in both code pages.
    ambiguous: usize,
    /// Words holding a Latin-1 character foreign to Vietnamese.
    foreign: usize,
    /// The first legacy word and where it was (row, column).
    pub first: Option<(Finding, usize, usize)>,
}

impl Detector {
    /// Looks at the text of one cell.
    pub fn scan(&mut self, text: &str, row: usize, column: usize) {
        let words =
            text.split(|c: char| c.is_whitespace() || (c.is_ascii() && !c.is_ascii_alphanumeric()));
        for word in words.filter(|w| !w.is_empty()) {
            if word.chars().any(is_foreign) {
                self.foreign += 1;
            }
            match classify(word) {
                None => {}
                Some(None) => self.ambiguous += 1,
                Some(Some(found)) => {
                    match found.encoding {
                        Legacy::Tcvn3 => self.tcvn3 += 1,
                        Legacy::Vni => self.vni += 1,
                    }
                    if self.first.is_none() {
                        self.first = Some((found, row, column));
                    }
                }
            }
        }
    }

    /// The code page the file was typed in, when legacy words make up at least half of the
    /// words with foreign letters: a stray "©" or "½" in Unicode text is not enough.
    pub fn verdict(&self) -> Option<Legacy> {
        let legacy = self.tcvn3 + self.vni + self.ambiguous;
        if self.tcvn3 + self.vni == 0 || legacy * 2 < self.foreign {
            return None;
        }
        Some(if self.vni > self.tcvn3 {
            Legacy::Vni
        } else {
            Legacy::Tcvn3
        })
    }
}

/// The legacy code page `text` is typed in, if any.
pub fn detect(text: &str) -> Option<Legacy> {
    let mut d = Detector::default();
    d.scan(text, 0, 0);
    d.verdict()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes Unicode Vietnamese as TCVN3 would show it in a Latin-1 view (test helper).
    fn to_tcvn3(s: &str) -> String {
        s.nfc()
            .map(|c| {
                TCVN3
                    .iter()
                    .find(|(_, letter)| *letter == c)
                    .map_or(c, |(byte, _)| *byte)
            })
            .collect()
    }

    // Phrases from the seed article (seeds/000_6cf7ddc53b911c76.txt, Plan 24-KH/BCĐ).
    const PHRASES: &[&str] = &[
        "Dân biết, dân bàn, dân làm, dân kiểm tra, dân giám sát, dân thụ hưởng",
        "Ban Chỉ đạo thực hiện Quy chế dân chủ ở cơ sở tỉnh Sóc Trăng",
        "Ban Dân vận Tỉnh ủy là cơ quan thường trực",
        "Kế hoạch về thực hiện dân chủ ở cơ sở trên địa bàn tỉnh",
        "Mặt trận Tổ quốc Việt Nam và các tổ chức chính trị - xã hội",
        "phong trào thi đua “Dân vận khéo”",
    ];

    #[test]
    fn the_classic_tcvn3_mojibake_is_tcvn3() {
        assert_eq!(detect("ViÖt Nam"), Some(Legacy::Tcvn3));
        assert_eq!(
            detect("Céng hßa x· héi chñ nghÜa ViÖt Nam"),
            Some(Legacy::Tcvn3)
        );
        assert_eq!(decode_tcvn3("ViÖt"), "Việt");
        assert_eq!(decode_tcvn3("§¶ng"), "Đảng");
    }

    #[test]
    fn the_classic_vni_mojibake_is_vni() {
        assert_eq!(detect("Vieät Nam"), Some(Legacy::Vni));
        assert_eq!(
            detect("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam"),
            Some(Legacy::Vni)
        );
        assert_eq!(decode_vni("Vieät"), "Việt");
        assert_eq!(decode_vni("Ñaûng"), "Đảng");
        assert_eq!(decode_vni("daân"), "dân");
        assert_eq!(decode_vni("thöôøng"), "thường");
    }

    #[test]
    fn seed_phrases_in_tcvn3_are_found_and_decode_back() {
        for phrase in PHRASES {
            let legacy = to_tcvn3(phrase);
            assert_eq!(detect(&legacy), Some(Legacy::Tcvn3), "{legacy}");
            assert_eq!(decode_tcvn3(&legacy), phrase.nfc().collect::<String>());
        }
    }

    #[test]
    fn seed_phrases_in_vni_are_found() {
        for (vni, unicode) in [
            ("Ban Daân vaän Tænh uûy", "Ban Dân vận Tỉnh ủy"),
            ("Quy cheá daân chuû ôû cô sôû", "Quy chế dân chủ ở cơ sở"),
            ("Maët traän Toå quoác", "Mặt trận Tổ quốc"),
            ("phong traøo thi ñua", "phong trào thi đua"),
        ] {
            assert_eq!(detect(vni), Some(Legacy::Vni), "{vni}");
            let decoded: Vec<String> = vni.split(' ').map(decode_vni).collect();
            assert_eq!(decoded.join(" "), unicode);
        }
    }

    #[test]
    fn unicode_vietnamese_is_not_legacy() {
        for phrase in PHRASES {
            assert_eq!(detect(phrase), None, "{phrase}");
            let nfd: String = phrase.nfd().collect();
            assert_eq!(detect(&nfd), None, "NFD {phrase}");
        }
        assert_eq!(detect("Thành phố Sóc Trăng; Thị xã Vĩnh Châu"), None);
    }

    #[test]
    fn stray_signs_in_unicode_text_are_not_legacy() {
        assert_eq!(detect("Diện tích 25 m² © 2024, ½ số hộ"), None);
        assert_eq!(detect("Café Müller"), None);
        assert_eq!(detect(""), None);
    }

    #[test]
    fn the_hint_names_the_converter() {
        let hint = Legacy::Tcvn3.hint("ViÖt", "Việt");
        assert!(hint.contains("TCVN3") && hint.contains("UniKey"));
        assert_eq!(Legacy::Vni.code(), "LEGACY_ENCODING_VNI");
    }
}
