import { checkConfigCommand } from './check-config.js';
import type { Command } from './command.js';
import { samplesCommand } from './samples.js';
import { testPatternCommand } from './test-pattern.js';
import { transformCommand } from './transform.js';

/** Every CLI subcommand, one file each; registering one is one line here. */
export const commands: Record<string, Command> = {
  'check-config': checkConfigCommand,
  samples: samplesCommand,
  'test-pattern': testPatternCommand,
  transform: transformCommand,
};
