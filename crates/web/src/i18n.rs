//! Page texts per language, from `locales/<lang>.toml` (embedded).

use madoguchi_core::Lang;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug)]
pub struct Tr {
    pub lang: Lang,
    texts: HashMap<String, String>,
}

impl Tr {
    fn load(lang: Lang, source: &str) -> Tr {
        // The embedded files are checked by a test; a broken file shows keys, not a crash.
        let texts = toml::from_str::<HashMap<String, String>>(source).unwrap_or_default();
        Tr { lang, texts }
    }

    pub fn for_lang(lang: Lang) -> &'static Tr {
        match lang {
            Lang::Ja => &JA,
            Lang::En => &EN,
        }
    }

    /// The text for `key`; the key itself when missing (a test keeps that from happening).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.texts.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The text for `key`, when there is one (for keys made from data, such as event names).
    pub fn find(&self, key: &str) -> Option<&str> {
        self.texts.get(key).map(String::as_str)
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.texts.keys()
    }
}

static JA: LazyLock<Tr> = LazyLock::new(|| Tr::load(Lang::Ja, include_str!("../../../locales/ja.toml")));
static EN: LazyLock<Tr> = LazyLock::new(|| Tr::load(Lang::En, include_str!("../../../locales/en.toml")));

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn both_languages_have_the_same_keys() {
        let ja: BTreeSet<_> = Tr::for_lang(Lang::Ja).keys().collect();
        let en: BTreeSet<_> = Tr::for_lang(Lang::En).keys().collect();
        assert!(ja.len() > 50, "ja.toml did not load");
        assert_eq!(ja, en);
    }
}
