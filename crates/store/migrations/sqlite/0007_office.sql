-- hellowork: the office in charge of an employer (管轄安定所), shown on its home screen.
-- Empty where the portal has no such office.
ALTER TABLE organizations ADD COLUMN office TEXT NOT NULL DEFAULT '';
