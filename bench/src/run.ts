import { fileURLToPath } from 'node:url';
import { coreNodes } from '@botpe/engine';
import { type BuilderBotComparison, compareWithBuilderBot } from './builderbot.js';
import { generateFlow, loadExampleFlows } from './flows.js';
import {
  type BenchResults,
  formatComparisonTable,
  formatTable,
  machineInfo,
  missedBudget,
  overBudget,
  type ScenarioResult,
} from './report.js';
import { measureCompile, measureIdleHeap, measureSessionScaling } from './scaling.js';
import { floorQuestionsFor, runScenario, type ScenarioSpec } from './scenario.js';
import { openTargets, type Skipped, type StoreName, type Target } from './stores.js';

export interface RunOptions {
  quick: boolean;
  log: (line: string) => void;
  /** Store kinds to run (default: all four). */
  stores?: readonly StoreName[];
  /** Overrides the samples per scenario (tests use a few hundred). */
  samples?: number;
  /** Compile, heap and session-count sections (default true). */
  extras?: boolean;
  /** The BuilderBot side-by-side section (default: same as `extras`). */
  builderbot?: boolean;
}

const examplesDirectory = fileURLToPath(new URL('../../examples/flows/', import.meta.url));

/** The scenarios to run on one store. */
export function planScenarios(target: Target, quick: boolean, override?: number): ScenarioSpec[] {
  const database = target.name !== 'memory';
  // A database step costs ~10-100× a memory step: fewer samples give the same confidence in the same time.
  const samples = override ?? (quick ? (database ? 800 : 2000) : database ? 10_000 : 30_000);
  const specs: ScenarioSpec[] = [];
  for (const nodes of [10, 100, 1000]) {
    specs.push({
      name: `generated-${nodes}`,
      flow: generateFlow(nodes),
      floorQuestions: floorQuestionsFor(nodes),
      concurrency: 1,
      samples,
      judged: true,
    });
  }
  specs.push({
    name: 'generated-10 ×32 at once',
    flow: generateFlow(10),
    floorQuestions: floorQuestionsFor(10),
    concurrency: 32,
    samples: quick ? samples : samples * 2,
    judged: false,
  });
  if (database && !quick) {
    specs.push({
      name: 'generated-10 no hot cache',
      flow: generateFlow(10),
      floorQuestions: floorQuestionsFor(10),
      concurrency: 1,
      samples,
      judged: false,
      hotSessions: 0,
    });
  }
  const core = new Set(coreNodes.map((definition) => definition.type));
  for (const example of loadExampleFlows(examplesDirectory)) {
    // Example flows cost the same on every store; in --quick they run on memory only.
    if (quick && database) break;
    const nodes = example.document.nodes as Array<{ type: string }>;
    const foreign = [...new Set(nodes.map((node) => node.type).filter((type) => !core.has(type)))];
    const effects = nodes.some((node) => node.type === 'http' || node.type === 'action');
    if (foreign.length > 0 || effects) continue; // reported by skippedExamples()
    specs.push({
      name: `example ${example.file.replace(/\.json$/, '')}`,
      flow: example.document as ScenarioSpec['flow'],
      floorQuestions: floorQuestionsFor(10),
      concurrency: 1,
      samples: Math.round(samples / 2),
      judged: false,
    });
  }
  return specs;
}

/** Example flows the bench cannot run on its own, and why. */
export function skippedExamples(): Skipped[] {
  const core = new Set(coreNodes.map((definition) => definition.type));
  return loadExampleFlows(examplesDirectory).flatMap((example) => {
    const types = (example.document.nodes as Array<{ type: string }>).map((node) => node.type);
    const foreign = [...new Set(types.filter((type) => !core.has(type)))];
    if (foreign.length > 0)
      return [
        {
          store: '*' as const,
          reason: `example ${example.file}: needs extension node types (${foreign.join(', ')}), which need an LLM client`,
        },
      ];
    if (types.includes('http') || types.includes('action'))
      return [
        {
          store: '*' as const,
          reason: `example ${example.file}: has http/action nodes, which call out of the process`,
        },
      ];
    return [];
  });
}

/**
 * Runs the whole bench: every scenario on every store that is available, the §8 budget check
 * (a scenario over budget is measured once more before it counts), and the extra sections.
 *
 * @example
 * const { results, exitCode } = await runBench({ quick: true, log: console.log });
 */
