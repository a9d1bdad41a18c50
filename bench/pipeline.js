// End-to-end pipeline benchmark: `klaxon serve` (a child process, SQLite with synchronous=FULL)
// with 50 rules and a loopback webhook sink. This process posts N distinct GuardDuty findings over
// keep-alive HTTP with 32 requests in flight (undici), runs the sink, and measures:
//   accepted events/s (first POST to last 202), end-to-end latency (POST sent → sink receipt,
//   both timed by this process's clock) p50/p99, the server's peak RSS (VmHWM), and lost events
//   (acknowledged but never received by the sink).
// Run after `npm run build`:  node bench/pipeline.js [events] [inFlight] [--floor] [--rate=N]
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Pool } from 'undici';

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const total = Number(positional[0] ?? 50_000);
const inFlight = Number(positional[1] ?? 32);
// --floor: the same load against a bare relay (bench/pipeline-floor-server.js) instead of Klaxon:
// what this machine, client and sink allow at best.
const floor = process.argv.includes('--floor');
// --rate=N: open loop, event i is due at start + i/N s (still at most inFlight at once) and its
// latency counts from when it was due, so a stall is not hidden by the client waiting it out.
const rateArg = process.argv.find((a) => a.startsWith('--rate='));
const rate = rateArg === undefined ? undefined : Number(rateArg.slice('--rate='.length));
const RULES = 50;
const DRAIN_TIMEOUT_MS = 120_000;
const WARMUP = 2000;

const samplesDir = new URL('../../shared/samples/guardduty/', import.meta.url);
const samples = readdirSync(samplesDir)
  .filter((name) => name.endsWith('.json'))
  .map((name) => JSON.parse(readFileSync(new URL(name, samplesDir), 'utf8')));

/** Event i: a sample with its own event id and finding id (so every one is a new finding). */
function eventBody(i, prefix = 'bench') {
  const event = structuredClone(samples[i % samples.length]);
  event.id = `${prefix}-${i}`;
  event.detail.id = `${prefix}${i}`;
  event.detail.arn = `${String(event.detail.arn ?? 'arn:aws:guardduty:us-east-1:123456789012:detector/d').replace(/\/finding\/.*$/, '')}/finding/${prefix}${i}`;
  return JSON.stringify(event);
}

// 49 rules the matcher must evaluate on every event (finding-type families, severities, resource
// kinds, regions) but that route to an account no sample has, and one rule that takes everything.
function rulesYaml() {
  const families = [
    'Backdoor',
    'CryptoCurrency',
    'Discovery',
    'Exfiltration',
    'Impact',
    'Persistence',
    'Policy',
  ];
  const more = [
    'PrivilegeEscalation',
    'Recon',
    'Stealth',
    'Trojan',
    'UnauthorizedAccess',
    'PenTest',
    'CredentialAccess',
  ];
  const lines = [];
  for (let i = 0; i < RULES - 1; i++) {
    const family = [...families, ...more][i % 14];
    const sev = (i % 7) + 2;
    lines.push(
      `  - name: r${i}`,
      `    pattern: { source: [aws.guardduty], account: ["99999999${String(1000 + i)}"], detail: { type: [{ prefix: "${family}:" }], severity: [{ numeric: [">=", ${sev}] }] } }`,
      '    notify: [hook]',
    );
  }
  lines.push(
    '  - name: everything',
    '    pattern: { source: [aws.guardduty], detail-type: [GuardDuty Finding] }',
    '    notify: [hook]',
  );
  return lines.join('\n');
}

/** CPU seconds the process has used so far ({ user, system }), from /proc. */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    // utime and stime are fields 14 and 15 of stat(5), in clock ticks (USER_HZ 100).
    return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
  } catch {
    return null;
  }
}

