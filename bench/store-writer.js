// What the SQLite writer spends per accepted event, by statement kind, on one thread and without
// the store's promises or threads around it: serve's write pattern (one archived event, one
// finding state, one delivery committed already leased; then the delivery's `sent` outcome in the
// next transaction), 32 events per transaction, synchronous=FULL. Also prints the WAL frames
// (4 KiB pages) written per event, a figure that does not depend on the machine's load: every
// B-tree page a transaction touches is one frame, written now and copied again at checkpoint.
// Ids are random like serve's (UUIDs, hashes). Run after `npm run build`:
//   node bench/store-writer.js [events] [full|normal]
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commitRows, outcomeChange } from '../packages/klaxon/dist/store/rows.js';
import { openWriteConnection } from '../packages/klaxon/dist/store/sqlite-connection.js';
import { writeOps } from '../packages/klaxon/dist/store/sqlite-writes.js';

const total = Number(process.argv[2] ?? 5000);
const synchronous = process.argv[3] ?? 'full';
const PER_TRANSACTION = 32;
const samplesDir = new URL('../../shared/samples/guardduty/', import.meta.url);
const samples = readdirSync(samplesDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => readFileSync(new URL(name, samplesDir), 'utf8'));

const dir = mkdtempSync(join(tmpdir(), 'klaxon-bench-writer-'));
const db = openWriteConnection(join(dir, 'bench.db'), { busyTimeoutMs: 5000, synchronous });
// No checkpoint: at the end the WAL holds every frame written.
db.pragma('wal_autocheckpoint = 0');
const ops = writeOps(db);

const now = new Date().toISOString();
const leasedUntil = new Date(Date.now() + 600_000).toISOString();
const rows = Array.from({ length: total }, (_, i) => {
  const body = samples[i % samples.length];
  const event = JSON.parse(body);
  const key = randomUUID();
  const id = randomUUID().replaceAll('-', '');
  const finding = {
    key,
    source: 'guardduty',
    title: 'x',
    severity: { score: 5, label: 'MEDIUM' },
    raw: event.detail,
    event,
  };
  return commitRows({
    events: [{ id: randomUUID(), eventId: event.id, receivedAt: now, via: 'http', status: 'accepted', body }],
    states: [
      {
        rule: 'rule-a',
        key,
        firstNotifiedAt: now,
        lastNotifiedAt: now,
        lastSeenAt: now,
        severity: finding.severity,
        count: 1,
        lastKind: 'new',
        notifications: 1,
      },
    ],
    deliveries: [
      {
        id,
        output: 'hook',
        rule: 'rule-a',
        findingKey: key,
        notification: {
          id,
          kind: 'new',
          rule: 'rule-a',
          output: 'hook',
          findings: [finding],
          createdAt: now,
        },
        state: 'pending',
        attempts: 0,
        nextAttemptAt: now,
        leasedUntil,
        createdAt: now,
        updatedAt: now,
      },
    ],
  });
});
const sent = outcomeChange({ kind: 'sent', at: now });
const none = { events: [], states: [], deliveries: [], groupAdds: [], audit: [] };
const kinds = {
  events: (r) => ops.commit({ ...none, events: r.events }),
  states: (r) => ops.commit({ ...none, states: r.states }),
  deliveries: (r) => ops.commit({ ...none, deliveries: r.deliveries }),
};
const spent = { events: 0, states: 0, deliveries: 0, outcomes: 0, commits: 0 };
const timed = (kind, work) => {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  spent[kind] += used.user + used.system;
};
for (let start = 0; start < total; start += PER_TRANSACTION) {
  const group = rows.slice(start, start + PER_TRANSACTION);
  db.exec('BEGIN IMMEDIATE');
  for (const [kind, write] of Object.entries(kinds)) timed(kind, () => group.forEach(write));
  timed('commits', () => db.exec('COMMIT'));
  db.exec('BEGIN IMMEDIATE');
  timed('outcomes', () => {
    for (const r of group) ops.recordOutcome(r.deliveries[0].id, sent);
  });
  timed('commits', () => db.exec('COMMIT'));
}
const frames = db.pragma('wal_checkpoint(PASSIVE)')[0].log;
db.close();
rmSync(dir, { recursive: true, force: true });
const perEvent = (us) => (us / total).toFixed(1);
const sum = Object.values(spent).reduce((a, b) => a + b, 0);
console.log(
  `synchronous=${synchronous}, ${total} events: CPU µs/event ${Object.entries(spent)
    .map(([kind, us]) => `${kind} ${perEvent(us)}`)
    .join(', ')}, total ${perEvent(sum)}; WAL frames/event ${(frames / total).toFixed(2)}`,
);
