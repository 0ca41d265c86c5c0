//! The application form's fields (jrec-in §1.8.3) and the institution's (§1.9), checked as
//! pure functions: each gives the value as kept or the locale key of its refusal. 氏名 and
//! メールアドレス are the account's (shown, not typed); フリガナ, 電話番号, 現所属 and the message
//! are typed, because an applicant may write them differently for each application.

use madoguchi_core::normalize;

pub const FURIGANA_MAX: usize = 50;
pub const AFFILIATION_MAX: usize = 200;
pub const MESSAGE_MAX: usize = 1_000;
pub const NOTE_MAX: usize = 2_000;
pub const NOTICE_MAX: usize = 1_000;

/// Line ends as `\n`; no other control character.
fn text(raw: &str, lines: bool) -> Result<String, &'static str> {
    let value = raw.replace("\r\n", "\n").replace('\r', "\n");
    let bad = |c: char| c.is_control() && !(lines && (c == '\n' || c == '\t'));
    if value.chars().any(bad) {
        return Err("app.err.control");
    }
    Ok(value.trim().to_string())
}

fn limited(value: String, max: usize, too_long: &'static str) -> Result<String, &'static str> {
    if value.chars().count() > max { Err(too_long) } else { Ok(value) }
}

/// フリガナ: required, one line, ≤ 50.
pub fn furigana(raw: &str) -> Result<String, &'static str> {
    let value = text(raw, false)?;
    if value.is_empty() {
        return Err("app.err.furigana_required");
    }
    limited(value, FURIGANA_MAX, "app.err.furigana_long")
}

/// 電話番号: required; digits with hyphens, spaces, parentheses or a leading `+` (full-width
/// folded), 10 to 15 digits (a Japanese number has 10 or 11, one from abroad up to 15).
pub fn phone(raw: &str) -> Result<String, &'static str> {
    let value = normalize::fold(raw).trim().to_string();
    if value.is_empty() {
        return Err("app.err.phone_required");
    }
    let allowed = |(i, c): (usize, char)| c.is_ascii_digit() || "-() ".contains(c) || (i == 0 && c == '+');
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if !value.chars().enumerate().all(allowed) || !(10..=15).contains(&digits) {
        return Err("app.err.phone");
    }
    Ok(value)
}

/// 現所属: optional, one line, ≤ 200.
pub fn affiliation(raw: &str) -> Result<String, &'static str> {
    limited(text(raw, false)?, AFFILIATION_MAX, "app.err.affiliation_long")
}

/// The message to the institution: optional, ≤ 1,000.
pub fn message(raw: &str) -> Result<String, &'static str> {
    limited(text(raw, true)?, MESSAGE_MAX, "app.err.message_long")
}

/// 求人機関備考: optional, ≤ 2,000; never shown or mailed to the applicant.
pub fn note(raw: &str) -> Result<String, &'static str> {
    limited(text(raw, true)?, NOTE_MAX, "app.err.note_long")
}

/// The 通知文 that goes with a status mail: optional, ≤ 1,000.
pub fn notice(raw: &str) -> Result<String, &'static str> {
    limited(text(raw, true)?, NOTICE_MAX, "app.err.notice_long")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_numbers() {
        assert_eq!(phone("03-1234-5678"), Ok("03-1234-5678".into()));
        assert_eq!(phone("０９０（１２３４）５６７８"), Ok("090(1234)5678".into()));
        assert_eq!(phone("+81 3 1234 5678"), Ok("+81 3 1234 5678".into()));
        assert_eq!(phone(""), Err("app.err.phone_required"));
        assert_eq!(phone("03-1234"), Err("app.err.phone"));
        assert_eq!(phone("03-1234-5678 内線"), Err("app.err.phone"));
        assert_eq!(phone("3+03-1234-5678"), Err("app.err.phone"));
    }

    #[test]
    fn texts_and_their_limits() {
        assert_eq!(furigana("  ヤマダ タロウ "), Ok("ヤマダ タロウ".into()));
        assert_eq!(furigana(""), Err("app.err.furigana_required"));
        assert_eq!(furigana("ア\nイ"), Err("app.err.control"));
        assert_eq!(furigana(&"ア".repeat(51)), Err("app.err.furigana_long"));
        assert_eq!(affiliation(&"あ".repeat(200)).map(|s| s.chars().count()), Ok(200));
        assert_eq!(affiliation(&"あ".repeat(201)), Err("app.err.affiliation_long"));
        assert_eq!(message("よろしく\r\nお願いします"), Ok("よろしく\nお願いします".into()));
        assert_eq!(message("\u{7}"), Err("app.err.control"));
        assert_eq!(message(&"あ".repeat(1001)), Err("app.err.message_long"));
        assert_eq!(note(&"あ".repeat(2000)).map(|s| s.chars().count()), Ok(2000));
        assert_eq!(note(&"あ".repeat(2001)), Err("app.err.note_long"));
        assert_eq!(notice(&"あ".repeat(1001)), Err("app.err.notice_long"));
    }
}
