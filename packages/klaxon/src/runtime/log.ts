import type { LogFn } from '../deliver/worker.js';

/**
 * A JSON-lines logger on stderr. The whole serialized line goes through `redact`, so a secret that
 * slipped into any field (an error quoting a URL, a header) is masked before it leaves the process.
 */
export function createLogger(
  redact: (text: string) => string,
  write: (line: string) => void = (line) => process.stderr.write(line),
): LogFn {
  return (record) => {
    write(`${redact(JSON.stringify({ time: new Date().toISOString(), ...record }))}\n`);
  };
}
