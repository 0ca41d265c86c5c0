//! The operator's PDF uploads (マニュアル管理, the contracts' ドキュメント): the checks every
//! such upload passes, in the console's words. The form is read by the kit
//! (`madoguchi_web::files::uploads`, the file cut at the limit); the file's kind and name are the
//! Files block's rules (`madoguchi_core::files`): a file is taken only when it is a PDF by its
//! first bytes (`%PDF-`, whatever its name or declared type says) and no larger than
//! `server.manual_max_bytes`, under its cleaned name ending in `.pdf`.

use madoguchi_core::files::{Accept, FileError};
use madoguchi_web::ctx::Ctx;
use madoguchi_web::files::uploads::Upload;
use madoguchi_web::forms::FieldErrors;

pub const TITLE_MAX: usize = 100;

/// The title, trimmed, with its error where it is empty or too long.
pub fn title(upload: &Upload, ctx: &Ctx, errors: &mut FieldErrors) -> String {
    let title = upload.text("title").trim().to_string();
    if title.is_empty() {
        errors.add("title", ctx.t.get("op.manuals.err_title"));
    } else if title.chars().count() > TITLE_MAX {
        errors.add("title", ctx.t.get("op.manuals.err_title_long"));
    }
    title
}

/// The file as (its clean name, its bytes) if it is a PDF within `max` bytes; else its error.
/// `fallback` names a file sent without a usable name (the document's title).
pub fn pdf(
    mut upload: Upload,
    max: usize,
    fallback: &str,
    ctx: &Ctx,
    errors: &mut FieldErrors,
) -> Option<(String, Vec<u8>)> {
    let accept = Accept::pdf(u64::try_from(max).unwrap_or(u64::MAX));
    match upload.check(&accept, fallback) {
        Ok((accepted, _)) => return upload.take_file().map(|(_, bytes)| (accepted.name, bytes)),
        Err(FileError::TooLarge { .. }) => {
            let limit = madoguchi_web::files::human_size(i64::try_from(max).unwrap_or(i64::MAX));
            errors.add("file", &ctx.t.get("op.manuals.err_large").replace("{max}", &limit));
        }
        Err(FileError::WrongType { .. }) => errors.add("file", ctx.t.get("op.manuals.err_not_pdf")),
        Err(FileError::Missing) => errors.add("file", ctx.t.get("op.manuals.err_file")),
    }
    None
}
