import { type CliIo, EXIT, writeLine } from './command.js';

/**
 * Runs a command's argument parser (`parseArgs` with a `help` option) and checks it got exactly
 * one positional, the flow file. Returns the values and the file, or the exit code after printing
 * why (or the help).
 *
 * @example
 * const parsed = parseFileCommand('validate', USAGE, io, () =>
 *   parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean' } } }),
 * );
 * if (typeof parsed === 'number') return parsed;
 */
export function parseFileCommand<
  Parsed extends { values: { help?: boolean | undefined }; positionals: string[] },
>(
  command: string,
  usage: string,
  io: CliIo,
  parse: () => Parsed,
): number | { values: Parsed['values']; path: string } {
  let parsed: Parsed;
  try {
    parsed = parse();
  } catch (error) {
    writeLine(io.stderr, `botpe ${command}: ${(error as Error).message}`);
    writeLine(io.stderr, usage);
    return EXIT.usage;
  }
  if (parsed.values.help) {
    writeLine(io.stdout, usage);
    return EXIT.ok;
  }
  if (parsed.positionals.length !== 1) {
    writeLine(io.stderr, `botpe ${command}: expected one flow file, got ${parsed.positionals.length}`);
    writeLine(io.stderr, usage);
    return EXIT.usage;
  }
  return { values: parsed.values, path: parsed.positionals[0]! };
}
