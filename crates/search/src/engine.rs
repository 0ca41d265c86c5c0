//! The index on local disk: its schema, opening (and starting over when the schema changed
//! or the files are unreadable), writing, and the commit payload that records how far the
//! change log has been applied.

use crate::text::{GramTokenizer, Grams};
use crate::{Checkpoint, Doc, Layout, SearchError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tantivy::schema::{
    Field, IndexRecordOption, NumericOptions, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::store::Compressor;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, TantivyDocument, Term};

/// Facet codes live in the low 48 bits of one `fv` value, the facet's place in the layout
/// in the high 16: one multi-valued column serves every facet's filter and count.
pub(crate) const FACET_SHIFT: u32 = 48;
pub(crate) const CODE_LIMIT: u64 = 1 << FACET_SHIFT;

/// How much the index writer may use: the follower's small batches need little; a full
/// build wants more memory and every core.
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    pub threads: usize,
    /// Bytes shared by the threads (tantivy wants at least 15 MB per thread).
    pub memory: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions { threads: 1, memory: 64 << 20 }
    }
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub key: Field,
    pub scope: Field,
    pub id: Field,
    pub uni: Field,
    pub bi: Field,
    pub fv: Field,
    pub publish_at: Field,
    pub unpublish_at: Field,
}

/// The schema of a layout. Text goes into two gram fields whatever the number of text
/// fields (a keyword matches in any of them); sort keys become `k_<name>` columns.
fn schema(layout: &Layout) -> (Schema, Fields) {
    let mut builder = Schema::builder();
    let grams = |grams: Grams, record: IndexRecordOption| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(GramTokenizer::name(grams))
                .set_index_option(record)
                // No scoring: results are ordered by a key, never by relevance.
                .set_fieldnorms(false),
        )
    };
    let fields = Fields {
        key: builder.add_text_field("key", STRING),
        scope: builder.add_text_field("scope", STRING),
        id: builder.add_text_field("id", STORED),
        uni: builder.add_text_field("uni", grams(Grams::Uni, IndexRecordOption::Basic)),
        bi: builder.add_text_field("bi", grams(Grams::Bi, IndexRecordOption::WithFreqsAndPositions)),
        fv: builder.add_u64_field("fv", NumericOptions::default().set_indexed().set_fast()),
        publish_at: builder.add_i64_field("publish_at", NumericOptions::default().set_fast()),
        unpublish_at: builder.add_i64_field("unpublish_at", NumericOptions::default().set_fast()),
    };
    for key in &layout.keys {
        builder.add_i64_field(&key_column(key), NumericOptions::default().set_fast());
    }
    // The facet names are not in the schema (their place is in the values), so a layout whose
    // facets change must change the schema all the same: a stored marker field.
    builder.add_text_field(&format!("facets:{}", layout.facets.join(",")), STORED);
    (builder.build(), fields)
}

pub(crate) fn key_column(key: &str) -> String {
    format!("k_{key}")
}

/// The index's unique term of a document.
pub(crate) fn doc_key(scope: &str, id: &str) -> String {
    format!("{scope}\u{1f}{id}")
}

pub struct Engine {
    pub(crate) layout: Layout,
    pub(crate) fields: Fields,
    pub(crate) reader: IndexReader,
    index: Index,
    writer: Mutex<IndexWriter>,
    dir: PathBuf,
}

