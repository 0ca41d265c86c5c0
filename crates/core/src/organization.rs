//! An organization's registered data (登録情報), as the operator edits it and the employer
//! reads it on 登録情報確認. Parsed here, once: a handler gets a `Profile` or the rules broken.

use crate::normalize::fold;

/// 機関種別 (JREC-IN's kinds of institution), as locale keys `org.kind.<key>`.
pub const KINDS: [&str; 5] = ["university", "college", "public_research", "company", "other"];

pub const NAME_MAX: usize = 100;
pub const DEPARTMENT_MAX: usize = 100;
pub const ADDRESS_MAX: usize = 200;

/// The fields as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileInput {
    pub name: String,
    pub kind: String,
    pub department: String,
    pub postal_code: String,
    pub address: String,
    pub phone: String,
}

/// The fields checked and normalized: names trimmed, numbers folded to half-width.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    /// One of [`KINDS`], or empty (not given).
    pub kind: String,
    pub department: String,
    /// `NNN-NNNN`, or empty.
    pub postal_code: String,
    pub address: String,
    /// The digits of a Japanese number in use ([`crate::phone`]), or empty; shown with
    /// [`crate::phone::hyphenated`].
    pub phone: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    Required,
    TooLong { max: usize },
    UnknownKind,
    PostalCode,
    Phone,
}

/// One broken rule and the field it belongs to (the form's field name).
pub type Broken = (&'static str, Rule);

/// A single line of text: line breaks, tabs and other control characters turned into
/// spaces, then trimmed (in this order, so that a trailing control character leaves no
/// trailing space and the stored text reads back as itself).
fn line(raw: &str) -> String {
    let spaced: String = raw.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    spaced.trim().to_string()
}

fn check_len(field: &'static str, value: &str, max: usize, broken: &mut Vec<Broken>) {
    if value.chars().count() > max {
        broken.push((field, Rule::TooLong { max }));
    }
}

fn postal_code(raw: &str) -> Result<String, Rule> {
    let folded: String = fold(raw).chars().filter(|c| !c.is_whitespace()).collect();
    if folded.is_empty() {
        return Ok(folded);
    }
    let digits: String = folded.chars().filter(char::is_ascii_digit).collect();
    let shape_ok = folded.chars().all(|c| c.is_ascii_digit() || c == '-')
        && (folded.len() == 7 || (folded.len() == 8 && folded.find('-') == Some(3)));
    if digits.len() == 7 && shape_ok { Ok(format!("{}-{}", &digits[..3], &digits[3..])) } else { Err(Rule::PostalCode) }
}

fn phone(raw: &str) -> Result<String, Rule> {
    if fold(raw).trim().is_empty() {
        return Ok(String::new());
    }
    crate::phone::parse(raw).ok_or(Rule::Phone)
}

/// Every rule is checked, so the form can show all messages at once.
pub fn parse(input: &ProfileInput) -> Result<Profile, Vec<Broken>> {
    let mut broken = Vec::new();
    let name = line(&input.name);
    if name.is_empty() {
        broken.push(("name", Rule::Required));
    }
    check_len("name", &name, NAME_MAX, &mut broken);
    let kind = input.kind.trim().to_string();
    if !kind.is_empty() && !KINDS.contains(&kind.as_str()) {
        broken.push(("kind", Rule::UnknownKind));
    }
    let department = line(&input.department);
    check_len("department", &department, DEPARTMENT_MAX, &mut broken);
    let address = line(&input.address);
    check_len("address", &address, ADDRESS_MAX, &mut broken);
    let postal_code = postal_code(&input.postal_code).unwrap_or_else(|rule| {
        broken.push(("postal_code", rule));
        String::new()
    });
    let phone = phone(&input.phone).unwrap_or_else(|rule| {
        broken.push(("phone", rule));
        String::new()
    });
    if broken.is_empty() { Ok(Profile { name, kind, department, postal_code, address, phone }) } else { Err(broken) }
}

/// What changed, field by field (`field: "old" → "new"`), for the audit log.
pub fn changes(old: &Profile, new: &Profile) -> Vec<String> {
    let pairs = [
        ("name", &old.name, &new.name),
        ("kind", &old.kind, &new.kind),
        ("department", &old.department, &new.department),
        ("postal_code", &old.postal_code, &new.postal_code),
        ("address", &old.address, &new.address),
        ("phone", &old.phone, &new.phone),
    ];
    pairs.iter().filter(|(_, a, b)| a != b).map(|(field, a, b)| format!("{field}: \"{a}\" → \"{b}\"")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str, postal: &str, phone: &str) -> ProfileInput {
        ProfileInput { name: name.into(), postal_code: postal.into(), phone: phone.into(), ..ProfileInput::default() }
    }

    /// Found by fuzz/fuzz_targets/organization.rs: ")\u{e}" was stored as ") ", which the
    /// next save changed again.
    #[test]
    fn control_characters_at_the_ends_leave_no_space() {
        let p = parse(&input(")\u{e}", "", "")).unwrap();
        assert_eq!(p.name, ")");
        assert_eq!(parse(&input(&p.name, "", "")).unwrap(), p);
        assert_eq!(line("\u{1}\t名前\r\n"), "名前");
        assert_eq!(line("a\tb"), "a b");
    }

    #[test]
    fn full_width_numbers_fold() {
        let p = parse(&input(" 国立窓口大学 ", "１００－０００１", "０３－１２３４－５６７８")).unwrap();
        assert_eq!(p.name, "国立窓口大学");
        assert_eq!(p.postal_code, "100-0001");
        assert_eq!(p.phone, "0312345678", "stored as digits");
        assert_eq!(parse(&input("x", "1000001", "")).unwrap().postal_code, "100-0001");
    }

    /// Issue 14 items 19 and 20: 〜 between digits, parenthesized area codes, and the
    /// numbering plan's lengths.
    #[test]
    fn phones_and_postal_codes_as_people_type_them() {
        let p = parse(&input("x", "100〜0001", "（０３）１２３４－５６７８")).unwrap();
        assert_eq!((p.postal_code.as_str(), p.phone.as_str()), ("100-0001", "0312345678"));
        assert_eq!(parse(&input("x", "", "06〜5555〜6666")).unwrap().phone, "0655556666");
        for bad in ["0120-123-4567", "090-123-4567"] {
            assert_eq!(parse(&input("x", "", bad)).unwrap_err(), vec![("phone", Rule::Phone)], "{bad}");
        }
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let mut bad = input("", "12-34567", "1234");
        bad.kind = "castle".into();
        bad.address = "あ".repeat(201);
        let broken = parse(&bad).unwrap_err();
        assert_eq!(
            broken,
            vec![
                ("name", Rule::Required),
                ("kind", Rule::UnknownKind),
                ("address", Rule::TooLong { max: 200 }),
                ("postal_code", Rule::PostalCode),
                ("phone", Rule::Phone)
            ]
        );
    }

    #[test]
    fn changes_name_the_fields() {
        let old = Profile { name: "A".into(), ..Profile::default() };
        let new = Profile { name: "B".into(), phone: "0312345678".into(), ..Profile::default() };
        assert_eq!(changes(&old, &new), vec!["name: \"A\" → \"B\"", "phone: \"\" → \"0312345678\""]);
    }
}
