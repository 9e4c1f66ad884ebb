-- A registering transaction checked its client against `clients` row by row (the foreign key: a look-up
-- and a KEY SHARE lock of the client's row in every statement, a multixact whenever two transactions held
-- it at once), for a client the gateway had just read from that very table. Clients are never deleted (the
-- registry has no such operation; a client leaves by its cut-offs), so the key is kept by refusing deletes
-- instead: no notification can lose its client, and inserting one costs nothing more.
ALTER TABLE notifications DROP CONSTRAINT notifications_client_id_fkey;

CREATE FUNCTION refuse_client_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'clients are never deleted: % refused', TG_OP
    USING HINT = 'notifications and the audit trail name their client for as long as they are kept';
END;
$$;
CREATE TRIGGER clients_never_deleted BEFORE DELETE ON clients
  FOR EACH ROW EXECUTE FUNCTION refuse_client_delete();