export async function runBench(options: RunOptions): Promise<{ results: BenchResults; exitCode: number }> {
  const { log, quick } = options;
  const began = performance.now();
  const { targets, skipped, failures } = await openTargets(
    options.stores ?? ['memory', 'sqlite', 'postgres', 'redis'],
  );
  skipped.push(...skippedExamples());
  for (const entry of skipped) log(`SKIPPED ${entry.store}: ${entry.reason}`);
  for (const entry of failures) log(`FAILED ${entry.store}: ${entry.reason}`);
  const scenarios: ScenarioResult[] = [];
  const errors: string[] = failures.map((entry) => `${entry.store}: ${entry.reason}`);
  const extra: Record<string, unknown> = {};
  try {
    for (const target of targets) {
      for (const spec of planScenarios(target, quick, options.samples)) {
        try {
          let row = await runScenario(target, spec);
          if (overBudget([row]).length > 0) {
            log(
              `  ${spec.name} on ${target.name}: ${row.ratio}× is over its ceiling ${row.ceiling}×, measuring once more`,
            );
            row = await runScenario(target, spec);
          }
          scenarios.push(row);
          log(
            `  ${target.name.padEnd(8)} ${spec.name.padEnd(30)} p50 ${row.p50_us.toFixed(1)} µs  floor ${row.floor.p50_us.toFixed(1)} µs  ${row.ratio}×`,
          );
        } catch (error) {
          const message = `${spec.name} on ${target.name}: ${error instanceof Error ? error.message : String(error)}`;
          errors.push(message);
          log(`ERROR ${message}`);
        }
      }
    }
    const sized = scenarios.find((row) => row.store === 'memory' && row.record_bytes !== undefined);
    if (sized)
      extra.record_size = {
        scenario: sized.name,
        bytes: sized.record_bytes,
        budget_bytes: 1024,
        ok: (sized.record_bytes ?? 0) < 1024,
      };
    if (options.builderbot ?? options.extras !== false) {
      try {
        // ~3 ms a BuilderBot message: 300 samples per side keep --quick at ~5 s.
        const samples = options.samples ?? (quick ? 300 : 3000);
        let comparison = await compareWithBuilderBot({ samples });
        if (!comparison.ok) {
          log(
            `  builderbot: ${comparison.speedup.default}× is under ${comparison.target_speedup}×, measuring once more`,
          );
          comparison = await compareWithBuilderBot({ samples });
        }
        extra.builderbot = comparison;
        log(
          `  builderbot: ours ${comparison.rows[0]!.p50_us.toFixed(1)} µs, BuilderBot default ${comparison.speedup.default}× slower (target ≥ ${comparison.target_speedup}×)`,
        );
      } catch (error) {
        const message = `builderbot: ${error instanceof Error ? error.message : String(error)}`;
        errors.push(message);
        log(`ERROR ${message}`);
      }
    }
    if (options.extras !== false) await runExtras(targets, quick, log, extra, errors);
  } finally {
    for (const target of targets) await target.close();
  }

  const results: BenchResults = {
    machine: machineInfo(),
    node: process.version,
    quick,
    started_at: new Date().toISOString(),
    scenarios,
    skipped,
    errors,
    ...extra,
  };
  log('');
  log(formatTable(scenarios));
  const comparison = extra.builderbot as BuilderBotComparison | undefined;
  if (comparison) {
    log('');
    log(formatComparisonTable(comparison));
    if (!comparison.ok)
      log(
        `BELOW TARGET: BuilderBot default is ${comparison.speedup.default}× our p50, DESIGN §8 wants ≥ ${comparison.target_speedup}×`,
      );
  }
  for (const row of missedBudget(scenarios).filter((candidate) => !overBudget([candidate]).length))
    log(
      `BUDGET MISSED: ${row.name} on ${row.store}: ${row.ratio}× > §8 budget ${row.budget}× (ceiling ${row.ceiling}×)`,
    );
  const over = overBudget(scenarios);
  for (const row of over)
    log(
      `OVER CEILING: ${row.name} on ${row.store}: ${row.ratio}× > ${row.ceiling}× (floor: ${row.floor.name})`,
    );
  for (const message of errors) log(`ERROR: ${message}`);
  results.duration_s = Math.round((performance.now() - began) / 100) / 10;
  log(`\nbench ${quick ? '--quick ' : ''}took ${results.duration_s} s`);
  const slow = comparison !== undefined && !comparison.ok;
  return { results, exitCode: over.length > 0 || errors.length > 0 || slow ? 1 : 0 };
}

/** Compile time, idle heap and step cost against the number of stored sessions (memory and SQLite). */
async function runExtras(
  targets: readonly Target[],
  quick: boolean,
  log: (line: string) => void,
  extra: Record<string, unknown>,
  errors: string[],
) {
  const section = async (name: string, body: () => Promise<unknown>) => {
    try {
      extra[name] = await body();
      log(`  ${name}: ${JSON.stringify(extra[name])}`);
    } catch (error) {
      errors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      log(`ERROR ${name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await section('compile', async () => {
    const row = measureCompile(1000, quick ? 5 : 15);
    return { ...row, budget_ms: 50, ok: row.median_ms < 50 };
  });
  await section('idle_heap', () => measureIdleHeap(10_000));
  const counts = quick ? [1, 10_000, 100_000] : [1, 10_000, 100_000, 1_000_000];
  await section('session_scaling', async () => {
    const rows = [];
    for (const target of targets.filter(
      (candidate) => candidate.name === 'memory' || candidate.name === 'sqlite',
    )) {
      rows.push(...(await measureSessionScaling(target, counts, quick ? 500 : 3000)));
    }
    return rows;
  });
}
