/**
 * A call's detail is read in one snapshot: a write committed while the reads
 * run (the evaluation landing with its `evaluated` event) shows in all of
 * them or in none, never as an evaluation without its event.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';

let harness: ApiHarness;
before(async () => {
  harness = await startApiHarness();
});
after(() => harness.stop());

test('reads in a snapshot do not see what another connection commits between them', async () => {
  const count = async (db: { query: ApiHarness['db']['query'] }) =>
    Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM tenants')).rows[0]?.n);

  const [first, second, outside] = await harness.db.snapshot(async (db) => {
    const before = await count(db);
    await harness.db.query(
      "INSERT INTO tenants (id, name) VALUES ('ten_snapshot_probe', 'Snapshot probe')",
    );
    return [before, await count(db), await count(harness.db)];
  });
  assert.equal(second, first, 'the snapshot kept its view');
  assert.equal(outside, first + 1, 'the insert was committed');
  assert.equal(await count(harness.db), first + 1);
});

test('a snapshot is read-only', async () => {
  await assert.rejects(
    harness.db.snapshot((db) =>
      db.query("INSERT INTO tenants (id, name) VALUES ('ten_snapshot_write', 'No')"),
    ),
  );
  const left = await harness.db.query("SELECT 1 FROM tenants WHERE id = 'ten_snapshot_write'");
  assert.equal(left.rowCount, 0);
});
