import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine, createMemoryStore } from '@botpe/engine';
import type * as BuilderBotModule from '@builderbot/bot';
import { createUser, fakeUserId } from './conversation.js';
import { SHOP_TEXT, shopFlow } from './flows.js';
import { asyncBatch, type Batch, interleaveMany } from './interleave.js';
import { summarize } from './stats.js';

/**
 * BuilderBot settings compared. `default` is `createBot()` without arguments (its `delay` already
 * defaults to 0); `delays-off` sets every knob that could wait to its minimum.
 */
export const BUILDERBOT_SETTINGS = {
  default: undefined,
  'delays-off': { delay: 0, queue: { timeout: 50_000, concurrencyLimit: 15 } },
} as const;
export type BuilderBotSettings = keyof typeof BUILDERBOT_SETTINGS;

/** DESIGN.md §8: a memory step at least this many times faster than BuilderBot with default settings. */
export const BUILDERBOT_TARGET_SPEEDUP = 10;

/** A step that has not answered after this long has stalled (BuilderBot's own queue timeout is 50 s). */
const STALL_MS = 10_000;

let loading: Promise<typeof BuilderBotModule> | null = null;

/**
 * Imports `@builderbot/bot` once. Its module opens `core.class.log` and `queue.class.log` in the
 * working directory at import time; they go to a temporary directory (removed at exit) instead of the
 * checkout. The logging itself stays on: it is part of what a default BuilderBot does per message.
 *
 * @example
 * const { createBot, MemoryDB } = await loadBuilderBot();
 */
export function loadBuilderBot(): Promise<typeof BuilderBotModule> {
  loading ??= (async () => {
    const logs = mkdtempSync(join(tmpdir(), 'botpe-bench-builderbot-'));
    process.once('exit', () => rmSync(logs, { recursive: true, force: true }));
    const cwd = process.cwd();
    process.chdir(logs);
    try {
      return await import('@builderbot/bot');
    } finally {
      process.chdir(cwd);
    }
  })();
  return loading;
}

/** One reply the provider was asked to send. */
export interface SentReply {
  to: string;
  text: string;
  at: number;
}

/**
 * A provider with no vendor behind it: `inject` emits the `message` event a real provider emits for
 * an incoming WhatsApp message, `sendMessage` records the reply and when it was sent.
 */
function defineProvider(module: typeof BuilderBotModule) {
  return class BenchProvider extends module.ProviderClass {
    globalVendorArgs = { name: 'botpe-bench' };
    /** Called on every reply, synchronously inside `sendMessage`. */
    onReply: (reply: SentReply) => void = () => undefined;

    protected beforeHttpServerInit() {}
    protected afterHttpServerInit() {}
    protected async initVendor() {
      return {};
    }
    protected busEvents() {
      return [];
    }
    async saveFile() {
      return '';
    }
    async sendMessage<K>(userId: string, message: unknown): Promise<K> {
      const reply = { to: userId, text: String(message), at: performance.now() };
      this.onReply(reply);
      return reply as K;
    }
    /** An incoming text message, with the fields BuilderBot's providers put on the event. */
    inject(from: string, body: string, name: string) {
      this.emit('message', { from, body, name });
    }
  };
}

/**
 * The side-by-side conversation in BuilderBot's own terms: a keyword flow whose two questions use
 * `capture: true` and store the answer in the per-user state, then a `flowDynamic` confirmation.
 */
function defineShopFlow(module: typeof BuilderBotModule) {
  return module
    .addKeyword(SHOP_TEXT.keyword)
    .addAnswer(SHOP_TEXT.welcome)
    .addAnswer(SHOP_TEXT.askName, { capture: true }, async (context, { state }) => {
      await state.update({ name: context.body });
    })
    .addAnswer(SHOP_TEXT.askSize, { capture: true }, async (context, { state }) => {
      await state.update({ size: context.body });
    })
    .addAction(async (_context, { state, flowDynamic }) => {
      await flowDynamic(SHOP_TEXT.confirm(String(state.get('name')), String(state.get('size'))));
    });
}

/** Timings of one BuilderBot step, in milliseconds from the inject. */
export interface BuilderBotStep {
  /** To the provider's `sendMessage` of the step's last reply (what the user waits for). */
  replyMs: number;
  /** To the end of BuilderBot's handling of the message (its queue drained, history saved). */
  completeMs: number;
  replies: string[];
}

