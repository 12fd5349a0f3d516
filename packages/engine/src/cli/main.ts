#!/usr/bin/env node
import { chatCommand } from './chat.js';
import { type CliCommand, type CliIo, EXIT, writeLine } from './command.js';
import { graphCommand } from './graph.js';
import { testCommand } from './test.js';
import { validateCommand } from './validate.js';

/**
 * The `botpe` sub-commands, in the order `--help` lists them.
 * To add one (`test`, `graph`, …): write `src/cli/<name>.ts` exporting a `CliCommand`, and list it here.
 */
export const commands: readonly CliCommand[] = [validateCommand, chatCommand, testCommand, graphCommand];

function usage(): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'Usage: botpe <command> [options]',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    "Run `botpe <command> --help` for a command's options.",
  ].join('\n');
}

/**
 * Runs the CLI with the arguments after `botpe`; resolves with the exit code.
 *
 * @example
 * process.exitCode = await runCli(['validate', 'flow.json'], process);
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    writeLine(name === undefined ? io.stderr : io.stdout, usage());
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (!command) {
    writeLine(io.stderr, `botpe: unknown command "${name}"`);
    writeLine(io.stderr, usage());
    return EXIT.usage;
  }
  return command.run(rest, io);
}

runCli(process.argv.slice(2), process).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    writeLine(
      process.stderr,
      `botpe: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    process.exitCode = EXIT.usage;
  },
);
