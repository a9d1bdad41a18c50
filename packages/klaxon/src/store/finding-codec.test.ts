import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Finding } from '../findings/finding.js';
import { parseFindings } from '../findings/index.js';
import { loadedNotification, storedNotification } from './finding-codec.js';
import type { Delivery } from './ports.js';
import { SqliteStore } from './sqlite.js';
import { at, notification } from './testdata/builders.js';

const samples = fileURLToPath(new URL('../../../../../shared/samples/', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'klaxon-codec-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function sampleFindings(folder: string): Finding[] {
  const dir = join(samples, folder);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => parseFindings(JSON.parse(readFileSync(join(dir, name), 'utf8'))));
}

function deliveryOf(id: string, findings: readonly Finding[]): Delivery {
  return {
    id,
    output: 'hook',
    rule: 'rule-a',
    findingKey: findings[0]?.key ?? 'k',
    notification: { ...notification(id, { output: 'hook', rule: 'rule-a' }), findings },
    state: 'pending',
    attempts: 0,
    nextAttemptAt: at(0),
    createdAt: at(0),
    updatedAt: at(0),
  };
}

describe('stored findings', () => {
  const guardDuty = sampleFindings('guardduty');
  const securityHub = sampleFindings('securityhub');

  it('store a GuardDuty finding once, and read back exactly what was committed', async () => {
    const path = join(root, 'gd.db');
    const store = SqliteStore.open(path);
    const deliveries = guardDuty.map((f, i) => deliveryOf(`d${i}`, [f]));
    const digest = deliveryOf('digest', guardDuty.slice(0, 3));
    await store.commit({
      deliveries: [...deliveries, digest],
      groupAdds: [{ key: 'g', rule: 'rule-a', labels: {}, finding: guardDuty[0] as Finding, flushAt: at(1) }],
    });
    for (const d of [...deliveries, digest]) {
      const back = await store.getDelivery(d.id);
      expect(back?.notification).toEqual(JSON.parse(JSON.stringify(d.notification)));
      // Same key order too: the webhook sends the event as JSON, and receivers may sign or diff it.
      expect(JSON.stringify(back?.notification)).toBe(JSON.stringify(d.notification));
      // The one object again, as the parser made it.
      for (const f of back?.notification.findings ?? []) expect(f.event.detail).toBe(f.raw);
    }
    const [group] = await store.dueGroups(at(1));
    expect(group?.pending).toEqual([JSON.parse(JSON.stringify(guardDuty[0]))]);
    await store.close();

    const db = new Database(path, { readonly: true });
    const body = db
      .prepare(
        "SELECT b.notification FROM delivery_bodies b JOIN deliveries d ON d.seq = b.seq WHERE d.id = 'd0'",
      )
      .pluck()
      .get() as string;
    db.close();
    const detailText = JSON.stringify(guardDuty[0]?.raw);
    expect(body.split(detailText).length - 1).toBe(1);
  });

  it('keeps findings whose event detail is not their raw finding (Security Hub) as they are', () => {
    expect(securityHub.length).toBeGreaterThan(0);
    for (const f of securityHub) {
      const n = { ...notification('n', {}), findings: [f] };
      const stored = JSON.parse(JSON.stringify(storedNotification(n)));
      expect(stored.findings[0].eventDetailIsRaw).toBeUndefined();
      expect(loadedNotification(stored)).toEqual(JSON.parse(JSON.stringify(n)));
    }
  });

  it('reads rows written before the encoding unchanged', () => {
    const f = guardDuty[0] as Finding;
    const plain = JSON.parse(JSON.stringify({ ...notification('old', {}), findings: [f] }));
    expect(loadedNotification(structuredClone(plain))).toEqual(plain);
  });

  it('does not take the marker from event text (only the finding object carries it)', () => {
    const f = guardDuty[0] as Finding;
    const hostile = {
      ...f,
      raw: { ...(f.raw as object), eventDetailIsRaw: true },
      event: { ...f.event, eventDetailIsRaw: true, detail: { other: 1 } },
    };
    const n = { ...notification('h', {}), findings: [hostile] };
    const back = loadedNotification(JSON.parse(JSON.stringify(storedNotification(n))));
    expect(back).toEqual(JSON.parse(JSON.stringify(n)));
  });
});
