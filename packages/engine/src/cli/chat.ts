import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BotpeError, describeError } from '../errors.js';
import { parseDuration } from '../flow/duration.js';
import { parseFlow } from '../flow/parse.js';
import {
  type ConversationRef,
  conversationKey,
  type InboundMessage,
  type OutboundMessage,
} from '../messages.js';
import { createEngine } from '../runtime/engine.js';
import type { Engine, StepResult, StepStatus } from '../runtime/types.js';
import { createFakeClock, type FakeClock } from '../testing/fake-clock.js';
import { parseFileCommand } from './args.js';
import { type CliCommand, type CliIo, EXIT, writeLine } from './command.js';
import { readFlowFile } from './flow-file.js';
import { findOption, renderOutbound } from './render.js';
import { createStoreFromSpec, STORE_SPECS } from './store-spec.js';
import { formatIssues } from './validate.js';

const USAGE = `Usage: botpe chat <flow.json> [--name <contact name>] [--store <spec>]

Talk to a flow in the terminal, with a real engine and a fake clock. Buttons and list rows
are numbered: type the number or the title to pick one. Reads stdin line by line, so a
script can be piped in; ends at end of input.

Options:
  --name <name>     the contact's name ({{contact.name}})
  --store <spec>    where sessions live: ${STORE_SPECS.join(', ')} (default memory)
  -h, --help        show this help

In the chat:
  /click <id>       tap a button or pick a list row by its id
  /advance <dur>    move the clock (e.g. 10m, 2h, 1d) and fire the timers that fall due
  /release          end a human handoff; the flow goes on
  /vars             print the session's variables
  /help             show these commands
  /quit             leave`;

const CHAT_HELP = `/click <id>  /advance <duration>  /release  /vars  /help  /quit`;

/** A terminal conversation with one engine, as one user. */
class ChatSession {
  private sequence = 0;
  private lastInteractive: OutboundMessage | undefined;
  private variables: Record<string, unknown> = {};
  private status: StepStatus | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly clock: FakeClock,
    private readonly conversation: ConversationRef,
    private readonly contact: { name?: string } | undefined,
    private readonly io: CliIo,
    /** Unique per run, so message ids never repeat across restarts on a durable store (they would be dropped as duplicates). */
    private readonly runId: string,
    /** The variables of a conversation resumed from a durable store. */
    resumed: Record<string, unknown> = {},
  ) {
    this.variables = resumed;
  }

  private say(text = '') {
    writeLine(this.io.stdout, text);
  }

  /** Prints a step's replies and, when it changed, what the conversation's status means. */
  private show(result: StepResult) {
    for (const message of result.outbound) {
      if (message.type === 'buttons' || message.type === 'list') this.lastInteractive = message;
      for (const line of renderOutbound(message)) this.say(line);
    }
    this.variables = result.variables;
    const previous = this.status;
    this.status = result.status;
    if (result.status === 'ended') {
      const ended = result.events.find((event) => event.type === 'session.ended');
      // 'end' is the ordinary way out; any other reason (expired, loop-limit…) is worth showing.
      const reason = ended && 'reason' in ended && ended.reason !== 'end' ? ` (${String(ended.reason)})` : '';
      this.lastInteractive = undefined;
      this.say(`-- conversation ended${reason}; a new message starts a new one --`);
    } else if (result.status === 'handoff') {
      if (previous !== 'handoff') {
        const handoff = result.events.find((event) => event.type === 'node.handoff');
        const queue =
          handoff && 'queue' in handoff && handoff.queue ? ` (queue: ${String(handoff.queue)})` : '';
        this.say(`-- handed off to a human${queue}; the bot is muted. /release ends the handoff --`);
      } else if (result.outbound.length === 0) {
        this.say('-- (a human has the conversation; /release ends the handoff) --');
      }
    } else if (result.status === 'unrouted') {
      this.say('-- no flow starts with this message (its start triggers did not match) --');
    }
  }

  private async send(
    body: InboundMessage extends infer M ? (M extends unknown ? Omit<M, 'id' | 'timestamp'> : never) : never,
  ) {
    this.sequence++;
    const message = {
      ...body,
      id: `cli-${this.runId}-${this.sequence}`,
      timestamp: this.clock.now(),
    } as InboundMessage;
    this.show(
      await this.engine.handle({
        conversation: this.conversation,
        ...(this.contact ? { contact: this.contact } : {}),
        message,
      }),
    );
  }

  /** Handles one line the user typed; returns false to leave. */
  async line(raw: string): Promise<boolean> {
    const text = raw.trim();
    if (text === '') return true;
    if (!text.startsWith('/')) {
      await this.send({ type: 'text', text });
      return true;
    }
    const [command = '', ...rest] = text.split(/\s+/);
    const argument = rest.join(' ');
    switch (command) {
      case '/quit':
      case '/exit':
        return false;
      case '/help':
        this.say(CHAT_HELP);
        return true;
      case '/vars':
        this.say(JSON.stringify(this.variables, null, 2));
        return true;
      case '/release':
        this.show(await this.engine.release(this.conversation));
        return true;
      case '/click': {
        if (!argument) {
          this.say('usage: /click <button or row id>');
          return true;
        }
        const option = findOption(this.lastInteractive, argument);
        if (option?.type === 'list') await this.send({ type: 'list', rowId: argument, text: option.title });
        else await this.send({ type: 'button', buttonId: argument, text: option?.title ?? argument });
        return true;
      }
      case '/advance': {
        if (parseDuration(argument) === null) {
          this.say('usage: /advance <duration>, e.g. /advance 10m (units: ms, s, m, h, d)');
          return true;
        }
        const now = this.clock.advance(argument);
        this.say(`-- clock +${argument} → ${new Date(now).toISOString()} --`);
        const results = await this.engine.tick();
        if (results.length === 0) this.say('-- no timer was due --');
        for (const result of results) this.show(result);
        return true;
      }
      default:
        this.say(`unknown command ${command}; ${CHAT_HELP}`);
        return true;
    }
  }
}