export interface BuilderBotUserOptions {
  settings: BuilderBotSettings;
  /** Index of the fake user (its phone number). */
  index?: number;
  /**
   * A fresh bot (and MemoryDB) every this many messages, at a conversation boundary. MemoryDB keeps
   * every message ever sent or received and scans all of it on each message, so without a window
   * the cost per message grows with the length of the run. 0 = never.
   */
  historyWindow?: number;
}

/**
 * Plays a user of the BuilderBot shop bot: "hello", a name, a size, again. Each `step()` injects one
 * message through the provider, checks that exactly the expected replies arrive in order, and waits
 * until BuilderBot has finished handling it before the next one, like a user who reads the answer.
 * Throws if a reply is wrong, missing or late ({@link STALL_MS}).
 *
 * @example
 * const user = await createBuilderBotUser({ settings: 'default' });
 * const { replyMs, replies } = await user.step(); // "hello" → welcome + ask name
 */
export async function createBuilderBotUser(options: BuilderBotUserOptions) {
  const module = await loadBuilderBot();
  const Provider = defineProvider(module);
  const from = fakeUserId(options.index ?? 0);
  const window = options.historyWindow ?? 0;
  let turn = 0;
  let sinceFresh = 0;
  let handled: Promise<unknown> = Promise.resolve();
  let received: SentReply[] = [];

  const fresh = async () => {
    const provider = new Provider();
    provider.onReply = (reply) => received.push(reply);
    const bot = await module.createBot(
      { flow: module.createFlow([defineShopFlow(module)]), database: new module.MemoryDB(), provider },
      BUILDERBOT_SETTINGS[options.settings],
    );
    // The provider's `message` listener calls `bot.handleMsg` and drops its promise; keep it so the
    // next message waits until this one is fully handled.
    const handleMsg = bot.handleMsg;
    bot.handleMsg = (message) => {
      const handling = handleMsg(message);
      handled = handling;
      return handling;
    };
    sinceFresh = 0;
    return provider;
  };
  let provider = await fresh();

  const script = (): { body: string; expected: string[] } => {
    const cycle = Math.floor(turn / 3);
    const name = `Alex ${cycle % 1000}`;
    const size = ['S', 'M', 'L'][cycle % 3]!;
    switch (turn % 3) {
      case 0:
        return { body: SHOP_TEXT.keyword, expected: [SHOP_TEXT.welcome, SHOP_TEXT.askName] };
      case 1:
        return { body: name, expected: [SHOP_TEXT.askSize] };
      default:
        return { body: size, expected: [SHOP_TEXT.confirm(name, size)] };
    }
  };

  return {
    from,
    async step(): Promise<BuilderBotStep> {
      if (turn % 3 === 0 && window > 0 && sinceFresh >= window) provider = await fresh();
      const { body, expected } = script();
      received = [];
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`BuilderBot did not finish handling "${body}" within ${STALL_MS} ms`)),
          STALL_MS,
        );
      });
      const began = performance.now();
      provider.inject(from, body, 'Alex');
      try {
        await Promise.race([handled, stalled]);
      } finally {
        clearTimeout(timer);
      }
      const completeMs = performance.now() - began;
      const replies = received.map((reply) => reply.text);
      if (replies.length !== expected.length || replies.some((text, index) => text !== expected[index])) {
        throw new Error(
          `BuilderBot answered ${JSON.stringify(body)} (turn ${turn}) with ${JSON.stringify(replies)}, expected ${JSON.stringify(expected)}`,
        );
      }
      turn++;
      sinceFresh++;
      return { replyMs: received[received.length - 1]!.at - began, completeMs, replies };
    },
  };
}

/** One row of the side-by-side table. */
export interface ComparisonRow {
  name: string;
  settings: string;
  steps: number;
  /** Inject → `sendMessage` of the step's last reply (engine: `engine.handle` returning the replies). */
  p50_us: number;
  p99_us: number;
  /** Inject → handling finished (BuilderBot's queue drained; the engine: same as p50_us). */
  complete_p50_us: number;
  /** Messages per second, one conversation at a time. */
  steps_per_s: number;
  /** Process CPU time per message (user + system), to tell compute from waiting. */
  cpu_us_per_step: number;
}

export interface BuilderBotComparison {
  conversation: string;
  history_window: number;
  rows: ComparisonRow[];
  /** BuilderBot p50 / engine p50, per BuilderBot settings. */
  speedup: Record<BuilderBotSettings, number>;
  target_speedup: number;
  /** Whether the default-settings speedup reaches the target (judged by `runBench` after one re-measure). */
  ok: boolean;
}

