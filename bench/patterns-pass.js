// One timed pass of Klaxon's PatternMatcher over a data file, for `npm run bench:patterns`, which
// runs this script once per rule set per pass so that every set is measured in a process of its
// own: the JIT then compiles the matcher for that set alone, as it does where Klaxon runs one rule
// set, instead of for every set the benchmark has run before. Prints one JSON line on stdout.
//
//   node bench/patterns-pass.js --data FILE.jsonl[.gz] --rules FILE.json [--events N]
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readEvents } from './patterns-data.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values: args } = parseArgs({
  options: { data: { type: 'string' }, rules: { type: 'string' }, events: { type: 'string' } },
});
if (args.data === undefined || args.rules === undefined) {
  process.stderr.write('usage: node bench/patterns-pass.js --data FILE --rules FILE [--events N]\n');
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

let matches = 0;
let eventsMatched = 0;
const cpu = process.cpuUsage();
const start = process.hrtime.bigint();
for (let i = 0; i < events.length; i++) {
  const names = matcher.match(events[i]);
  if (names.length > 0) {
    eventsMatched++;
    matches += names.length;
  }
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const used = process.cpuUsage(cpu);
process.stdout.write(
  `${JSON.stringify({ seconds, cpuSeconds: (used.user + used.system) / 1e6, eventsMatched, matches })}\n`,
);
