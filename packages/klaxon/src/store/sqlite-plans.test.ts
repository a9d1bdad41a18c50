import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from './sqlite.js';
import { archivedEvent, delivery, findingState } from './testdata/builders.js';

/*
 * The query plan of every statement the SQLite store prepares, read with EXPLAIN QUERY PLAN on a
 * file without statistics (as Klaxon runs: it never runs ANALYZE). An index dropped or changed,
 * or a query rewritten so that SQLite can no longer use one, turns a seek or an ordered walk into
 * a full scan or a sort of a table that grows with traffic; this test fails instead.
 */

/** Tables that stay small (a handful of rows): scanning and sorting them is fine. */
const SMALL = ['silences', 'row_counts'];

const root = mkdtempSync(join(tmpdir(), 'klaxon-plans-'));
const prepared = new Set<string>();
let store: SqliteStore;
let db: Database.Database;

beforeAll(async () => {
  const path = join(root, 'klaxon.db');
  // Every statement the store prepares, on whichever connection: what the plans are checked for.
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (this: Database.Database, source: string) {
    prepared.add(source);
    return prepare.call(this, source);
  } as typeof prepare;
  try {
    store = SqliteStore.open(path);
    await store.commit({
      events: [archivedEvent('e1'), archivedEvent('e2', { status: 'rejected', reason: 'bad' })],
      states: [findingState('rule-a', 'k1')],
      deliveries: [delivery('d1'), delivery('d2')],
    });
    // The listing statements are prepared on first use, one per state and cursor.
    for (const state of [undefined, 'pending', 'sent', 'dead'] as const) {
      for (const after of [undefined, 'd1']) {
        await store.listDeliveries({
          ...(state === undefined ? {} : { state }),
          ...(after === undefined ? {} : { after }),
        });
      }
    }
  } finally {
    Database.prototype.prepare = prepare;
  }
  db = new Database(path);
});

afterAll(async () => {
  db?.close();
  await store?.close();
  rmSync(root, { recursive: true, force: true });
});

function planOf(source: string): string[] {
  const explain = db.prepare(`EXPLAIN QUERY PLAN ${source}`);
  // Every parameter bound to NULL: the plan does not depend on the values (no statistics).
  const named = Object.fromEntries([...source.matchAll(/@(\w+)/g)].map((m) => [m[1], null]));
  const positional = [...source.matchAll(/\?/g)].map(() => null);
  const rows = (Object.keys(named).length > 0 ? explain.all(named) : explain.all(...positional)) as {
    detail: string;
  }[];
  return rows.map((row) => row.detail);
}

function planFor(fragment: string): string[] {
  const matches = [...prepared].filter((source) => source.includes(fragment));
  expect(matches, `one prepared statement containing ${fragment}`).toHaveLength(1);
  return planOf(matches[0] as string);
}

describe('SQLite query plans', () => {
  it('prepares the statements this test checks', () => {
    expect(prepared.size).toBeGreaterThan(30);
  });

  it('never scans or sorts a table that grows with traffic without an index', () => {
    const bad: string[] = [];
    for (const source of prepared) {
      const plan = planOf(source);
      // A subquery's rows (a co-routine) are scanned as they come: that is not a table scan.
      const coroutines = plan.flatMap((step) => /^CO-ROUTINE (\w+)$/.exec(step)?.[1] ?? []);
      const small = [...SMALL, ...coroutines];
      for (const step of plan) {
        const scanned = /^SCAN (\w+)$/.exec(step)?.[1];
        if (scanned !== undefined && !small.includes(scanned)) bad.push(`${step} in: ${source}`);
        if (/TEMP B-TREE/.test(step) && !SMALL.some((table) => source.includes(`FROM ${table} `))) {
          bad.push(`${step} in: ${source}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });

  it('claims and records outcomes through indexes', () => {
    expect(
      planFor("INDEXED BY deliveries_due WHERE state = 'pending' AND claimable_ms <= @now LIMIT 1"),
    ).toEqual(['SEARCH deliveries USING COVERING INDEX deliveries_due (claimable_ms<?)']);
    expect(planFor('UPDATE deliveries SET state = @state, attempts = attempts + 1')).toEqual([
      'SEARCH deliveries USING INDEX sqlite_autoindex_deliveries_1 (id=?)',
    ]);
  });

  it('lists the rare states and statuses through their own partial indexes', () => {
    expect(planFor("d.state = 'dead' ORDER BY")).toContain('SCAN d USING INDEX deliveries_dead');
    expect(planFor("d.state = 'pending' ORDER BY")).toContain('SCAN d USING INDEX deliveries_pending');
    expect(planFor("d.state = 'dead' AND (d.created_ms, d.id) > (@created_ms, @id)")).toContain(
      'SEARCH d USING INDEX deliveries_dead ((created_ms,id)>(?,?))',
    );
    expect(planFor("WHERE status = 'rejected'")).toEqual(['SCAN events USING INDEX events_rejected']);
  });

  it('lists the common ones, and everything, walking the time indexes', () => {
    expect(planFor('d.state = @state ORDER BY')).toContain('SCAN d USING INDEX deliveries_by_created');
    expect(planFor('WHERE status = ? ORDER BY')).toEqual(['SCAN events USING INDEX events_by_time']);
    expect(planFor('SELECT * FROM events ORDER BY')).toEqual(['SCAN events USING INDEX events_by_time']);
  });

  it('prunes sent deliveries through the creation-time index', () => {
    expect(planFor("WHERE state = 'sent' AND created_ms < @cutoff")).toContain(
      'SEARCH deliveries USING INDEX deliveries_by_created (created_ms<?)',
    );
  });
});
