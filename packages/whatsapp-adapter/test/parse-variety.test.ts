import { parseWebhook } from '@botpe/whatsapp-adapter';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const metadata = { display_phone_number: '15550000000', phone_number_id: 'PNID-1' };

function payload(values: Array<Record<string, unknown>>, field = 'messages') {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: 'WABA-1',
        changes: values.map((value) => ({
          field,
          value: { messaging_product: 'whatsapp', metadata, ...value },
        })),
      },
    ],
  };
}

function one(message: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parseWebhook(
    payload([
      { contacts: [{ profile: { name: 'Ana' }, wa_id: '15550001111' }], messages: [message], ...extra },
    ]),
  );
}

const base = { from: '15550001111', id: 'wamid.A', timestamp: 1_700_000_000 };

describe('parseWebhook: the variety real traffic has', () => {
  it('visits every entry, change, message and status of a batch', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: 'WABA-1',
          changes: [
            {
              field: 'messages',
              value: {
                metadata,
                contacts: [
                  { profile: { name: 'Ana' }, wa_id: '15550001111' },
                  { profile: { name: 'Bo' }, wa_id: '15550002222' },
                ],
                // Contacts are matched by id, not by position.
                messages: [
                  { ...base, from: '15550002222', id: 'm1', type: 'text', text: { body: 'one' } },
                  { ...base, id: 'm2', type: 'text', text: { body: 'two' } },
                ],
              },
            },
            {
              field: 'messages',
              value: {
                metadata,
                statuses: [
                  { id: 's1', status: 'read', timestamp: '1700000001', recipient_id: '15550001111' },
                ],
              },
            },
          ],
        },
        {
          id: 'WABA-2',
          changes: [
            {
              field: 'messages',
              value: {
                metadata: { phone_number_id: 'PNID-2' },
                messages: [{ ...base, id: 'm3', type: 'text', text: { body: 'three' } }],
              },
            },
          ],
        },
      ],
    };
    const { events, statuses, ignored } = parseWebhook(body);
    expect(
      events.map((event) => [
        event.message.id,
        event.conversation.botId,
        event.conversation.userId,
        event.contact?.name,
      ]),
    ).toEqual([
      ['m1', 'PNID-1', '15550002222', 'Bo'],
      ['m2', 'PNID-1', '15550001111', 'Ana'],
      ['m3', 'PNID-2', '15550001111', undefined],
    ]);
    expect(statuses.map((status) => [status.providerMessageId, status.status, status.timestamp])).toEqual([
      ['s1', 'read', 1_700_000_001_000],
    ]);
    expect(ignored).toEqual([]);
  });

  it('accepts numeric and string timestamps, and converts seconds to milliseconds', () => {
    expect(one({ ...base, type: 'text', text: { body: 'x' } }).events[0]!.message.timestamp).toBe(
      1_700_000_000_000,
    );
    expect(
      one({ ...base, timestamp: '1700000000', type: 'text', text: { body: 'x' } }).events[0]!.message
        .timestamp,
    ).toBe(1_700_000_000_000);
  });

  it('falls back to receivedAt for a message without a timestamp, and sets it aside without one', () => {
    const message = { from: '15550001111', id: 'wamid.T', type: 'text', text: { body: 'x' } };
    expect(
      parseWebhook(payload([{ messages: [message] }]), { receivedAt: 42 }).events[0]!.message.timestamp,
    ).toBe(42);
    expect(parseWebhook(payload([{ messages: [message] }])).ignored).toMatchObject([
      { reason: 'missing_timestamp', messageId: 'wamid.T' },
    ]);
  });

  it('handles a message without contacts and one without from (a username user)', () => {
    const noContacts = parseWebhook(
      payload([{ messages: [{ ...base, type: 'text', text: { body: 'x' } }] }]),
    );
    expect(noContacts.events[0]!.contact).toBeUndefined();
    const hidden = parseWebhook(
      payload([
        {
          contacts: [{ profile: { name: 'Cy', username: 'cy' }, user_id: 'US.123' }],
          messages: [
            {
              id: 'wamid.H',
              from_user_id: 'US.123',
              timestamp: '1700000000',
              type: 'text',
              text: { body: 'hi' },
            },
          ],
        },
      ]),
    );
    expect(hidden.events[0]).toMatchObject({
      conversation: { userId: 'US.123' },
      contact: { name: 'Cy' },
      message: { metadata: { userId: 'US.123', phoneHidden: true, username: 'cy' } },
    });
    const nobody = parseWebhook(
      payload([{ messages: [{ id: 'wamid.N', timestamp: '1', type: 'text', text: { body: 'x' } }] }]),
    );
    expect(nobody.ignored).toMatchObject([{ reason: 'missing_sender', messageId: 'wamid.N' }]);
  });

  it('maps every inbound type of the SPEC', () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [
        { type: 'video', video: { id: 'V1', mime_type: 'video/mp4' } },
        { type: 'media', kind: 'video', mediaId: 'V1', mimeType: 'video/mp4' },
      ],
      [
        { type: 'audio', audio: { id: 'A1', mime_type: 'audio/ogg', voice: true } },
        { type: 'media', kind: 'audio', metadata: { voice: true } },
      ],
      [
        {
          type: 'document',
          document: { id: 'D1', mime_type: 'application/pdf', filename: 'menu.pdf', caption: 'Menu' },
        },
        { type: 'media', kind: 'document', filename: 'menu.pdf', caption: 'Menu' },
      ],
      [
        { type: 'sticker', sticker: { id: 'S1', mime_type: 'image/webp', animated: false } },
        { type: 'media', kind: 'sticker' },
      ],
      [
        { type: 'location', location: { latitude: '1.5', longitude: '-2.25' } },
        { type: 'location', latitude: 1.5, longitude: -2.25 },
      ],
      [
        {
          type: 'contacts',
          contacts: [
            {
              name: { formatted_name: 'Dee', first_name: 'Dee' },
              phones: [{ phone: '+1 555 000 3333', wa_id: '15550003333', type: 'CELL' }],
              emails: [{ email: 'dee@example.com' }],
            },
          ],
        },
        {
          type: 'contacts',
          contacts: [
            {
              name: 'Dee',
              phones: [{ phone: '+1 555 000 3333', waId: '15550003333', type: 'CELL' }],
              emails: ['dee@example.com'],
            },
          ],
        },
      ],
      [
        { type: 'button', button: { payload: 'CONFIRM', text: 'Yes' } },
        { type: 'button', buttonId: 'CONFIRM', text: 'Yes', metadata: { templateQuickReply: true } },
      ],
      [
        {
          type: 'interactive',
          interactive: {
            type: 'nfm_reply',
            nfm_reply: { name: 'flow', body: 'Sent', response_json: '{"flow_token":"t-1","size":"L"}' },
          },
        },
        {
          type: 'unsupported',
          reason: 'nfm_reply',
          metadata: {
            nfmReply: {
              name: 'flow',
              body: 'Sent',
              response: { flow_token: 't-1', size: 'L' },
              flowToken: 't-1',
            },
          },
        },
      ],
      [
        { type: 'reaction', reaction: { message_id: 'wamid.X', emoji: '\ud83d\ude2e' } },
        { type: 'reaction', messageId: 'wamid.X', emoji: '😮' },
      ],
      [
        {
          type: 'order',
          order: {
            catalog_id: 'C1',
            product_items: [{ product_retailer_id: 'P1', quantity: '2', item_price: 9.5, currency: 'USD' }],
          },
        },
        {
          type: 'unsupported',
          reason: 'order',
          metadata: {
            order: {
              catalogId: 'C1',
              items: [{ productRetailerId: 'P1', quantity: 2, itemPrice: 9.5, currency: 'USD' }],
            },
          },
        },
      ],
      [{ type: 'request_welcome' }, { type: 'unsupported', reason: 'request_welcome' }],
      [
        {
          type: 'unknown',
          errors: [
            {
              code: 131051,
              details: 'Message type is not currently supported',
              title: 'Unsupported message type',
            },
          ],
        },
        { type: 'unsupported', reason: 'unknown' },
      ],
      [
        { type: 'poll_creation', poll_creation: {} },
        { type: 'unsupported', reason: 'unknown_type:poll_creation' },
      ],
      [
        { type: 'interactive', interactive: { type: 'call_permission_reply' } },
        { type: 'unsupported', reason: 'interactive:call_permission_reply' },
      ],
      [{ type: 'interactive' }, { type: 'unsupported', reason: 'interactive:missing' }],
      [{ text: { body: 'no type field' } }, { type: 'text', text: 'no type field' }],
      [
        { type: 'edit', edit: { original_message_id: 'wamid.O' } },
        { type: 'unsupported', reason: 'edit', metadata: { originalMessageId: 'wamid.O' } },
      ],
    ];
    for (const [wire, expected] of cases) {
      const { events, ignored } = one({ ...base, ...wire });
      expect(ignored, JSON.stringify(wire)).toEqual([]);
      expect(events[0]!.message, JSON.stringify(wire)).toMatchObject(expected);
    }
  });

  it('treats a reaction without emoji (or with "") as a removal', () => {
    for (const reaction of [{ message_id: 'wamid.X' }, { message_id: 'wamid.X', emoji: '' }]) {
      const message = one({ ...base, type: 'reaction', reaction }).events[0]!.message;
      expect(message).toMatchObject({ type: 'reaction', messageId: 'wamid.X' });
      expect('emoji' in message).toBe(false);
    }
  });

  it('carries forwarding flags and context', () => {
    const message = one({ ...base, type: 'text', text: { body: 'x' }, context: { forwarded: true } })
      .events[0]!.message;
    expect(message.metadata).toMatchObject({ forwarded: true });
    expect(message.replyTo).toBeUndefined();
  });

  it('sets aside system messages, revokes, other fields and foreign objects, with reasons', () => {
    const system = parseWebhook(
      payload([
        {
          messages: [
            {
              ...base,
              type: 'system',
              system: { body: 'changed', type: 'user_changed_number', wa_id: '15550009999' },
            },
          ],
        },
      ]),
    );
    expect(system.events).toEqual([]);
    expect(system.ignored).toMatchObject([
      { reason: 'system_message', detail: { systemType: 'user_changed_number', newWaId: '15550009999' } },
    ]);
    expect(
      one({ ...base, type: 'revoke', revoke: { original_message_id: 'wamid.O' } }).ignored,
    ).toMatchObject([{ reason: 'revoke' }]);
    expect(
      parseWebhook(payload([{ event: 'APPROVED' }], 'message_template_status_update')).ignored,
    ).toMatchObject([{ reason: 'unknown_field', field: 'message_template_status_update' }]);
    expect(parseWebhook({ object: 'page', entry: [] }).ignored).toMatchObject([{ reason: 'not_whatsapp' }]);
    expect(
      parseWebhook(
        payload([{ statuses: [{ id: 's', status: 'deleted', timestamp: '1', recipient_id: '1' }] }]),
      ).ignored,
    ).toMatchObject([{ reason: 'unknown_status' }]);
    expect(
      parseWebhook({
        object: 'whatsapp_business_account',
        entry: [{ changes: [{ field: 'messages', value: { messages: [base] } }] }],
      }).ignored,
    ).toMatchObject([{ reason: 'missing_metadata' }]);
  });

  it('never throws on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseWebhook(value);
        expect(Array.isArray(result.events)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws on webhook-shaped payloads with arbitrary parts, and accounts for every message', () => {
    const anything = fc.oneof(
      fc.jsonValue(),
      fc.string(),
      fc.integer(),
      fc.constant(undefined),
      fc.constant(null),
    );
    const message = fc.record(
      {
        from: fc.oneof(fc.constant('15550001111'), anything),
        id: fc.oneof(fc.string({ minLength: 1 }), anything),
        timestamp: fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer().map(String), anything),
        type: fc.oneof(
          fc.constantFrom(
            'text',
            'image',
            'interactive',
            'button',
            'reaction',
            'location',
            'order',
            'system',
            'contacts',
            'unsupported',
            'zzz',
          ),
          anything,
        ),
        text: fc.oneof(fc.record({ body: fc.string() }), anything),
        image: anything,
        interactive: fc.oneof(
          fc.record({
            type: fc.constantFrom('button_reply', 'list_reply', 'nfm_reply'),
            button_reply: anything,
            list_reply: anything,
            nfm_reply: anything,
          }),
          anything,
        ),
        location: anything,
        context: anything,
      },
      { requiredKeys: [] },
    );
    const value = fc.record(
      {
        metadata: fc.oneof(fc.constant(metadata), anything),
        contacts: fc.oneof(fc.array(anything), anything),
        messages: fc.array(message, { maxLength: 5 }),
        statuses: fc.oneof(fc.array(anything), anything),
      },
      { requiredKeys: ['messages'] },
    );
    fc.assert(
      fc.property(fc.array(value, { maxLength: 4 }), (values) => {
        const result = parseWebhook(payload(values), { receivedAt: 1 });
        const withMetadata = values.filter((v) => !('metadata' in v) || v.metadata === metadata);
        const messageCount = withMetadata.reduce((sum, v) => sum + v.messages.length, 0);
        const fromMessages = result.ignored.filter((item) => item.path.includes('.messages['));
        // Each message of a value with metadata is either an event or an ignored item: none vanish.
        expect(result.events.length + fromMessages.length).toBe(messageCount);
        for (const event of result.events) expect(Number.isFinite(event.message.timestamp)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
