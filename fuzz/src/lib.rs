//! What the targets share: the shipped presets, and splitting one input into fields.

use madoguchi_core::{Config, Portal};
use std::sync::OnceLock;

/// The five presets as the demo configures them (parsed once per process).
pub fn presets() -> &'static [Portal] {
    static PRESETS: OnceLock<Vec<Portal>> = OnceLock::new();
    PRESETS.get_or_init(|| match Config::demo() {
        Ok(config) => config.portals,
        // The presets are checked by core's tests; a target without them would test nothing.
        Err(errors) => panic!("the demo configuration is refused: {errors}"),
    })
}

/// The preset a byte picks.
pub fn preset(selector: u8) -> &'static Portal {
    let all = presets();
    &all[usize::from(selector) % all.len()]
}

/// The input as text, cut at NUL bytes into `N` fields (missing ones empty): one input
/// drives several form fields.
pub fn fields<const N: usize>(text: &str) -> [&str; N] {
    let mut out = [""; N];
    for (slot, part) in out.iter_mut().zip(text.splitn(N, '\0')) {
        *slot = part;
    }
    out
}
