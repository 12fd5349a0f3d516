import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createEngine, createMemoryStore } from '@botpe/engine';
import { describe, expect, it } from 'vitest';
import { compareWithBuilderBot, createBuilderBotUser } from '../src/builderbot.js';
import { createUser } from '../src/conversation.js';
import { SHOP_TEXT, shopFlow } from '../src/flows.js';
import { formatComparisonTable } from '../src/report.js';

/** The replies a user should see over `messages` messages, written out independently of the harness. */
function expectedReplies(messages: number): string[][] {
  const replies: string[][] = [];
  for (let turn = 0; turn < messages; turn++) {
    const cycle = Math.floor(turn / 3);
    const size = ['S', 'M', 'L'][cycle % 3]!;
    if (turn % 3 === 0) replies.push(['Welcome to the shop!', 'What is your name?']);
    else if (turn % 3 === 1) replies.push(['Which size: S, M or L?']);
    else replies.push([`Thanks Alex ${cycle}, size ${size} is noted.`]);
  }
  return replies;
}

describe('BuilderBot side by side', () => {
  it('answers a 20-message conversation with every reply in order (default settings)', async () => {
    const user = await createBuilderBotUser({ settings: 'default' });
    const seen: string[][] = [];
    for (let turn = 0; turn < 20; turn++) {
      const step = await user.step();
      expect(step.replyMs).toBeGreaterThan(0);
      expect(step.replyMs).toBeLessThanOrEqual(step.completeMs);
      seen.push(step.replies);
    }
    expect(seen).toEqual(expectedReplies(20));
    // BuilderBot's own log files went to a temporary directory, not the working directory.
    expect(existsSync(join(process.cwd(), 'core.class.log'))).toBe(false);
  });

  it('keeps answering across fresh bots with delays off and a short history window', async () => {
    const user = await createBuilderBotUser({ settings: 'delays-off', index: 7, historyWindow: 3 });
    const seen: string[][] = [];
    for (let turn = 0; turn < 9; turn++) seen.push((await user.step()).replies);
    expect(seen).toEqual(expectedReplies(9));
  });

  it('our engine sends the same replies on the equivalent flow', async () => {
    const flow = shopFlow();
    const engine = createEngine({ flows: [flow], store: createMemoryStore() });
    const user = createUser(engine, flow, 0);
    const texts: string[][] = [];
    for (let turn = 0; turn < 3; turn++) {
      const result = await user.step();
      texts.push(result.outbound.map((message) => ('text' in message ? String(message.text) : message.type)));
    }
    await engine.close();
    expect(texts[0]).toEqual([SHOP_TEXT.welcome, SHOP_TEXT.askName]);
    expect(texts[1]).toEqual([SHOP_TEXT.askSize]);
    expect(texts[2]).toHaveLength(1);
    expect(texts[2]![0]).toMatch(/^Thanks Alex answer \d+, size Alex answer \d+ is noted\.$/);
    expect(user.last?.status).toBe('ended');
  });

  it('reports the engine row, both BuilderBot rows and the speedup', async () => {
    const comparison = await compareWithBuilderBot({ samples: 40, historyWindow: 30 });
    expect(comparison.rows.map((row) => row.name)).toEqual([
      'botpe engine (memory store)',
      'builderbot default (MemoryDB)',
      'builderbot delays-off (MemoryDB)',
    ]);
    for (const row of comparison.rows) {
      expect(row.steps).toBe(40);
      expect(row.p50_us).toBeGreaterThan(0);
      expect(row.p99_us).toBeGreaterThanOrEqual(row.p50_us);
      expect(row.steps_per_s).toBeGreaterThan(0);
    }
    const [engine, builderbot] = comparison.rows;
    expect(comparison.speedup.default).toBeCloseTo(builderbot!.p50_us / engine!.p50_us, 0);
    expect(comparison.ok).toBe(comparison.speedup.default >= 10);
    expect(formatComparisonTable(comparison)).toMatch(/builderbot default \(MemoryDB\).*× slower/);
  });
});
