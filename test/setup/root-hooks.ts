import { closeSharedDb } from '../helpers/test-db';

// Loaded before every spec file (.mocharc.json "file"): closes the shared test database at the end.
after(async () => {
  await closeSharedDb();
});