/** CPU milliseconds per thread name (main, klaxon-sqlite-writer, libuv, V8 helpers…), from /proc. */
function threadCpuMs(pid) {
  const out = {};
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ms = ((Number(fields[11]) + Number(fields[12])) / 100) * 1000;
      const key = Number(tid) === pid ? 'main' : name;
      out[key] = (out[key] ?? 0) + ms;
    }
  } catch {
    return null;
  }
  return out;
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function peakRssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'klaxon-bench-pipeline-'));
  const sentAt = new Map();
  const received = new Map();
  let duplicates = 0;

  // The webhook sink: records the first receipt time of each event id (dedup by event id).
  const sink = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const now = performance.now();
      const id = JSON.parse(Buffer.concat(chunks).toString('utf8')).id;
      if (received.has(id)) duplicates++;
      else received.set(id, now);
      res.writeHead(204).end();
    });
  });
  sink.keepAliveTimeout = 60_000;
  await new Promise((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${sink.address().port}/hook`;

  const config = join(dir, 'klaxon.yaml');
  writeFileSync(
    config,
    `outputs:\n  hook: { type: webhook, url: "${sinkUrl}" }\nrules:\n${rulesYaml()}\nsettings:\n  delivery: { concurrency: 32 }\n`,
  );
  const bin = fileURLToPath(new URL('../packages/klaxon/bin/klaxon.js', import.meta.url));
  // BENCH_NODE_ARGS (e.g. --cpu-prof) is passed to the server's node, for profiling.
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const floorServer = fileURLToPath(new URL('./pipeline-floor-server.js', import.meta.url));
  const server = spawn(
    process.execPath,
    floor
      ? [...nodeArgs, floorServer, sinkUrl]
      : [...nodeArgs, bin, 'serve', '--config', config, '--db', join(dir, 'klaxon.db'), '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`klaxon serve exited with ${code}: ${out}`)));
  });
  const { hostname, port } = new URL(url);

  // undici's pool: about half the client CPU per request of node:http's, which matters because this
  // process shares the machine's two cores with the server it measures.
  const pool = new Pool(`http://${hostname}:${port}`, { connections: inFlight, pipelining: 1 });
  const post = async (body) => {
    const res = await pool.request({
      path: '/events',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: res.statusCode, body: await res.body.text() };
  };

  // Warm-up, not measured: a server that has just started compiles its hot paths, opens its
  // connections and loads its outputs during its first few hundred milliseconds; the figures are
  // about the server in service. WARMUP distinct findings are posted and delivered first.
  const warmup = Math.min(WARMUP, Math.ceil(total / 10));
  await Promise.all(
    Array.from({ length: inFlight }, async (_, lane) => {
      for (let i = lane; i < warmup; i += inFlight) await post(eventBody(i, 'warm'));
    }),
  );
  const warmDeadline = performance.now() + DRAIN_TIMEOUT_MS;
  while ([...received.keys()].filter((id) => id.startsWith('warm-')).length < warmup * 0.9) {
    if (performance.now() > warmDeadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const bodies = Array.from({ length: total }, (_, i) => eventBody(i));
  let next = 0;
  let accepted = 0;
  let refused = 0;
  let notAnnounced = 0;
  const ackedIds = [];
  const ingestLatencies = [];
  const started = performance.now();
  const benchCpuAtStart = process.cpuUsage();
  let lastAck = started;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < total) {
        const i = next++;
        if (rate !== undefined) {
          const due = started + (i * 1000) / rate;
          const wait = due - performance.now();
          if (wait > 1) await new Promise((r) => setTimeout(r, wait));
          sentAt.set(`bench-${i}`, due);
        } else sentAt.set(`bench-${i}`, performance.now());
        const { status, body } = await post(bodies[i]);
        ingestLatencies.push(performance.now() - sentAt.get(`bench-${i}`));
        if (status === 202) {
          accepted++;
          lastAck = performance.now();
          // Owed at the sink: accepted events the router decided to announce (a sample that is
          // already archived/resolved is recorded but, by design, not announced).
          if (JSON.parse(body).events[0].notifications > 0) ackedIds.push(`bench-${i}`);
          else notAnnounced++;
        } else refused++;
      }
    }),
  );
  const ingestSeconds = (lastAck - started) / 1000;

  const deadline = performance.now() + DRAIN_TIMEOUT_MS;
  while (ackedIds.some((id) => !received.has(id)) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
  }
  const drainedSeconds = (performance.now() - started) / 1000;
  const benchCpu = process.cpuUsage(benchCpuAtStart);
  const rss = peakRssMb(server.pid);
  const serverCpu = cpuSeconds(server.pid);
  const threads = threadCpuMs(server.pid);
  const latencies = ackedIds
    .filter((id) => received.has(id))
    .map((id) => received.get(id) - sentAt.get(id))
    .sort((a, b) => a - b);

  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await pool.close();
  sink.closeAllConnections();
  sink.close();
  rmSync(dir, { recursive: true, force: true });

  const result = {
    bench: floor ? 'pipeline --floor (bare relay, not Klaxon)' : 'pipeline',
    events: total,
    warmupEventsNotMeasured: Math.min(WARMUP, Math.ceil(total / 10)),
    inFlight,
    offeredPerSecond: rate ?? 'as fast as accepted',
    rules: RULES,
    durability: floor ? 'none' : 'sqlite synchronous=FULL (WAL)',
    accepted,
    refused,
    acceptedNotAnnounced: notAnnounced,
    acceptedPerSecond: Math.round(accepted / ingestSeconds),
    deliveredAllAfterSeconds: Number(drainedSeconds.toFixed(2)),
    endToEndMs: {
      p50: Number(percentile(latencies, 50)?.toFixed(1)),
      p99: Number(percentile(latencies, 99)?.toFixed(1)),
      max: Number(latencies.at(-1)?.toFixed(1)),
    },
    // POST → 202 alone (acknowledged = durably committed).
    ingestMs: (() => {
      const sorted = ingestLatencies.sort((a, b) => a - b);
      return {
        p50: Number(percentile(sorted, 50)?.toFixed(1)),
        p99: Number(percentile(sorted, 99)?.toFixed(1)),
      };
    })(),
    serverPeakRssMb: rss,
    // Load-independent cost: the server's CPU time per accepted event (ingest and delivery).
    serverCpuMsPerEvent:
      serverCpu === null
        ? null
        : Number((((serverCpu.user + serverCpu.system) * 1000) / accepted).toFixed(3)),
    serverSystemCpuMsPerEvent:
      serverCpu === null ? null : Number(((serverCpu.system * 1000) / accepted).toFixed(3)),
    // This process (client and sink) shares the two cores with the server: its CPU from the first
    // POST to the last receipt, per event, is what the server could not use.
    benchProcessCpuMsPerEvent: Number(((benchCpu.user + benchCpu.system) / 1000 / accepted).toFixed(3)),
    // Where the server's CPU went, per thread (ms per accepted event).
    serverCpuMsPerEventByThread:
      threads === null
        ? null
        : Object.fromEntries(
            Object.entries(threads)
              .filter(([, ms]) => ms > 0)
              .sort((a, b) => b[1] - a[1])
              .map(([name, ms]) => [name, Number((ms / accepted).toFixed(3))]),
          ),
    duplicatesAtSink: duplicates,
    lost: ackedIds.filter((id) => !received.has(id)).length,
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  if (result.lost > 0) process.exitCode = 1;
}

await main();
