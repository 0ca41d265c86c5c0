//! The one font of the reports: IPAex Gothic, vendored in `assets/fonts/` (IPA Font License
//! v1.0, text beside it) and compiled into the binary, so a fresh machine prints Japanese with
//! no font package installed (docs/OUTPUTS.md). Parsed once per process: the 6 MB face takes
//! tens of milliseconds to read, and the subset written into each PDF is made from it.

use printpdf::ParsedFont;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

const IPAEX_GOTHIC: &[u8] = include_bytes!("../../../assets/fonts/ipaexg.ttf");

/// Drawn for a character the font has no glyph for (a rare 外字 such as 𠮷 U+20BB7): the
/// geta mark 〓 that Japanese printing uses for a missing character, instead of an empty box
/// the reader might not notice. Copying the text then shows 〓 too, so the gap stays visible.
pub const MISSING: char = '〓';

pub fn ipaex_gothic() -> Option<&'static ParsedFont> {
    static FONT: OnceLock<Option<ParsedFont>> = OnceLock::new();
    FONT.get_or_init(|| ParsedFont::from_bytes(IPAEX_GOTHIC, 0, &mut Vec::new())).as_ref()
}

/// Text widths in points, from the font's advance widths (no kerning: IPAex Gothic's
/// Japanese glyphs are full-width and its Latin ones proportional without pairs that matter
/// in a table cell).
pub struct Metrics<'a> {
    font: &'a ParsedFont,
    units_per_em: f32,
    /// Per character: has the font a glyph, and its advance in font units. The font's cmap
    /// lookup walks its segments one by one (most of a report's time before this cache); a
    /// report uses a few hundred distinct characters many thousand times.
    glyphs: RefCell<HashMap<char, (bool, u16)>>,
}

impl<'a> Metrics<'a> {
    pub fn new(font: &'a ParsedFont) -> Self {
        let units_per_em = f32::from(font.font_metrics.units_per_em.max(1));
        Metrics { font, units_per_em, glyphs: RefCell::new(HashMap::new()) }
    }

    fn glyph(&self, c: char) -> (bool, u16) {
        *self.glyphs.borrow_mut().entry(c).or_insert_with(|| {
            let gid = self.font.lookup_glyph_index(u32::from(c));
            (gid.is_some(), self.font.get_horizontal_advance(gid.unwrap_or(0)))
        })
    }

    /// The character as it will be drawn: itself, or [`MISSING`] when the font lacks it.
    pub fn drawable(&self, c: char) -> char {
        if self.glyph(c).0 { c } else { MISSING }
    }

    pub fn char_width(&self, c: char, size_pt: f32) -> f32 {
        f32::from(self.glyph(c).1) / self.units_per_em * size_pt
    }

    pub fn width(&self, text: &str, size_pt: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size_pt)).sum()
    }

    /// `text` with missing glyphs replaced, shortened with 「…」 when wider than `max_pt`.
    pub fn fit(&self, text: &str, size_pt: f32, max_pt: f32) -> String {
        let text: String = text.chars().filter(|c| !c.is_control()).map(|c| self.drawable(c)).collect();
        if self.width(&text, size_pt) <= max_pt {
            return text;
        }
        let room = max_pt - self.char_width('…', size_pt);
        let mut used = 0.0;
        let mut out = String::new();
        for c in text.chars() {
            used += self.char_width(c, size_pt);
            if used > room {
                break;
            }
            out.push(c);
        }
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_shortened_with_an_ellipsis_within_the_width() {
        let Some(font) = ipaex_gothic() else { panic!("the vendored font parses") };
        let m = Metrics::new(font);
        // Full-width characters are 1 em: 10 of them at 10 pt are 100 pt wide.
        assert!((m.width("山田太郎山田太郎山田", 10.0) - 100.0).abs() < 0.5);
        assert_eq!(m.fit("山田　太郎", 10.0, 100.0), "山田　太郎");
        let short = m.fit("株式会社山田製作所東京本社経理部", 10.0, 60.0);
        assert_eq!(short, "株式会社山…");
        assert!(m.width(&short, 10.0) <= 60.0);
        // A character outside the font becomes 〓, a control character disappears.
        assert_eq!(m.fit("\u{20BB7}野\t家", 10.0, 100.0), "〓野家");
    }
}
