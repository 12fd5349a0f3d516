import { splitText, toWhatsAppMessages, truncate, whatsappLimits } from '@botpe/whatsapp-adapter';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const options = { listButtonLabel: 'Choose', previewUrls: false };

describe('splitText and truncate', () => {
  it('splits at word boundaries, never over the limit, losing only whitespace at the cuts', () => {
    expect(splitText('one two three', 8)).toEqual(['one two', 'three']);
    expect(splitText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.integer({ min: 2, max: 60 }),
        (text, max) => {
          const parts = splitText(text, max);
          for (const part of parts) expect(part.length).toBeLessThanOrEqual(max);
          expect(parts.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never splits a surrogate pair', () => {
    const parts = splitText('😀😀😀', 3);
    expect(parts).toEqual(['😀', '😀', '😀']);
  });

  it('truncates with an ellipsis, within the limit', () => {
    expect(truncate('Extra large pizza', 10)).toBe('Extra lar…');
    expect(truncate('Short', 10)).toBe('Short');
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), fc.integer({ min: 2, max: 40 }), (text, max) => {
        const result = truncate(text, max);
        expect(result.length).toBeLessThanOrEqual(max);
        if (text.length > max) expect(result.endsWith('…')).toBe(true);
        else expect(result).toBe(text);
      }),
    );
  });
});

describe('toWhatsAppMessages: the documented fallbacks', () => {
  it('splits a text over 4096 characters into several texts', () => {
    const words = Array.from({ length: 1500 }, (_, index) => `word${index}`).join(' ');
    const messages = toWhatsAppMessages({ type: 'text', text: words }, options);
    expect(messages.length).toBe(Math.ceil(words.length / 4096));
    for (const message of messages) {
      expect(message.type).toBe('text');
      if (message.type === 'text') expect(message.text.length).toBeLessThanOrEqual(4096);
    }
    expect(messages.map((message) => (message.type === 'text' ? message.text : '')).join(' ')).toBe(words);
  });

  it('turns more than 3 buttons into a list, keeping ids', () => {
    const buttons = ['s', 'm', 'l', 'xl'].map((id) => ({ id, title: `Size ${id}` }));
    expect(toWhatsAppMessages({ type: 'buttons', text: 'Size?', buttons, footer: 'f' }, options)).toEqual([
      { type: 'list', body: 'Size?', buttonLabel: 'Choose', sections: [{ rows: buttons }], footer: 'f' },
    ]);
  });

  it('pages more than 10 list rows over several list messages, keeping sections', () => {
    const rows = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, index) => ({ id: `${prefix}${index}`, title: `${prefix} ${index}` }));
    const messages = toWhatsAppMessages(
      {
        type: 'list',
        text: 'Pick',
        buttonLabel: 'Menu',
        sections: [
          { title: 'Pizzas', rows: rows('p', 8) },
          { title: 'Drinks', rows: rows('d', 17) },
        ],
      },
      options,
    );
    expect(messages).toHaveLength(3);
    expect(messages.map((message) => (message.type === 'list' ? message.body : ''))).toEqual([
      'Pick (1/3)',
      'Pick (2/3)',
      'Pick (3/3)',
    ]);
    expect(
      messages.map((message) =>
        message.type === 'list' ? message.sections.map((s) => [s.title, s.rows.length]) : [],
      ),
    ).toEqual([
      [
        ['Pizzas', 8],
        ['Drinks', 2],
      ],
      [['Drinks', 10]],
      [['Drinks', 5]],
    ]);
  });

  it('truncates over-long titles, labels, headers, footers and descriptions with an ellipsis', () => {
    const [message] = toWhatsAppMessages(
      {
        type: 'list',
        text: 'Pick',
        buttonLabel: 'A list button label that is long',
        header: 'h'.repeat(70),
        footer: 'f'.repeat(70),
        sections: [
          {
            title: 'A very long section title here',
            rows: [{ id: 'r', title: 'A row title longer than 24', description: 'd'.repeat(80) }],
          },
        ],
      },
      options,
    );
    if (message?.type !== 'list') throw new Error('expected a list');
    expect(message.buttonLabel).toHaveLength(whatsappLimits.maxListButtonLabel);
    expect(message.header).toHaveLength(60);
    expect(message.footer).toHaveLength(60);
    expect(message.sections[0]!.title).toHaveLength(24);
    expect(message.sections[0]!.rows[0]).toEqual({
      id: 'r',
      title: 'A row title longer than…',
      description: `${'d'.repeat(71)}…`,
    });
    const [buttons] = toWhatsAppMessages(
      { type: 'buttons', text: 'x', buttons: [{ id: 'b', title: 'A button title over twenty' }] },
      options,
    );
    expect(buttons).toMatchObject({ buttons: [{ id: 'b', title: 'A button title over…' }] });
  });

  it('sends the head of an interactive body over 1024 characters as text first', () => {
    const text = `${'intro '.repeat(300)}Which size?`;
    const messages = toWhatsAppMessages(
      { type: 'buttons', text, buttons: [{ id: 's', title: 'S' }] },
      options,
    );
    expect(messages.map((message) => message.type)).toEqual(['text', 'buttons']);
    if (messages[1]?.type !== 'buttons') throw new Error('expected buttons');
    expect(messages[1].body.length).toBeLessThanOrEqual(1024);
    expect(messages[1].body.endsWith('Which size?')).toBe(true);
  });

  it('moves an audio caption into a following text and truncates long image captions', () => {
    expect(toWhatsAppMessages({ type: 'media', kind: 'audio', id: 'A', caption: 'Listen' }, options)).toEqual(
      [
        { type: 'audio', id: 'A' },
        { type: 'text', text: 'Listen' },
      ],
    );
    const [image] = toWhatsAppMessages(
      { type: 'media', kind: 'image', url: 'https://example.com/a.jpg', caption: 'c'.repeat(2000) },
      options,
    );
    expect(image).toMatchObject({ type: 'image', link: 'https://example.com/a.jpg' });
    expect(image?.type === 'image' && image.caption?.length).toBe(1024);
  });
});
