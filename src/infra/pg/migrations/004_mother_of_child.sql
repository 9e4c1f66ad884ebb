-- A newborn's mother, on the child's row, so that a mother's death dated before the birth of her
-- registered child can be refused. Every decision about the mother locks her row first, so a death
-- and a birth of hers arriving together see each other in the order they took the lock.
ALTER TABLE persons ADD COLUMN mother_code text;
CREATE INDEX persons_mother ON persons (mother_code) WHERE mother_code IS NOT NULL;

UPDATE persons p SET mother_code = n.content->'mother'->>'personalIdentityCode'
FROM notifications n
WHERE n.kind = 'birth' AND n.status = 'registered' AND n.child_code = p.personal_identity_code;
