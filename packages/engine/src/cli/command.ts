/** What a command reads and writes: the process's streams in the bin, plain buffers in tests. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Exit codes every command keeps to. */
export const EXIT = {
  /** Done; for `validate`, no errors (warnings allowed). */
  ok: 0,
  /** The flow has errors. */
  invalid: 1,
  /** Bad usage, an unreadable file, invalid JSON or an unknown option value. */
  usage: 2,
} as const;

/** One `botpe` sub-command. Register new ones in `main.ts`. */
export interface CliCommand {
  name: string;
  /** One line for `botpe --help`. */
  summary: string;
  /** The full usage text for `botpe <command> --help`. */
  usage: string;
  /** Runs the command with the arguments after its name; resolves with the exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Writes a line to a stream. */
export const writeLine = (stream: CliIo['stdout'], text = '') => stream.write(`${text}\n`);
