import type { Command } from './command.js';

/** Every CLI subcommand, one file each; registering one is one line here. */
export const commands: Record<string, Command> = {};
