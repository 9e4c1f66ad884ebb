-- A registering transaction's last statement carries its COMMIT with it (pg-database.ts), so a write that
-- did less than it must (a notification id stored meanwhile, a child's code held already) cannot be
-- noticed afterwards and rolled back: the statement itself must fail. It ends in a check of its row counts:
-- true when the count is the expected one, an error otherwise, SQLSTATE VT001 with `what` as the message
-- (write-behind.ts tells the cases apart by it).
CREATE FUNCTION vtj_expect_rows(actual bigint, expected integer, what text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF actual <> expected THEN
    RAISE EXCEPTION USING ERRCODE = 'VT001', MESSAGE = what;
  END IF;
  RETURN true;
END
$$;
