#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ by `npm run build` (run by `npm ci` via `prepare`).
import { main } from '../dist/runtime/cli.js';

// A reader that stops early (`klaxon samples | head`) closes the pipe: end quietly, as Unix tools
// do on SIGPIPE, instead of dying with an unhandled EPIPE stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

process.exitCode = await main(process.argv.slice(2));
