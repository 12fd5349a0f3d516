import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPostgresStore } from '@botpe/storage-adapters/postgres';
import { createSqliteStore } from '@botpe/storage-adapters/sqlite';
import { describe, expect, it } from 'vitest';
import type { CrashLogEntry, CrashWorkerConfig } from './fixtures/crash-worker.js';
import { seededRandom } from './helpers/recording.js';
import { pgUrl, serviceAvailable } from './helpers/services.js';
import { uniqueNamespace } from './helpers/stores.js';
import { tempDirectory } from './helpers/temp.js';

const KILLS = 6;
const CONVERSATIONS = 20;
const MESSAGES = 15;
const worker = fileURLToPath(new URL('./fixtures/crash-worker.ts', import.meta.url));
const root = fileURLToPath(new URL('../../..', import.meta.url));
const directory = tempDirectory('crash');
const random = seededRandom(Number(process.env.BOTPE_CRASH_SEED ?? 4));

const targets: Array<{ store: CrashWorkerConfig['store']; path?: string; url?: string }> = [
  { store: 'sqlite', path: join(directory, 'sessions.db') },
];
if (await serviceAvailable('postgres')) targets.push({ store: 'postgres', url: pgUrl });

function start(config: CrashWorkerConfig): {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: root, // where `--import tsx` resolves tsx
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const ready = new Promise<void>((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
    child.once('exit', () => resolve());
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) console.error(`[crash] worker failed: ${stderr}`);
      resolve(code);
    });
  });
  return { child, ready, exited };
}

/** Deletes the test's sessions, so a shared database does not collect them. */
async function removeSessions(config: CrashWorkerConfig): Promise<void> {
  const store =
    config.store === 'sqlite'
      ? createSqliteStore({ path: config.path!, namespace: config.namespace })
      : createPostgresStore({ connectionString: config.url!, namespace: config.namespace });
  for (let conversation = 0; conversation < CONVERSATIONS; conversation++) {
    await store.delete(`test:bot-1:user-${conversation}`);
  }
  await store.close();
}

function lineCount(path: string): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

function readLog(path: string): CrashLogEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.endsWith('}'))
    .map((line) => JSON.parse(line) as CrashLogEntry);
}

describe('crash safety: SIGKILL at random points, then recover() and redelivery', () => {
  for (const target of targets) {
    it(`${target.store}: nothing lost, a reply repeats only inside the send-to-clear window`, async () => {
      const config: CrashWorkerConfig = {
        ...target,
        namespace: uniqueNamespace(`crash-${target.store}`),
        log: join(directory, `${target.store}.log`),
        conversations: CONVERSATIONS,
        messages: MESSAGES,
      };
      const killed = new Set<number>();
      for (let kill = 0; kill < KILLS; kill++) {
        // Kill at a random point of the remaining work (counted in log lines: sends and acks), so
        // some kills land during recovery, some mid-step, some between a send and its clear.
        const before = lineCount(config.log);
        const acked = readLog(config.log).filter((entry) => entry.kind === 'ack').length;
        const target = before + 1 + Math.floor(random() * (CONVERSATIONS * MESSAGES - acked) * 1.5);
        const run = start(config);
        await run.ready;
        while (run.child.exitCode === null && lineCount(config.log) < target) {
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
        if (run.child.exitCode === null && run.child.kill('SIGKILL')) killed.add(run.child.pid!);
        await run.exited;
      }
      const last = start(config);
      expect(await last.exited).toBe(0);

      const log = readLog(config.log);
      const sent = log.filter((entry) => entry.kind === 'sent');
      const acknowledged = new Set(log.filter((entry) => entry.kind === 'ack').map((entry) => entry.id));
      expect(log.some((entry) => entry.kind === 'done')).toBe(true);
      expect(acknowledged.size).toBe(CONVERSATIONS * MESSAGES);

      // Nothing lost: every message's reply reached the provider.
      for (let conversation = 0; conversation < CONVERSATIONS; conversation++) {
        const texts = new Set(
          sent.filter((entry) => entry.conversation === `user-${conversation}`).map((entry) => entry.text),
        );
        for (let message = 0; message < MESSAGES; message++)
          expect(texts).toContain(`echo: c${conversation}-m${message}`);
        expect(texts.size).toBe(MESSAGES);
      }

      // A reply is sent again only by recover() after the process that sent it was killed before clearing it.
      const byId = new Map<string, typeof sent>();
      for (const entry of sent) byId.set(entry.id, [...(byId.get(entry.id) ?? []), entry]);
      let duplicates = 0;
      for (const sends of byId.values()) {
        for (let index = 1; index < sends.length; index++) {
          duplicates++;
          expect(killed).toContain(sends[index - 1]!.pid);
          expect(sends[index]!.phase).toBe('recover');
          expect(sends[index]!.pid).not.toBe(sends[index - 1]!.pid);
        }
      }
      // Counted from the sends, since a process killed during recover() never logs its count.
      const recovered = sent.filter((entry) => entry.phase === 'recover').length;
      console.log(
        `[crash] ${target.store}: ${killed.size} kills, ${CONVERSATIONS * MESSAGES} messages, ${byId.size} replies, ` +
          `${recovered} sent by recover(), ${duplicates} duplicate sends (send-to-clear window)`,
      );
      expect(killed.size).toBeGreaterThanOrEqual(KILLS - 1);
      await removeSessions(config);
    }, 60_000);
  }
});
