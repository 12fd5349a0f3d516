/**
 * A WhatsApp bot server: Meta's webhook → engine → WhatsApp transport, on node:http.
 * With Meta credentials it talks to the real Cloud API; without them it starts the local Graph API
 * emulator, so every message still travels as a real signed webhook and a real Graph API call.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEngine, createMemoryStore, type Engine, type Store } from '@botpe/engine';
import { createSqliteStore } from '@botpe/storage-adapters/sqlite';
import {
  createWebhookHandler,
  createWhatsAppTransport,
  type WhatsAppTransport,
} from '@botpe/whatsapp-adapter';
import { type GraphEmulator, startGraphEmulator } from '@botpe/whatsapp-adapter/testing';

export interface MetaCredentials {
  accessToken: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
}

export interface WhatsAppServerOptions {
  /** Flow documents, as the editor saves them. */
  flows: unknown[];
  /** Talk to Meta. Without it, the Graph API emulator stands in on loopback. */
  meta?: MetaCredentials;
  /** Default 3000 with Meta, any free port for the emulator. */
  port?: number;
  /** Default 0.0.0.0 with Meta (Meta must reach it), 127.0.0.1 for the emulator. */
  host?: string;
  /** A SQLite file for sessions; `null` keeps them in memory. Default `whatsapp-bot.db`. */
  databasePath?: string | null;
  /** How often due timers (delays, timeouts) fire. Default 1000 ms. */
  tickMs?: number;
  /** Where the server logs ids and counts (never message bodies or phone numbers). */
  log?: (line: string) => void;
}

export interface WhatsAppServer {
  /** The webhook URL (give it to Meta, behind HTTPS). */
  url: string;
  engine: Engine;
  transport: WhatsAppTransport;
  /** Present in emulator mode. */
  emulator?: GraphEmulator;
  /** The business phone number id the bot answers on. */
  phoneNumberId: string;
  close(): Promise<void>;
}

// Fake, obviously-not-real credentials for the emulator mode.
const DEMO: MetaCredentials = {
  accessToken: 'demo-access-token',
  phoneNumberId: '100000000000001',
  appSecret: 'demo-app-secret',
  verifyToken: 'demo-verify-token',
};

function openStore(path: string | null | undefined, log: (line: string) => void): Store {
  if (path === null) return createMemoryStore();
  const file = path ?? 'whatsapp-bot.db';
  log(`sessions in SQLite: ${file}`);
  return createSqliteStore({ path: file });
}

/**
 * Starts the server; resolves once it listens.
 *
 * @example
 * const server = await startWhatsAppServer({ flows: [pizzaFlow], databasePath: null });
 * await server.emulator!.sendUserMessage(server.phoneNumberId, { from: '15550001111', message: { type: 'text', text: 'hi' } });
 * await server.close();
 */
export async function startWhatsAppServer(options: WhatsAppServerOptions): Promise<WhatsAppServer> {
  const log = options.log ?? (() => undefined);
  const credentials = options.meta ?? DEMO;
  const emulator = options.meta
    ? undefined
    : await startGraphEmulator({ accessToken: DEMO.accessToken, appSecret: DEMO.appSecret });
  const transport = createWhatsAppTransport({
    accessToken: credentials.accessToken,
    phoneNumberId: credentials.phoneNumberId,
    ...(emulator ? { baseUrl: emulator.baseUrl } : {}),
  });
  const engine = createEngine({
    flows: options.flows,
    store: openStore(options.databasePath, log),
    transport,
  });
  engine.on('error', (event) => log(`engine error ${event.type === 'error' ? event.code : ''}`));
  engine.on('message.failed', (event) =>
    log(`message failed: ${event.type === 'message.failed' ? event.code : ''}`),
  );

  const webhook = createWebhookHandler({
    appSecret: credentials.appSecret,
    verifyToken: credentials.verifyToken,
    engine,
    windowTracker: transport,
    onError: (error) => log(`webhook rejected: ${error instanceof Error ? error.message : String(error)}`),
  });
  const server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/webhook') {
      res.writeHead(404).end();
      return;
    }
    void webhook.node(req, res);
  });
  const host = options.host ?? (emulator ? '127.0.0.1' : '0.0.0.0');
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? (emulator ? 0 : 3000), host, () => resolve()),
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/webhook`;
  emulator?.setWebhookUrl(url);

  // Delays, reminders and session expiry: fire due timers, and deliver any outbox a crash left.
  await engine.recover();
  const ticker = setInterval(() => {
    engine
      .tick()
      .catch((error: unknown) =>
        log(`tick failed: ${error instanceof Error ? error.message : String(error)}`),
      );
  }, options.tickMs ?? 1000);

  return {
    url,
    engine,
    transport,
    ...(emulator ? { emulator } : {}),
    phoneNumberId: credentials.phoneNumberId,
    async close() {
      clearInterval(ticker);
      // The emulator first: its status webhooks in flight still reach this server.
      await emulator?.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await engine.close();
    },
  };
}
