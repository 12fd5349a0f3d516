import { parseArgs } from 'node:util';
import type { FlowIssue } from '../flow/issues.js';
import { parseFlow } from '../flow/parse.js';
import { parseFileCommand } from './args.js';
import { channelLimitsByName } from './channels.js';
import { type CliCommand, type CliIo, EXIT, writeLine } from './command.js';
import { readFlowFile } from './flow-file.js';

const USAGE = `Usage: botpe validate <flow.json> [--json] [--channel whatsapp]

Checks a flow document and prints every problem: errors (which stop the flow from running)
and warnings, each with its code, node or edge id, JSON path and message.

Options:
  --json              print { ok, errors, warnings } as JSON
  --channel <name>    also check the channel's limits (${Object.keys(channelLimitsByName).join(', ')})
  -h, --help          show this help

Exit codes: 0 no errors (warnings allowed), 1 errors, 2 usage error, unreadable file or invalid JSON.`;

/** `nodes[3].data.buttons[0].title` from `["nodes", 3, "data", "buttons", 0, "title"]`. */
export function formatPath(path: ReadonlyArray<string | number>): string {
  return path.reduce<string>(
    (text, segment) =>
      typeof segment === 'number' ? `${text}[${segment}]` : text ? `${text}.${segment}` : segment,
    '',
  );
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** One aligned line per issue: severity, code, what it is about, path, message. */
export function formatIssues(issues: readonly FlowIssue[]): string[] {
  const rows = issues.map((issue) => [
    issue.severity,
    issue.code,
    issue.nodeId !== undefined
      ? `node ${issue.nodeId}`
      : issue.edgeId !== undefined
        ? `edge ${issue.edgeId}`
        : '-',
    formatPath(issue.path) || '-',
    issue.message,
  ]);
  const widths = [0, 1, 2, 3].map((column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map(
    (row) => `  ${row.map((cell, column) => (column < 4 ? cell.padEnd(widths[column]!) : cell)).join('  ')}`,
  );
}

async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFileCommand('validate', USAGE, io, () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        channel: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (typeof parsed === 'number') return parsed;
  const { values, path } = parsed;
  const limits = values.channel === undefined ? undefined : channelLimitsByName[values.channel];
  if (values.channel !== undefined && !limits) {
    writeLine(
      io.stderr,
      `botpe validate: unknown channel "${values.channel}"; known: ${Object.keys(channelLimitsByName).join(', ')}`,
    );
    return EXIT.usage;
  }
  const file = await readFlowFile(path);
  if (!file.ok) {
    writeLine(io.stderr, `botpe validate: ${file.problem}`);
    return EXIT.usage;
  }
  const result = parseFlow(file.document, limits ? { limits } : {});
  if (values.json) {
    writeLine(
      io.stdout,
      JSON.stringify({ ok: result.ok, errors: result.errors, warnings: result.warnings }, null, 2),
    );
    return result.ok ? EXIT.ok : EXIT.invalid;
  }
  const counts = `${plural(result.errors.length, 'error')}, ${plural(result.warnings.length, 'warning')}`;
  const channel = values.channel ? ` for ${values.channel}` : '';
  if (result.ok) {
    const { flow } = result;
    writeLine(
      io.stdout,
      `✔ ${path}: flow "${flow.id}" v${flow.version} is valid${channel} (${plural(flow.nodes.length, 'node')}, ${plural(flow.edges.length, 'edge')}); ${counts}`,
    );
  } else {
    writeLine(io.stdout, `✘ ${path}: invalid${channel}; ${counts}`);
  }
  for (const line of formatIssues([...result.errors, ...result.warnings])) writeLine(io.stdout, line);
  return result.ok ? EXIT.ok : EXIT.invalid;
}

/** `botpe validate <flow.json> [--json] [--channel whatsapp]`. */
export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check a flow document and print every problem (exit 1 on errors)',
  usage: USAGE,
  run,
};
