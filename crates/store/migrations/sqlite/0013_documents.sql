-- shaho (module asp_accounts): the manuals table also holds the 管理者用操作マニュアル and each
-- contract's document shelf (ドキュメント), so that every file the operator hands out lives in
-- one table, one backup and one download path.
--   shelf        'manuals': マニュアル照会 / the admin manual; 'documents': the document shelf.
--   admins_only  1: only an organization's 管理者 (role `admin`) may list and open it.
--   contract_id  a document of that contract's shelf; NULL: on every contract's shelf.
ALTER TABLE manuals ADD COLUMN shelf TEXT NOT NULL DEFAULT 'manuals';
ALTER TABLE manuals ADD COLUMN admins_only INTEGER NOT NULL DEFAULT 0;
ALTER TABLE manuals ADD COLUMN contract_id INTEGER REFERENCES contracts (id) ON DELETE CASCADE;
CREATE INDEX manuals_shelf ON manuals (portal, shelf, contract_id, id);
