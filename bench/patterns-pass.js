// A worker of `npm run bench:patterns` that holds one rule set: it reads the data, compiles the
// rules and warms up, then times the ranges of events its parent asks for, one at a time. The
// parent starts one worker per rule set and hands out short ranges to each in turn, so that every
// set is measured in a process of its own (the JIT compiles the matcher for that set alone, as it
// does where Klaxon runs one rule set) and all sets are measured at the same moments (a burst of
// load from another job on the machine slows every set alike, not one set's whole pass).
//
//   node bench/patterns-pass.js --data FILE.jsonl[.gz] --rules FILE.json [--events N]
//
// Started with an IPC channel (child_process.fork). It sends {ready: <event count>} once warmed up;
// each message {from, to} is answered with
// {seconds, cpuSeconds, eventsMatched, matches} for events [from, to); {stop: true} ends it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readEvents } from './patterns-data.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: args } = parseArgs({
  options: { data: { type: 'string' }, rules: { type: 'string' }, events: { type: 'string' } },
});
if (args.data === undefined || args.rules === undefined || process.send === undefined) {
  process.stderr.write(
    'usage (from child_process.fork): node bench/patterns-pass.js --data FILE --rules FILE [--events N]\n',
  );
  process.exit(2);
}
const dist = join(root, 'packages/klaxon/dist/patterns/index.js');
if (!existsSync(dist)) {
  process.stderr.write(`${dist} is missing: run 'npm run build' first\n`);
  process.exit(2);
}
const { PatternMatcher } = await import(pathToFileURL(dist).href);

const events = readEvents(args.data, args.events === undefined ? undefined : Number(args.events));
const matcher = new PatternMatcher({ maxLength: 4096 });
for (const [name, pattern] of Object.entries(JSON.parse(readFileSync(args.rules, 'utf8'))))
  matcher.add(name, pattern);
// Warm-up, so the JIT has compiled the hot path before the clock starts.
for (let i = 0; i < Math.min(20_000, events.length); i++) matcher.match(events[i]);

process.on('message', (message) => {
  if (message.stop === true) {
    process.disconnect();
    return;
  }
  const { from, to } = message;
  let matches = 0;
  let eventsMatched = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = from; i < to; i++) {
    const names = matcher.match(events[i]);
    if (names.length > 0) {
      eventsMatched++;
      matches += names.length;
    }
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  process.send({ seconds, cpuSeconds: (used.user + used.system) / 1e6, eventsMatched, matches });
});
process.send({ ready: events.length });