impl Engine {
    /// Opens the index in `dir`, creating it when there is none. An index of another layout
    /// or one that cannot be opened is discarded and started anew (empty, no checkpoint): the
    /// index is a copy of the database, which the follower's rebuild restores.
    pub fn open(dir: &Path, layout: Layout, options: WriterOptions) -> Result<Engine, SearchError> {
        layout.check()?;
        let (schema, fields) = schema(&layout);
        std::fs::create_dir_all(dir).map_err(|e| SearchError::Io(dir.display().to_string(), e))?;
        let existing = match Index::open_in_dir(dir) {
            Ok(index) if index.schema() == schema => Some(index),
            Ok(_) => {
                tracing::warn!(dir = %dir.display(), "search index of another layout: starting a new one");
                None
            }
            Err(tantivy::TantivyError::OpenDirectoryError(_))
            | Err(tantivy::TantivyError::OpenReadError(tantivy::directory::error::OpenReadError::FileDoesNotExist(
                _,
            ))) => None,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "search index unreadable: starting a new one");
                None
            }
        };
        let mut index = match existing {
            Some(index) => index,
            None => {
                clear_dir(dir)?;
                Index::builder()
                    .schema(schema)
                    .settings(IndexSettings { docstore_compression: Compressor::Lz4, ..IndexSettings::default() })
                    .create_in_dir(dir)?
            }
        };
        for grams in [Grams::Uni, Grams::Bi] {
            index.tokenizers().register(GramTokenizer::name(grams), TextAnalyzer::from(GramTokenizer::new(grams)));
        }
        // A query's segments are searched on every core: the facet count walks every match.
        index.set_default_multithread_executor()?;
        let writer = match index.writer_with_num_threads(options.threads.max(1), options.memory) {
            Err(tantivy::TantivyError::LockFailure(tantivy::directory::error::LockError::LockBusy, _)) => {
                return Err(SearchError::Busy(dir.display().to_string()));
            }
            other => other?,
        };
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Engine { layout, fields, reader, index, writer: Mutex::new(writer), dir: dir.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// How far the change log is applied; None for an index never committed by a follower
    /// (new, or started anew), which needs a full build.
    pub fn checkpoint(&self) -> Result<Option<Checkpoint>, SearchError> {
        Ok(self.index.load_metas()?.payload.as_deref().and_then(Checkpoint::parse))
    }

    /// Documents in the committed index (all scopes, visible or not).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>, SearchError> {
        self.writer.lock().map_err(|_| SearchError::Poisoned)
    }

    /// Adds or replaces a document (seen by searches after the next [`Engine::commit`]).
    pub fn upsert(&self, doc: &Doc) -> Result<(), SearchError> {
        let document = self.document(doc)?;
        let writer = self.writer()?;
        writer.delete_term(Term::from_field_text(self.fields.key, &doc_key(&doc.scope, &doc.id)));
        writer.add_document(document)?;
        Ok(())
    }

    /// Adds a document known not to be in the index (a full build after [`Engine::clear`],
    /// each id once): no delete to record, which halves a build's bookkeeping.
    pub fn insert(&self, doc: &Doc) -> Result<(), SearchError> {
        let document = self.document(doc)?;
        self.writer()?.add_document(document)?;
        Ok(())
    }

    /// Removes a document, if it is there (seen after the next commit).
    pub fn delete(&self, scope: &str, id: &str) -> Result<(), SearchError> {
        self.writer()?.delete_term(Term::from_field_text(self.fields.key, &doc_key(scope, id)));
        Ok(())
    }

    /// Removes every document (a full build's first step; seen after the next commit).
    pub fn clear(&self) -> Result<(), SearchError> {
        self.writer()?.delete_all_documents()?;
        Ok(())
    }

    /// Commits what was written with the checkpoint reached, and makes it searchable here.
    pub fn commit(&self, checkpoint: &Checkpoint) -> Result<(), SearchError> {
        {
            let mut writer = self.writer()?;
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&checkpoint.payload());
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Waits for the background merges (a full build's end, so the size on disk is final).
    pub fn wait_merges(self) -> Result<(), SearchError> {
        let writer = self.writer.into_inner().map_err(|_| SearchError::Poisoned)?;
        writer.wait_merging_threads()?;
        Ok(())
    }

    fn document(&self, doc: &Doc) -> Result<TantivyDocument, SearchError> {
        let f = self.fields;
        let mut out = TantivyDocument::default();
        out.add_text(f.key, doc_key(&doc.scope, &doc.id));
        out.add_text(f.scope, &doc.scope);
        out.add_text(f.id, &doc.id);
        for text in &doc.texts {
            out.add_text(f.uni, text);
            out.add_text(f.bi, text);
        }
        for (name, codes) in &doc.facets {
            let place = self.layout.facet_place(name).ok_or_else(|| SearchError::unknown("facet", name))?;
            for &code in codes {
                if code >= CODE_LIMIT {
                    return Err(SearchError::Invalid(format!("facet {name}: code {code} is not below 2^48")));
                }
                out.add_u64(f.fv, (place << FACET_SHIFT) | code);
            }
        }
        out.add_i64(f.publish_at, doc.publish_at);
        // No end is the end of time: the visibility test is one comparison either way.
        out.add_i64(f.unpublish_at, doc.unpublish_at.unwrap_or(i64::MAX));
        let schema = self.index.schema();
        for key in &self.layout.keys {
            let value = doc.keys.get(key).ok_or_else(|| {
                SearchError::Invalid(format!("document {}/{} has no sort key {key}", doc.scope, doc.id))
            })?;
            out.add_i64(schema.get_field(&key_column(key))?, *value);
        }
        if let Some(name) = doc.keys.keys().find(|k| !self.layout.keys.contains(k)) {
            return Err(SearchError::unknown("sort key", name));
        }
        Ok(out)
    }
}

/// Empties the index folder. Only a folder that is empty or holds an index (its
/// `meta.json`) is emptied: a mistyped path never costs other files.
fn clear_dir(dir: &Path) -> Result<(), SearchError> {
    let io = |e| SearchError::Io(dir.display().to_string(), e);
    let entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(io)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>().map_err(io)?;
    if !entries.is_empty() && !dir.join("meta.json").exists() {
        return Err(SearchError::Invalid(format!(
            "{} is not empty and holds no search index: give the index a folder of its own",
            dir.display()
        )));
    }
    for path in entries {
        let removed = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
        removed.map_err(|e| SearchError::Io(path.display().to_string(), e))?;
    }
    Ok(())
}
