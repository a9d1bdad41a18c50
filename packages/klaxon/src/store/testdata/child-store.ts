import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * Runs SqliteStore (or ThreadedSqliteStore) in another OS process, for the tests that need a
 * second process (visibility, concurrent claimers, kill -9). The store's source is transpiled with
 * the TypeScript compiler into `dir`, so the test does not depend on a fresh `dist/` build (the
 * writer thread's entry is transpiled too, and found next to the threaded store).
 */

/** Which adapter the child opens. */
export type ChildAdapter = 'sqlite' | 'threaded';

const SOURCES = [
  'errors.ts',
  'store/errors.ts',
  'store/finding-codec.ts',
  'store/ports.ts',
  'store/rows.ts',
  'store/sqlite.ts',
  'store/sqlite-connection.ts',
  'store/sqlite-store-base.ts',
  'store/sqlite-writes.ts',
  'store/sqlite-threaded.ts',
  'store/sqlite-thread-main.ts',
  'store/sqlite-thread-protocol.ts',
  'store/sqlite-migrations.ts',
];

// The child's commands. Each prints one JSON line per result so the parent can follow along.
const CHILD_SCRIPT = `
import { SqliteStore } from './store/sqlite.js';
import { ThreadedSqliteStore } from './store/sqlite-threaded.js';
const [command, path, ...args] = process.argv.slice(2);
const options = { busyTimeoutMs: 10000 };
const store =
  process.env.CHILD_STORE === 'threaded'
    ? await ThreadedSqliteStore.open(path, options)
    : SqliteStore.open(path, options);
const print = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
if (command === 'stats') {
  print({ stats: await store.stats(), deliveries: (await store.listDeliveries({})).map((d) => d.id) });
} else if (command === 'claim') {
  // Waits for the common start time (so the claimers really overlap), claims until nothing is
  // due, then reports every id it got.
  const [now, limit, startAt] = [args[0], Number(args[1]), Number(args[2] ?? 0)];
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const got = [];
  for (;;) {
    const batch = await store.claimDeliveries(now, limit, 3600000);
    if (batch.length === 0) break;
    for (const d of batch) got.push(d.id);
    // A worker sends between claims; without this pause one process could hold the lock throughout.
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  print({ claimed: got });
} else if (command === 'commit') {
  // Commits events one by one and prints each acknowledgement, until killed.
  const [prefix, count] = [args[0], Number(args[1])];
  for (let i = 0; i < count; i++) {
    const id = prefix + '-' + i;
    await store.commit({ events: [{ id, receivedAt: new Date().toISOString(), via: 'http', status: 'accepted', body: '{}' }] });
    print({ acked: id });
  }
} else {
  throw new Error('unknown command ' + command);
}
await store.close();
`;

/** Transpiles the store into `dir` and returns the path of the child entry point. */
export function buildChildStore(dir: string): string {
  const src = fileURLToPath(new URL('../../', import.meta.url));
  for (const file of SOURCES) {
    const output = ts.transpileModule(readFileSync(join(src, file), 'utf8'), {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
      fileName: file,
    }).outputText;
    const target = join(dir, file.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, output);
  }
  const require = createRequire(import.meta.url);
  const nodeModules = dirname(dirname(require.resolve('better-sqlite3/package.json')));
  symlinkSync(nodeModules, join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const entry = join(dir, 'child.js');
  writeFileSync(entry, CHILD_SCRIPT);
  return entry;
}

/** Runs the child to completion and returns its JSON lines; rejects on a non-zero exit. */
export function runChild(
  entry: string,
  args: readonly string[],
  adapter: ChildAdapter = 'sqlite',
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(adapter),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`child exited with ${code}: ${err}`));
      else resolve(parseLines(out));
    });
  });
}

/** Starts the child's `commit` loop and kills it with SIGKILL after `acks` acknowledgements. */
export function commitUntilKilled(
  entry: string,
  path: string,
  acks: number,
  adapter: ChildAdapter = 'sqlite',
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, 'commit', path, 'k', '1000000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: childEnv(adapter),
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.split('\n').length > acks) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child was not killed (${String(signal)}): ${err}`));
      // Only complete lines are acknowledgements; a line cut by the kill was never fully printed.
      else resolve(parseLines(out.slice(0, out.lastIndexOf('\n') + 1)).map((line) => (line as { acked: string }).acked));
    });
  });
}

function childEnv(adapter: ChildAdapter): NodeJS.ProcessEnv {
  return { ...process.env, CHILD_STORE: adapter };
}

function parseLines(text: string): unknown[] {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}
