-- The Files platform block (modules README §0.4, docs/FILES.md): every file a user uploads to
-- a module (a Web応募 document, a plan's attachment, a 募集要項PDF) in one table, in the same
-- backup as the rows that name it. The module's own row points here by id; this table says
-- whose file it is, not what it is for beyond `purpose`.
--   owner_organization_id  the organization that may read it (its admin sees its downloads in
--                          the audit log); NULL for a file of nobody's organization.
--   owner_user_id          the account that uploaded it; kept NULL when that account is gone
--                          (an applicant's 退会 leaves the application with the institution).
--   purpose                the module's kind of file (`application`, `plan.attachment.3`, …).
--   name                   the uploaded name, cleaned (core::files::file_name).
--   media_type             decided by the content (core::files::MediaType), never the name.
--   sha256                 hex SHA-256 of the content: the ZIP index, ETag and integrity check.
-- A list or a ZIP index reads the metadata only; `content` is read one file at a time.
CREATE TABLE files (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    owner_organization_id BIGINT REFERENCES organizations (id) ON DELETE CASCADE,
    owner_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    purpose TEXT NOT NULL,
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX files_owner ON files (portal, owner_organization_id, id);
CREATE INDEX files_user ON files (owner_user_id);
