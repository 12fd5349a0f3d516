import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWebhook } from '@botpe/whatsapp-adapter';
import { describe, expect, it } from 'vitest';

// The shared corpus sits beside the clone (../shared/corpus/whatsapp, as in CI). A copy lives in
// test/fixtures/meta-corpus so a clone on its own runs the same cases; a test keeps the two equal.
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const sharedCorpus = join(repoRoot, '../shared/corpus/whatsapp');
const vendoredCorpus = join(repoRoot, 'packages/whatsapp-adapter/test/fixtures/meta-corpus');
const corpusDir = existsSync(sharedCorpus) ? sharedCorpus : vendoredCorpus;
const load = (file: string): unknown => JSON.parse(readFileSync(join(corpusDir, file), 'utf8'));

const bot = { channel: 'whatsapp', botId: '106540352242922', userId: '16505551234' };

const expectations: Record<string, (parsed: ReturnType<typeof parseWebhook>) => void> = {
  'inbound_text_meta_docs.json': ({ events, statuses, ignored }) => {
    expect(statuses).toEqual([]);
    expect(ignored).toEqual([]);
    expect(events).toEqual([
      {
        conversation: bot,
        contact: { name: 'Sheena Nelson' },
        message: {
          type: 'text',
          text: 'Does it come in another color?',
          id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
          timestamp: 1749416383000,
          metadata: { wabaId: '102290129340398' },
        },
      },
    ]);
  },
  'inbound_image_with_url_caption_meta_docs.json': ({ events }) => {
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toMatchObject({
      type: 'media',
      kind: 'image',
      mediaId: '1003383421387256',
      mimeType: 'image/jpeg',
      caption: 'Taj Mahal',
      timestamp: 1744344496000,
      metadata: { sha256: 'SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=' },
    });
    expect(events[0]!.message.metadata?.url).toMatch(/^https:\/\/lookaside\.fbsbx\.com\//);
  },
  'inbound_interactive_button_reply_meta_docs.json': ({ events }) => {
    expect(events.map((event) => event.message)).toMatchObject([
      {
        type: 'button',
        buttonId: 'cancel-button',
        text: 'Cancel',
        replyTo: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA',
        timestamp: 1750025136000,
        metadata: { whatsappType: 'interactive' },
      },
    ]);
  },
  'inbound_interactive_list_reply_meta_docs.json': ({ events }) => {
    expect(events.map((event) => event.message)).toMatchObject([
      {
        type: 'list',
        rowId: 'priority_express',
        text: 'Priority Mail Express',
        replyTo: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=',
        metadata: { rowDescription: 'Next Day to 2 Days' },
      },
    ]);
  },
  'inbound_location_reply_to_location_request_meta_docs.json': ({ events }) => {
    expect(events[0]!.contact).toEqual({ name: 'Pablo Morales' });
    expect(events[0]!.message).toMatchObject({
      type: 'location',
      latitude: 40.782910059774,
      longitude: -73.959075808525,
      name: 'Solomon R. Guggenheim Museum',
      address: '1071 5th Ave, New York, NY 10128',
      replyTo: 'wamid.HBgLMTY0NjcwNDM1OTUVAgARGBI1QjJGRjI1RDY0RkE4Nzg4QzcA',
    });
  },
  'inbound_text_ctwa_referral_welcome_message_meta_docs.json': ({ events }) => {
    expect(events[0]!.message).toMatchObject({ type: 'text', text: 'Can I get more info about this?' });
    expect(events[0]!.message.metadata?.referral).toMatchObject({
      source_type: 'ad',
      source_id: '120226305854810726',
    });
  },
  'inbound_text_message_business_button_referred_product_meta_docs.json': ({ events }) => {
    expect(events[0]!.message).toMatchObject({
      type: 'text',
      text: 'Is this still available?',
      replyTo: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA',
      metadata: {
        referredProduct: { catalog_id: '194836987003835', product_retailer_id: 'di9ozbzfi4' },
        wabaId: '419561257915477',
      },
    });
  },
  'inbound_unsupported_131051_edit_type_meta_docs.json': ({ events }) => {
    expect(events[0]!.message).toMatchObject({
      type: 'unsupported',
      reason: 'unsupported:edit',
      metadata: {
        errors: [
          {
            code: 131051,
            title: 'Message type unknown',
            details: 'Message type is currently not supported.',
          },
        ],
      },
    });
  },
  'status_failed_131049_ecosystem_meta_docs.json': ({ events, statuses }) => {
    expect(events).toEqual([]);
    expect(statuses).toEqual([
      {
        conversation: bot,
        providerMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA',
        status: 'failed',
        timestamp: 1751142888000,
        errors: [
          {
            code: 131049,
            title: 'This message was not delivered to maintain healthy ecosystem engagement.',
            message: 'This message was not delivered to maintain healthy ecosystem engagement.',
            details:
              'In order to maintain a healthy ecosystem engagement, the message failed to be delivered.',
          },
        ],
      },
    ]);
  },
  'status_sent_pmp_marketing_meta_docs.json': ({ statuses }) => {
    expect(statuses).toMatchObject([
      { status: 'sent', timestamp: 1750030073000, pricingCategory: 'marketing', errors: [] },
    ]);
  },
  'status_v24_minimal_no_conversation_no_pricing_meta_docs.json': ({ statuses }) => {
    expect(statuses).toEqual([
      {
        conversation: bot,
        providerMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
        status: 'sent',
        timestamp: 1750030073000,
        errors: [],
      },
    ]);
  },
  'value_errors_130429_no_messages_meta_docs.json': ({ events, statuses, ignored }) => {
    expect(events).toEqual([]);
    expect(statuses).toEqual([]);
    expect(ignored).toEqual([
      {
        reason: 'value_errors',
        path: 'entry[0].changes[0].value.errors',
        field: 'messages',
        errors: [
          {
            code: 130429,
            title: 'Rate limit hit',
            message: 'Rate limit hit',
            details:
              'Message failed to send because there were too many messages sent from this phone number in a short period of time',
          },
        ],
      },
    ]);
  },
  'send_response_text_success_meta_docs.json': ({ events, statuses, ignored }) => {
    // Not a webhook at all: nothing comes out, nothing throws.
    expect(events).toEqual([]);
    expect(statuses).toEqual([]);
    expect(ignored).toEqual([]);
  },
};

describe('parseWebhook over the shared corpus of Meta payloads', () => {
  it.runIf(existsSync(sharedCorpus))('the vendored copy matches ../shared/corpus/whatsapp', () => {
    const names = (dir: string) =>
      readdirSync(dir)
        .filter((file) => file.endsWith('.json'))
        .sort();
    expect(names(vendoredCorpus)).toEqual(names(sharedCorpus));
    for (const file of names(sharedCorpus)) {
      expect(readFileSync(join(vendoredCorpus, file), 'utf8'), file).toBe(
        readFileSync(join(sharedCorpus, file), 'utf8'),
      );
    }
  });

  const files = readdirSync(corpusDir).filter((file) => file.endsWith('.json'));

  it('has an expectation for every corpus file', () => {
    expect(files.length).toBeGreaterThanOrEqual(13);
    expect(files.filter((file) => !(file in expectations))).toEqual([]);
  });

  for (const file of Object.keys(expectations)) {
    it(file, () => {
      expectations[file]!(parseWebhook(load(file)));
    });
  }
});
