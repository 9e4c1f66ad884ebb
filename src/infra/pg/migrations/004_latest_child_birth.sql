-- A mother's latest registered child, on her own row: a death dated before it is refused, and
-- because the row is locked by every decision about her, a concurrent birth and death see each other.
ALTER TABLE persons ADD COLUMN latest_child_birth_date date;

UPDATE persons p SET latest_child_birth_date = b.latest
FROM (
  SELECT content->'mother'->>'personalIdentityCode' AS mother,
         max((content->'child'->>'birthDate')::date) AS latest
  FROM notifications WHERE kind = 'birth' AND status = 'registered'
  GROUP BY 1
) b
WHERE p.personal_identity_code = b.mother;
