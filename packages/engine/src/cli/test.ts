import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseFlow } from '../flow/parse.js';
import type { Flow } from '../flow/schema.js';
import { flowCoverage, runScenario, type ScenarioResult, scenarioFileSchema } from '../testing/scenario.js';
import { type CliCommand, EXIT, writeLine } from './command.js';
import { readFlowFile } from './flow-file.js';

const usage = `Usage: botpe test <scenario files or folders…> [--min-coverage <percent>] [--json]

Runs conversation scenarios (JSON files; a folder means every *.json in it) against their flows
with a fake clock, and prints node and edge coverage of each flow.
  --min-coverage <n>  exit 1 when a flow's node or edge coverage is below n percent
  --json              print the results as JSON`;

/** Expands folders into the JSON files inside them, sorted. */
async function expand(paths: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) {
      const names = (await readdir(path)).filter((name) => name.endsWith('.json')).sort();
      files.push(...names.map((name) => join(path, name)));
    } else files.push(path);
  }
  return files;
}

interface FlowRun {
  flow: Flow;
  path: string;
  results: ScenarioResult[];
}

/** `botpe test`: scenario files → pass/fail per scenario and coverage per flow. */
export const testCommand: CliCommand = {
  name: 'test',
  summary: 'run conversation scenarios and print flow coverage',
  usage,
  async run(args, io) {
    let parsed: ReturnType<
      typeof parseArgs<{
        options: { 'min-coverage': { type: 'string' }; json: { type: 'boolean' }; help: { type: 'boolean' } };
        allowPositionals: true;
      }>
    >;
    try {
      parsed = parseArgs({
        args,
        options: { 'min-coverage': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } },
        allowPositionals: true,
      });
    } catch (error) {
      writeLine(io.stderr, `botpe test: ${(error as Error).message}\n${usage}`);
      return EXIT.usage;
    }
    if (parsed.values.help) {
      writeLine(io.stdout, usage);
      return EXIT.ok;
    }
    const minimum = parsed.values['min-coverage'] === undefined ? 0 : Number(parsed.values['min-coverage']);
    if (!Number.isFinite(minimum) || minimum < 0 || minimum > 100) {
      writeLine(io.stderr, 'botpe test: --min-coverage takes a percentage from 0 to 100');
      return EXIT.usage;
    }
    const files = await expand(parsed.positionals);
    if (files.length === 0) {
      writeLine(io.stderr, `botpe test: no scenario files given\n${usage}`);
      return EXIT.usage;
    }

    const runs = new Map<string, FlowRun>();
    let passed = 0;
    let failed = 0;
    const out = (text = '') => {
      if (!parsed.values.json) writeLine(io.stdout, text);
    };
    for (const file of files) {
      const read = await readFlowFile(file);
      const scenarioFile = read.ok ? scenarioFileSchema.safeParse(read.document) : null;
      if (!read.ok || !scenarioFile?.success) {
        writeLine(
          io.stderr,
          `botpe test: ${read.ok ? `${file} is not a scenario file: ${scenarioFile!.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}` : read.problem}`,
        );
        return EXIT.usage;
      }
      const base = dirname(file);
      const flowPath = resolve(base, scenarioFile.data.flow);
      const documents = [];
      for (const path of [
        flowPath,
        ...(scenarioFile.data.flows ?? []).map((extra) => resolve(base, extra)),
      ]) {
        const flowFile = await readFlowFile(path);
        if (!flowFile.ok) {
          writeLine(io.stderr, `botpe test: ${flowFile.problem}`);
          return EXIT.usage;
        }
        documents.push(flowFile.document);
      }
      const [flowDocument, ...others] = documents;
      const flow = parseFlow(flowDocument);
      if (!flow.ok) {
        writeLine(io.stderr, `botpe test: ${flowPath} has errors; run \`botpe validate ${flowPath}\``);
        return EXIT.invalid;
      }
      const run = runs.get(flowPath) ?? { flow: flow.flow, path: flowPath, results: [] };
      runs.set(flowPath, run);
      out(file);
      for (const scenario of scenarioFile.data.scenarios) {
        const result = await runScenario(flowDocument, scenario, { flows: others });
        run.results.push(result);
        if (result.passed) passed++;
        else failed++;
        out(`  ${result.passed ? '✓' : '✗'} ${result.name}`);
        for (const failure of result.failures) out(`      step ${failure.step + 1}: ${failure.message}`);
      }
    }

    let belowMinimum = false;
    const coverage = [...runs.values()].map((run) => {
      const covered = flowCoverage(run.flow, run.results);
      if (covered.nodes.percent < minimum || covered.edges.percent < minimum) belowMinimum = true;
      return { flow: run.flow.id, path: run.path, ...covered };
    });
    if (parsed.values.json) {
      writeLine(
        io.stdout,
        JSON.stringify(
          {
            passed,
            failed,
            scenarios: [...runs.values()].flatMap((run) =>
              run.results.map((result) => ({
                flow: run.flow.id,
                name: result.name,
                passed: result.passed,
                failures: result.failures,
              })),
            ),
            coverage,
          },
          null,
          2,
        ),
      );
    } else {
      out();
      out('Coverage');
      for (const entry of coverage) {
        out(
          `  ${entry.flow}: nodes ${entry.nodes.covered}/${entry.nodes.total} (${entry.nodes.percent}%), edges ${entry.edges.covered}/${entry.edges.total} (${entry.edges.percent}%)`,
        );
        if (entry.nodes.missed.length) out(`    nodes never reached: ${entry.nodes.missed.join(', ')}`);
        if (entry.edges.missed.length) out(`    edges never taken: ${entry.edges.missed.join(', ')}`);
      }
      if (belowMinimum) out(`Coverage is below --min-coverage ${minimum}%.`);
      out(`${passed} passed, ${failed} failed`);
    }
    return failed > 0 || belowMinimum ? EXIT.invalid : EXIT.ok;
  },
};
