/**
 * Test support for the command tests: runs the CLI's `main` in-process so a test sees exactly the
 * exit code and the text a user would see, without the cost of spawning node for every case.
 */
import { vi } from 'vitest';
import { main } from '../../cli.js';

/** What one in-process `klaxon …` run returned and wrote. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `klaxon <args>` in-process, capturing what it writes to stdout and stderr. */
export async function klaxon(...args: string[]): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  try {
    // Awaited before reading the captures: the returned object must hold everything main wrote.
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