async function run(args: string[], io: CliIo): Promise<number> {
  const parsed = parseFileCommand('chat', USAGE, io, () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        name: { type: 'string' },
        store: { type: 'string', default: 'memory' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }),
  );
  if (typeof parsed === 'number') return parsed;
  const { values, path } = parsed;
  const file = await readFlowFile(path);
  if (!file.ok) {
    writeLine(io.stderr, `botpe chat: ${file.problem}`);
    return EXIT.usage;
  }
  const parsedFlow = parseFlow(file.document);
  if (!parsedFlow.ok) {
    writeLine(io.stderr, `botpe chat: ${path} has errors; fix them first (botpe validate ${path}):`);
    for (const line of formatIssues(parsedFlow.errors)) writeLine(io.stderr, line);
    return EXIT.invalid;
  }
  let store: Awaited<ReturnType<typeof createStoreFromSpec>>;
  try {
    store = await createStoreFromSpec(values.store);
  } catch (error) {
    writeLine(
      io.stderr,
      `botpe chat: ${BotpeError.isInstance(error) ? error.message : describeError(error)}`,
    );
    return EXIT.usage;
  }

  // The CLI is the edge: the fake clock starts at the real time and then moves only by /advance.
  const startedAt = Date.now();
  const clock = createFakeClock(startedAt);
  const conversation = { channel: 'cli', botId: 'botpe-cli', userId: 'cli-user' };
  const saved = await store.load(conversationKey(conversation)).catch(() => null);
  const engine = createEngine({ flows: [file.document], store, clock });
  const session = new ChatSession(
    engine,
    clock,
    conversation,
    values.name !== undefined ? { name: values.name } : undefined,
    io,
    startedAt.toString(36),
    saved?.state && saved.status !== 'ended' ? saved.state.context.variables : {},
  );
  const interactive = io.stdin.isTTY === true;
  const { flow } = parsedFlow;
  writeLine(
    io.stdout,
    `botpe chat: "${flow.name ?? flow.id}" (${flow.id} v${flow.version}). Say something; /help lists commands.`,
  );
  if (saved?.state && saved.status !== 'ended') {
    writeLine(
      io.stdout,
      `-- resuming the saved conversation: it waits at node "${saved.state.node}" (${saved.status}) --`,
    );
  }

  const lines = createInterface({
    input: io.stdin,
    ...(interactive ? { output: io.stdout as NodeJS.WritableStream, terminal: true } : { terminal: false }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  lines.setPrompt('you> ');
  if (interactive) lines.prompt();
  try {
    // Lines are handled one at a time, in order: a piped script behaves like a typed one.
    for await (const line of lines) {
      if (!interactive) writeLine(io.stdout, `you> ${line}`);
      let goOn = true;
      try {
        goOn = await session.line(line);
      } catch (error) {
        const code = BotpeError.isInstance(error) ? `${error.code}: ` : '';
        writeLine(io.stdout, `-- error: ${code}${describeError(error)} --`);
      }
      if (!goOn) break;
      if (interactive) lines.prompt();
    }
  } finally {
    lines.close();
    await engine.close();
  }
  return EXIT.ok;
}

/** `botpe chat <flow.json> [--name <contact name>] [--store <spec>]`. */
export const chatCommand: CliCommand = {
  name: 'chat',
  summary: 'talk to a flow in the terminal (buttons and lists as numbered options)',
  usage: USAGE,
  run,
};
