/** One `klaxon <name>` subcommand. */
export interface Command {
  /** One line for `klaxon --help`. */
  summary: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>;
}
