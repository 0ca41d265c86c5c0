-- マニュアル照会 (rokin): PDFs the operator uploads and the portal's users read and download.
-- The files live in the database, not in the data folder: they are small (a limit applies),
-- they go into the same backup as everything else, and several instances on one PostgreSQL
-- serve them without a shared disk.
CREATE TABLE manuals (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    portal TEXT NOT NULL,
    title TEXT NOT NULL,
    -- The uploaded file's own name (Japanese allowed), offered again on download.
    file_name TEXT NOT NULL,
    size BIGINT NOT NULL,
    -- Hex SHA-256 of the content: shown to the operator, and the download's ETag.
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_at BIGINT NOT NULL,
    -- `operator:<id>`, as in the audit log.
    uploaded_by TEXT NOT NULL
);
CREATE INDEX manuals_portal ON manuals (portal, id);
