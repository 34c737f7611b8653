//! The language of error messages: English or Vietnamese (tiếng Việt), chosen per request from
//! `Accept-Language` (RFC 9110 §12.5.4), English when the header names neither. Only messages
//! change; `extensions.code` never does. Messages are translated in one place, when an error
//! becomes an answer (`http::answer::present`), never in resolvers or domain services, which
//! keep writing English.

/// A language messages are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Language {
    /// English, the default: what the domain writes and what a client gets without asking.
    #[default]
    En,
    /// Vietnamese (tiếng Việt).
    Vi,
}

impl Language {
    /// The language `Accept-Language` prefers among those served: the highest `q` wins, the
    /// first listed among equals; `vi-VN` counts as `vi`; `*` or nothing served means English.
    pub fn from_accept_language(header: Option<&str>) -> Self {
        let Some(header) = header else {
            return Self::default();
        };
        let mut best: Option<(u16, Self)> = None;
        for range in header.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .next()
                .map_or(1000, quality);
            let primary = tag.split('-').next().unwrap_or_default();
            let language = if primary.eq_ignore_ascii_case("vi") {
                Self::Vi
            } else if primary.eq_ignore_ascii_case("en") || primary == "*" {
                Self::En
            } else {
                continue;
            };
            if q > 0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, language));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }

    /// The tag for `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Vi => "vi",
        }
    }
}

/// A `q` value in thousandths; malformed counts as 0 (not acceptable).
fn quality(text: &str) -> u16 {
    let text = text.trim();
    let Ok(value) = text.parse::<f64>() else {
        return 0;
    };
    if !(0.0..=1.0).contains(&value) {
        return 0;
    }
    // In range 0..=1000 by the check above.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let thousandths = (value * 1000.0).round() as u16;
    thousandths
}

/// Messages the server writes, with their Vietnamese text. A message not listed is answered in
/// Vietnamese with its code's general sentence ([`general`]) and the English text in
/// `extensions.detail`.
const VIETNAMESE: &[(&str, &str)] = &[
    ("authentication required", "Cần đăng nhập"),
    (
        "too many attempts; wait a minute and try again",
        "Quá nhiều lần thử; vui lòng chờ một phút rồi thử lại",
    ),
    ("internal error", "Lỗi nội bộ máy chủ"),
    (
        "the database is unavailable; try again in a few seconds",
        "Cơ sở dữ liệu tạm thời không truy cập được; vui lòng thử lại sau vài giây",
    ),
    (
        "body is not valid JSON",
        "Nội dung yêu cầu không phải JSON hợp lệ",
    ),
    (
        "body must be {query, variables?, operationName?, extensions?}",
        "Nội dung yêu cầu phải có dạng {query, variables?, operationName?, extensions?}",
    ),
    ("`query` is required", "Thiếu tham số `query`"),
    ("`query` must be a string", "Tham số `query` phải là chuỗi"),
    (
        "batched operations are not accepted; send one operation per request",
        "Không nhận nhiều thao tác trong một yêu cầu; mỗi yêu cầu gửi một thao tác",
    ),
    (
        "send operations as POST with Content-Type: application/json",
        "Gửi thao tác bằng POST với Content-Type: application/json",
    ),
    (
        "mutations run only over POST",
        "Thao tác thay đổi dữ liệu (mutation) chỉ chạy qua POST",
    ),
    (
        "answers are application/graphql-response+json or application/json",
        "Câu trả lời chỉ có dạng application/graphql-response+json hoặc application/json",
    ),
    (
        "this server only runs the operations on its allow-list",
        "Máy chủ chỉ chạy các thao tác trong danh sách cho phép",
    ),
    (
        "document nested too deeply",
        "Văn bản truy vấn lồng quá sâu",
    ),
    (
        "document uses too many aliases",
        "Văn bản truy vấn dùng quá nhiều bí danh (alias)",
    ),
    (
        "send credentials once: more than one Authorization was given",
        "Chỉ gửi thông tin xác thực một lần: có nhiều hơn một Authorization",
    ),
    (
        "only version 1 of persisted queries is supported",
        "Chỉ hỗ trợ truy vấn lưu sẵn (persisted query) phiên bản 1",
    ),
    (
        "persistedQuery.sha256Hash must be a SHA-256 in hex",
        "persistedQuery.sha256Hash phải là mã SHA-256 dạng hex",
    ),
    (
        "persistedQuery.sha256Hash is not the hash of the query",
        "persistedQuery.sha256Hash không phải mã băm của truy vấn",
    ),
    (
        "an Idempotency-Key needs an authenticated caller",
        "Idempotency-Key cần người gọi đã đăng nhập",
    ),
    (
        "Idempotency-Key must have 1 to 255 characters",
        "Idempotency-Key phải có từ 1 đến 255 ký tự",
    ),
    (
        "this Idempotency-Key was used in another session; its answer is not replayed",
        "Idempotency-Key này đã dùng trong phiên khác; câu trả lời không được gửi lại",
    ),
    (
        "this Idempotency-Key was used for a different request",
        "Idempotency-Key này đã dùng cho một yêu cầu khác",
    ),
    (
        "the first request with this Idempotency-Key is still running",
        "Yêu cầu đầu tiên với Idempotency-Key này vẫn đang chạy",
    ),
    (
        "too many operations running on this connection",
        "Quá nhiều thao tác đang chạy trên kết nối này",
    ),
    ("the request took too long", "Yêu cầu xử lý quá lâu"),
    ("no such endpoint", "Không có điểm cuối (endpoint) này"),
    (
        "this method is not allowed here",
        "Phương thức HTTP này không được phép ở đây",
    ),
];

