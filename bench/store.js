// Store commit throughput: how many routed events per second SqliteStore (and ThreadedSqliteStore,
// its writes on a worker thread) can acknowledge, and the CPU each commit costs the main thread
// (event-loop busy time, from performance.eventLoopUtilization) and the process (all threads), and
// how long the event loop was held up at the worst (p99 of the event-loop delay).
// Each event commits what the router writes for it: the archived body, one finding state and two
// deliveries whose notifications carry the whole finding. The delivery side runs one of two ways:
// a worker that claims due deliveries and records each as sent (`+ delivery worker`), or, as
// `klaxon serve` does, deliveries committed already leased and recorded as sent once the commit
// has resolved, without a claim (`leased + outcomes`). Run after `npm run build`:
//   node bench/store.js [events] [quick]
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { SqliteStore } from '../packages/klaxon/dist/store/sqlite.js';
import { ThreadedSqliteStore } from '../packages/klaxon/dist/store/sqlite-threaded.js';

const adapters = {
  sqlite: (path, options) => SqliteStore.open(path, options),
  threaded: (path, options) => ThreadedSqliteStore.open(path, options),
};

const total = Number(process.argv[2] ?? 20000);
const samplesDir = new URL('../../shared/samples/guardduty/', import.meta.url);
const samples = readdirSync(samplesDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => readFileSync(new URL(name, samplesDir), 'utf8'));

function batchFor(i, leased) {
  const body = samples[i % samples.length];
  const event = JSON.parse(body);
  const now = new Date().toISOString();
  const key = `${event.detail?.arn ?? 'arn'}-${i}`;
  const finding = {
    key,
    source: 'guardduty',
    product: 'GuardDuty',
    type: event.detail?.type ?? 'x',
    title: event.detail?.title ?? 'x',
    description: event.detail?.description ?? '',
    severity: { score: event.detail?.severity ?? 5, label: 'MEDIUM' },
    account: event.account,
    region: event.region,
    partition: 'aws',
    count: 1,
    resources: [],
    sample: true,
    raw: event.detail,
    event,
  };
  const deliveries = ['hook', 'file'].map((output) => {
    const id = `n-${i}-${output}`;
    return {
      id,
      output,
      rule: 'rule-a',
      findingKey: key,
      notification: { id, kind: 'new', rule: 'rule-a', output, findings: [finding], createdAt: now },
      state: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      ...(leased ? { leasedUntil: new Date(Date.now() + 600_000).toISOString() } : {}),
      createdAt: now,
      updatedAt: now,
    };
  });
  return {
    events: [{ id: `r-${i}`, eventId: event.id, receivedAt: now, via: 'http', status: 'accepted', body }],
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
    deliveries,
  };
}

async function run(label, adapter, synchronous, inFlight, deliver) {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-bench-store-'));
  const store = await adapters[adapter](join(dir, 'bench.db'), { synchronous });
  const leased = deliver === 'leased';
  const batches = Array.from({ length: total }, (_, i) => batchFor(i, leased));
  const outcomes = [];
  let next = 0;
  let accepting = true;
  let sent = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const loopBefore = performance.eventLoopUtilization();
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (next < total) {
      const batch = batches[next++];
      await store.commit(batch);
      // serve's worker sends what it just committed, then records the outcome.
      if (leased) {
        for (const d of batch.deliveries) {
          outcomes.push(store.recordOutcome(d.id, { kind: 'sent', at: new Date().toISOString() }));
        }
      }
    }
  };
  // A delivery worker like deliver/'s: claim what is due, report each as sent.
  const deliverer = async () => {
    while (accepting || sent < total * 2) {
      const claimed = await store.claimDeliveries(new Date().toISOString(), 64, 60_000);
      if (claimed.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await Promise.all(
        claimed.map((d) =>
          store.recordOutcome(d.id, { kind: 'sent', at: new Date().toISOString(), ref: d.id }),
        ),
      );
      sent += claimed.length;
    }
  };
  const delivering = deliver === true ? deliverer() : Promise.resolve();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const acceptSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  // The CPU figures of `leased + outcomes` include every outcome; those of `+ delivery worker`
  // what the worker did while events were being accepted.
  await Promise.all(outcomes);
  const mainMs = performance.eventLoopUtilization(loopBefore).active;
  loopDelay.disable();
  const cpu = process.cpuUsage(cpuBefore);
  const processMs = (cpu.user + cpu.system) / 1000;
  accepting = false;
  await delivering;
  const stats = await store.stats();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  if (stats.events.accepted !== total) throw new Error(`lost events: ${stats.events.accepted} of ${total}`);
  if (leased && stats.deliveries.sent !== total * 2)
    throw new Error(`sent ${stats.deliveries.sent} of ${total * 2}`);
  console.log(
    `${label.padEnd(56)} ${String(Math.round(total / acceptSeconds)).padStart(6)} events/s accepted` +
      ` (${total} events, ${acceptSeconds.toFixed(2)} s);` +
      ` main thread busy ${String(Math.round((mainMs * 1000) / total)).padStart(4)} µs/event,` +
      ` process CPU ${String(Math.round((processMs * 1000) / total)).padStart(4)} µs/event;` +
      ` loop delay p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms`,
  );
}

const modes =
  process.argv[3] === 'quick'
    ? [
        ['full', 32, true],
        ['full', 32, 'leased'],
      ]
    : [
        ['full', 1, false],
        ['full', 32, false],
        ['full', 32, true],
        ['full', 32, 'leased'],
        ['normal', 1, false],
        ['normal', 32, false],
        ['normal', 32, true],
      ];
for (const [synchronous, inFlight, deliver] of modes) {
  for (const adapter of Object.keys(adapters)) {
    const side = deliver === 'leased' ? ', leased + outcomes' : deliver ? ', + delivery worker' : '';
    const label = `${adapter}, synchronous=${synchronous}, ${inFlight} in flight${side}`;
    await run(label, adapter, synchronous, inFlight, deliver);
  }
}
