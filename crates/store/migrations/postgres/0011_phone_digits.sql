-- Phone numbers are stored as their digits and shown hyphenated (core/src/phone.rs). Before,
-- an organization's phone kept the hyphens as typed (only digits and '-' passed the check);
-- shaho's contract phones were digits already.
UPDATE organizations SET phone = REPLACE(phone, '-', '') WHERE phone <> '';
