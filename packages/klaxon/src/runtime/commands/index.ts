import { checkConfigCommand } from './check-config.js';
import type { Command } from './command.js';
import { deliveriesCommand } from './deliveries.js';
import { routeCommand } from './route.js';
import { samplesCommand } from './samples.js';
import { sendCommand } from './send.js';
import { serveCommand } from './serve.js';
import { silencesCommand } from './silences.js';
import { testPatternCommand } from './test-pattern.js';
import { transformCommand } from './transform.js';

/** Every CLI subcommand, one file each; registering one is one line here. */
export const commands: Record<string, Command> = {
  'check-config': checkConfigCommand,
  deliveries: deliveriesCommand,
  route: routeCommand,
  samples: samplesCommand,
  send: sendCommand,
  serve: serveCommand,
  silences: silencesCommand,
  'test-pattern': testPatternCommand,
  transform: transformCommand,
};
