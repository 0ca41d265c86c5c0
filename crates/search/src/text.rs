//! Japanese text without a dictionary: NFKC-folded, lower-cased text cut into 1-grams and
//! 2-grams.
//!
//! Two index fields carry the grams. `uni` holds every character (no positions: a 1-character
//! query is one term lookup), `bi` every pair of neighbouring characters with its position, so
//! a query word of n ≥ 3 characters is a phrase of its pairs (every other one and the last,
//! which cover every character) and finds exactly the texts holding the word as a substring. A 2-gram-only index cannot
//! find 1-character words (求人 search for 「都」 or 「駅」), and a 1-gram phrase costs far more
//! at query time than a 2-gram one (one posting list per character instead of per pair).
//! Whitespace (ASCII and the ideographic space U+3000) separates runs: no gram spans it.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;

/// NFKC and lower case: ＡＢＣ１２３ → abc123, ｶﾀｶﾅ → カタカナ, ㈱ → (株). The index and the
/// queries both go through it, so either form finds the other.
pub fn fold(text: &str) -> String {
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// A keyword field's words: split on ASCII and ideographic spaces (and every other Unicode
/// space), folded, empty ones dropped.
pub fn words(field: &str) -> Vec<String> {
    field.split(char::is_whitespace).filter(|w| !w.is_empty()).map(fold).filter(|w| !w.is_empty()).collect()
}

/// What to look up for one folded word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WordGrams {
    /// A 1-character word: the character in the `uni` field.
    One(String),
    /// Two or more characters: their 2-grams in order, each one position after the last.
    Pairs(Vec<String>),
}

/// The grams of a folded word (None for an empty word). Folding can turn one character into
/// several (㍻ → 平成), which is why this runs on the folded text.
pub fn word_grams(word: &str) -> Option<WordGrams> {
    let chars: Vec<char> = word.chars().filter(|c| !c.is_whitespace()).collect();
    match chars.len() {
        0 => None,
        1 => Some(WordGrams::One(chars[0].to_string())),
        _ => Some(WordGrams::Pairs(chars.windows(2).map(|p| p.iter().collect()).collect())),
    }
}

/// Which grams a tokenizer emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grams {
    Uni,
    Bi,
}

/// The tokenizer of the `uni` and `bi` fields. It folds the text itself, so callers hand over
/// the stored text as it is. A token's position is its character's index in the folded
/// text, which keeps the pairs of one run at consecutive positions and puts a gap wherever
/// whitespace was.
#[derive(Debug, Clone)]
pub struct GramTokenizer {
    grams: Grams,
    tokens: Vec<Token>,
}

impl GramTokenizer {
    pub fn new(grams: Grams) -> GramTokenizer {
        GramTokenizer { grams, tokens: Vec::new() }
    }

    /// The tokenizer's name in the index schema.
    pub fn name(grams: Grams) -> &'static str {
        match grams {
            Grams::Uni => "madoguchi_uni",
            Grams::Bi => "madoguchi_bi",
        }
    }
}

pub struct GramStream<'a> {
    tokens: &'a mut [Token],
    /// How many tokens `advance` has handed out; the current one is the last of them.
    handed: usize,
    /// What `token` shows before the first `advance` (tantivy never asks then).
    blank: Token,
}

impl TokenStream for GramStream<'_> {
    fn advance(&mut self) -> bool {
        if self.handed < self.tokens.len() {
            self.handed += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        match self.handed {
            0 => &self.blank,
            n => &self.tokens[n - 1],
        }
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.handed {
            0 => &mut self.blank,
            n => &mut self.tokens[n - 1],
        }
    }
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = GramStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramStream<'a> {
        let folded: Vec<(usize, char)> = fold(text).char_indices().collect();
        // Tokens of the previous text are overwritten in place: a build tokenizes every
        // posting twice, and a fresh String per gram would be one allocation per character.
        let mut count = 0;
        let mut run_start = 0;
        // Byte offsets refer to the folded text: nothing shows them (no highlighting).
        let end_of =
            |i: usize| folded.get(i + 1).map(|(b, _)| *b).unwrap_or_else(|| folded[i].0 + folded[i].1.len_utf8());
        for i in 0..=folded.len() {
            let at_break = i == folded.len() || folded[i].1.is_whitespace();
            if !at_break {
                continue;
            }
            // The run is folded[run_start..i].
            for j in run_start..i {
                let last = match self.grams {
                    Grams::Uni => j,
                    Grams::Bi if j + 1 < i => j + 1,
                    Grams::Bi => continue,
                };
                if count == self.tokens.len() {
                    self.tokens.push(Token::default());
                }
                let token = &mut self.tokens[count];
                token.text.clear();
                for (_, c) in &folded[j..=last] {
                    token.text.push(*c);
                }
                token.offset_from = folded[j].0;
                token.offset_to = end_of(last);
                token.position = j;
                token.position_length = 1;
                count += 1;
            }
            run_start = i + 1;
        }
        // The next text of the same field continues after the end of this one (tantivy adds
        // one position): stretching the last token to one past the text's end keeps the first
        // pair of the next text at least 4 positions after this text's last pair, so a phrase
        // of pairs 2 apart (query.rs) never joins two texts.
        if count > 0 {
            let last = &mut self.tokens[count - 1];
            last.position_length = folded.len() + 1 - last.position;
        }
        GramStream { tokens: &mut self.tokens[..count], handed: 0, blank: Token::default() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grams(grams: Grams, text: &str) -> Vec<(String, usize)> {
        let mut tokenizer = GramTokenizer::new(grams);
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push((stream.token().text.clone(), stream.token().position));
        }
        out
    }

    #[test]
    fn folding_makes_full_width_and_half_width_kana_one() {
        assert_eq!(fold("ＡＢＣ１２３"), "abc123");
        assert_eq!(fold("ｹﾝｷｭｳｲﾝ"), "ケンキュウイン");
        assert_eq!(fold("Ｒｕｓｔ　研究"), "rust 研究");
    }

    #[test]
    fn words_split_on_ascii_and_ideographic_spaces() {
        assert_eq!(words(" 東京　研究員  ＡＩ "), vec!["東京", "研究員", "ai"]);
        assert!(words("　 ").is_empty());
    }

    #[test]
    fn a_word_becomes_its_character_or_its_pairs() {
        assert_eq!(word_grams("都"), Some(WordGrams::One("都".into())));
        assert_eq!(word_grams("研究員"), Some(WordGrams::Pairs(vec!["研究".into(), "究員".into()])));
        assert_eq!(word_grams(""), None);
    }

    #[test]
    fn pairs_never_span_a_space_and_keep_their_positions() {
        assert_eq!(grams(Grams::Bi, "東京 大学"), vec![("東京".into(), 0), ("大学".into(), 3)],);
        assert_eq!(grams(Grams::Uni, "ａ都"), vec![("a".into(), 0), ("都".into(), 1)],);
    }
}