/** Wraps a batch to also count wall time, CPU time and steps. */
function metered(batch: Batch) {
  let wallMs = 0;
  let cpuUs = 0;
  let count = 0;
  const wrapped: Batch = async (size) => {
    const cpu = process.cpuUsage();
    const began = performance.now();
    const samples = await batch(size);
    wallMs += performance.now() - began;
    const used = process.cpuUsage(cpu);
    cpuUs += used.user + used.system;
    count += samples.length;
    return samples;
  };
  return {
    batch: wrapped,
    reset() {
      wallMs = 0;
      cpuUs = 0;
      count = 0;
    },
    perSecond: () => (count === 0 ? 0 : Math.round((count / wallMs) * 1000)),
    cpuPerStep: () => (count === 0 ? 0 : Math.round((cpuUs / count) * 10) / 10),
  };
}

/**
 * Runs the shop conversation on our engine (memory store) and on BuilderBot (MemoryDB, each of
 * {@link BUILDERBOT_SETTINGS}), one conversation at a time each, interleaved in one process.
 *
 * @example
 * const comparison = await compareWithBuilderBot({ samples: 500 });
 * console.log(comparison.speedup.default); // e.g. 25
 */
export async function compareWithBuilderBot(options: {
  samples: number;
  historyWindow?: number;
}): Promise<BuilderBotComparison> {
  const historyWindow = options.historyWindow ?? 1000;
  const flow = shopFlow();
  const engine = createEngine({ flows: [flow], store: createMemoryStore() });
  try {
    const user = createUser(engine, flow, 0);
    const engineSide = metered(
      asyncBatch(async () => {
        const result = await user.step();
        if (result.outbound.length === 0 || result.status === 'unrouted')
          throw new Error(`the engine stopped answering the shop flow (status ${result.status})`);
      }),
    );
    const settings = Object.keys(BUILDERBOT_SETTINGS) as BuilderBotSettings[];
    const completions = new Map<BuilderBotSettings, number[]>();
    const botSides = await Promise.all(
      settings.map(async (name, index) => {
        const bot = await createBuilderBotUser({ settings: name, index: index + 1, historyWindow });
        const completed: number[] = [];
        completions.set(name, completed);
        return metered(async (count) => {
          const samples: number[] = [];
          for (let step = 0; step < count; step++) {
            const { replyMs, completeMs } = await bot.step();
            samples.push(replyMs);
            completed.push(completeMs);
          }
          return samples;
        });
      }),
    );
    const sides = [engineSide, ...botSides];
    // Warm-up (untimed by interleaveMany) also runs through `metered`: count from after it.
    const warmup = Math.min(300, options.samples);
    for (const side of sides) await side.batch(warmup);
    for (const side of sides) side.reset();
    for (const completed of completions.values()) completed.length = 0;
    const [engineSamples, ...botSamples] = await interleaveMany(
      sides.map((side) => side.batch),
      { samples: options.samples, batch: 50, warmup: 0 },
    );

    const engineSummary = summarize(engineSamples!);
    const rows: ComparisonRow[] = [
      {
        name: 'botpe engine (memory store)',
        settings: 'default',
        steps: engineSummary.count,
        p50_us: engineSummary.p50_us,
        p99_us: engineSummary.p99_us,
        complete_p50_us: engineSummary.p50_us,
        steps_per_s: engineSide.perSecond(),
        cpu_us_per_step: engineSide.cpuPerStep(),
      },
    ];
    const speedup = {} as Record<BuilderBotSettings, number>;
    settings.forEach((name, index) => {
      const summary = summarize(botSamples[index]!);
      const side = botSides[index]!;
      rows.push({
        name: `builderbot ${name} (MemoryDB)`,
        settings: JSON.stringify(BUILDERBOT_SETTINGS[name] ?? {}),
        steps: summary.count,
        p50_us: summary.p50_us,
        p99_us: summary.p99_us,
        complete_p50_us: summarize(completions.get(name)!).p50_us,
        steps_per_s: side.perSecond(),
        cpu_us_per_step: side.cpuPerStep(),
      });
      speedup[name] = Math.round((summary.p50_us / engineSummary.p50_us) * 10) / 10;
    });
    return {
      conversation: `"${SHOP_TEXT.keyword}" → welcome + ask name → ask size → confirm (3 messages in, 4 replies out), one conversation at a time`,
      history_window: historyWindow,
      rows,
      speedup,
      target_speedup: BUILDERBOT_TARGET_SPEEDUP,
      ok: speedup.default >= BUILDERBOT_TARGET_SPEEDUP,
    };
  } finally {
    await engine.close();
  }
}
