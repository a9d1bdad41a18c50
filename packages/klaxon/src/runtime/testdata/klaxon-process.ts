/**
 * Test harness for the reliability suite: `klaxon serve` as a real child process, and a loopback
 * HTTP sink that records every webhook request (Idempotency-Key, body, arrival time) and answers
 * as the test scripts.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const PACKAGE = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = `${PACKAGE}bin/klaxon.js`;

/** Builds dist/ when it is missing (the README's test command builds first; a lone vitest run may not). */
export function ensureBuilt(): void {
  if (!existsSync(`${PACKAGE}dist/runtime/cli.js`)) {
    execFileSync('npx', ['tsc', '-b', PACKAGE], { stdio: 'inherit' });
  }
}

/** A running `klaxon serve` child. */
export interface KlaxonProcess {
  readonly url: string;
  readonly child: ChildProcess;
  readonly output: () => string;
  /** SIGKILL: no cleanup at all, as in a crash. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a clean exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Spawns `klaxon serve --config F --db F --port 0` and waits for its "listening on" line. */
export function startKlaxon(config: string, db: string, env: NodeJS.ProcessEnv = {}): Promise<KlaxonProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', config, '--db', db, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`klaxon serve did not start:\n${out}`)), 20_000);
    const onData = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1] === undefined) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      resolve({
        url: m[1],
        child,
        output: () => out,
        async kill9() {
          child.kill('SIGKILL');
          await exited;
        },
        async stop() {
          child.kill('SIGTERM');
          return exited;
        },
      });
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`klaxon serve exited with ${code}:\n${out}`));
    });
  });
}

/** One request the sink received. */
export interface SinkRequest {
  readonly key: string;
  readonly eventId: string;
  readonly at: number;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** A scripted answer: status and headers for the n-th request (0-based). */
export type SinkScript = (n: number) => { status: number; headers?: Record<string, string>; delayMs?: number };

/** A webhook receiver on 127.0.0.1 that records everything and dedups nothing (the test does). */
export async function startSink(script: SinkScript = () => ({ status: 200 })) {
  const requests: SinkRequest[] = [];
  let answered = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const n = requests.length;
      const answer = script(n);
      let eventId = '';
      try {
        eventId = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).id);
      } catch {
        eventId = '(unparsable)';
      }
      requests.push({
        key: String(req.headers['idempotency-key'] ?? ''),
        eventId,
        at: Date.now(),
        status: answer.status,
        headers: answer.headers ?? {},
      });
      const reply = () => {
        res.writeHead(answer.status, answer.headers ?? {});
        res.end();
        answered++;
      };
      if (answer.delayMs === undefined) reply();
      else setTimeout(reply, answer.delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests,
    /** Requests whose answer has been written. */
    answered: () => answered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `check` every 50 ms until it is true or `ms` passed; resolves with the last result. */
export async function waitFor(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
