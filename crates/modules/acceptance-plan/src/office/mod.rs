//! The reviewing office's side (the operator console): 審査一覧 and 審査 (`bureau`), its
//! decisions 補正依頼 / 認定 / 不認定 (`decide`), the 認定通知書 PDF for both sides (`notice`),
//! and a submission read back and diffed against the previous one (`submitted`).

pub mod bureau;
pub mod decide;
pub mod notice;
pub mod submitted;