/// Nouns of `<thing> not found`.
const THINGS: &[(&str, &str)] = &[
    ("plan", "kế hoạch"),
    ("user", "tài khoản"),
    ("API client", "hệ thống đối tác"),
    ("unit", "đơn vị"),
    ("report schedule", "đợt báo cáo"),
    ("task", "nhiệm vụ"),
    ("grant", "quyền"),
    ("report", "báo cáo"),
    ("legal reference", "căn cứ pháp lý"),
    ("legal document", "văn bản pháp luật"),
    ("document relation", "quan hệ giữa văn bản"),
    ("assignment", "phân công"),
];

/// The general Vietnamese sentence for a code, used when a message has no translation.
pub fn general(code: &str) -> &'static str {
    match code {
        "UNAUTHENTICATED" => "Cần đăng nhập",
        "FORBIDDEN" => "Không có quyền thực hiện thao tác này",
        "NOT_FOUND" => "Không tìm thấy",
        "BAD_USER_INPUT" => "Dữ liệu nhập không hợp lệ",
        "CONFLICT" => "Xung đột với dữ liệu hiện có",
        "TOO_MANY_REQUESTS" => "Quá nhiều yêu cầu; vui lòng thử lại sau",
        "SERVICE_UNAVAILABLE" => "Dịch vụ tạm thời không sẵn sàng; vui lòng thử lại sau",
        "PAYLOAD_TOO_LARGE" => "Nội dung yêu cầu quá lớn",
        "REQUEST_TIMEOUT" => "Yêu cầu xử lý quá lâu",
        "GRAPHQL_PARSE_FAILED" => "Văn bản truy vấn GraphQL sai cú pháp",
        "GRAPHQL_VALIDATION_FAILED" => "Truy vấn GraphQL không hợp lệ với lược đồ",
        "OPERATION_NOT_ALLOWED" => "Máy chủ chỉ chạy các thao tác trong danh sách cho phép",
        "BAD_REQUEST" => "Yêu cầu không hợp lệ",
        _ => "Lỗi nội bộ máy chủ",
    }
}

/// `message` (English, as written by the server) in `language`: `Some` with the translation,
/// or `None` when it has none (the caller then uses [`general`] and keeps the English text as
/// detail). English needs no translation.
pub fn translate(language: Language, message: &str) -> Option<String> {
    if language == Language::En {
        return Some(message.to_owned());
    }
    if let Some((_, vi)) = VIETNAMESE.iter().find(|(en, _)| *en == message) {
        return Some((*vi).to_owned());
    }
    if let Some(thing) = message.strip_suffix(" not found")
        && let Some((_, vi)) = THINGS.iter().find(|(en, _)| *en == thing)
    {
        return Some(format!("Không tìm thấy {vi}"));
    }
    if let Some(limit) = message.strip_prefix("request body larger than ") {
        return Some(format!("Nội dung yêu cầu lớn hơn {limit}"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_preferred_served_language_wins() {
        let pick = |h: &str| Language::from_accept_language(Some(h));
        assert_eq!(Language::from_accept_language(None), Language::En);
        assert_eq!(pick("vi"), Language::Vi);
        assert_eq!(pick("vi-VN,vi;q=0.9,en-US;q=0.8,en;q=0.7"), Language::Vi);
        assert_eq!(pick("en-US,en;q=0.9,vi;q=0.8"), Language::En);
        assert_eq!(pick("fr-FR, vi;q=0.5"), Language::Vi);
        assert_eq!(pick("fr-FR, de"), Language::En);
        assert_eq!(pick("en;q=0.2, vi;q=0.9"), Language::Vi);
        assert_eq!(pick("vi;q=0, en"), Language::En);
        assert_eq!(pick("VI"), Language::Vi);
        assert_eq!(
            pick("vi;q=abc"),
            Language::En,
            "malformed q is not acceptable"
        );
        assert_eq!(pick(""), Language::En);
    }

    #[test]
    fn messages_translate_or_fall_back_to_their_code() {
        assert_eq!(
            translate(Language::Vi, "plan not found").as_deref(),
            Some("Không tìm thấy kế hoạch")
        );
        assert_eq!(
            translate(Language::Vi, "authentication required").as_deref(),
            Some("Cần đăng nhập")
        );
        assert_eq!(translate(Language::Vi, "some new message"), None);
        assert_eq!(
            translate(Language::En, "some new message").as_deref(),
            Some("some new message")
        );
        for code in crate::error::ALL_CODES {
            assert!(!general(code).is_empty());
        }
    }
}
