import { splitText, trimToSentence, WHATSAPP_TEXT_LIMIT } from '@botpe/ai-nodes';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

describe('splitText', () => {
  it('leaves a short text whole', () => {
    expect(splitText('  Hello there.  ')).toEqual(['Hello there.']);
    expect(splitText('')).toEqual([]);
  });

  it('cuts at a paragraph, then a sentence, then a space', () => {
    expect(splitText('First paragraph.\n\nSecond one.', 20)).toEqual(['First paragraph.', 'Second one.']);
    expect(splitText('One sentence here. Another one here.', 25)).toEqual([
      'One sentence here.',
      'Another one here.',
    ]);
    expect(splitText('aaaa bbbb cccc dddd', 10)).toEqual(['aaaa bbbb', 'cccc dddd']);
    expect(splitText('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('never splits an emoji', () => {
    const parts = splitText('😀'.repeat(5), 2);
    expect(parts).toEqual(['😀😀', '😀😀', '😀']);
  });

  it('keeps every piece within the limit and loses only whitespace at the cuts (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 400 }),
        fc.integer({ min: 2, max: 60 }),
        (text, limit) => {
          const parts = splitText(text, limit);
          for (const part of parts) {
            expect([...part].length).toBeLessThanOrEqual(limit);
            expect(part).not.toBe('');
          }
          expect(parts.join('').replace(/\s/g, '')).toBe(text.replace(/\s/g, ''));
        },
      ),
    );
  });

  it("uses WhatsApp's 4096 limit by default", () => {
    expect(WHATSAPP_TEXT_LIMIT).toBe(4096);
    const parts = splitText('word '.repeat(2000));
    expect(parts).toHaveLength(3);
    expect(Math.max(...parts.map((part) => part.length))).toBeLessThanOrEqual(4096);
  });

  it('refuses a limit below 2', () => {
    expect(() => splitText('abc', 1)).toThrow(RangeError);
  });
});

describe('trimToSentence', () => {
  it('drops an unfinished last sentence, keeping a text without any full sentence', () => {
    expect(trimToSentence('Your order ships today. It will arrive on')).toBe('Your order ships today.');
    expect(trimToSentence('no sentence end here')).toBe('no sentence end here');
    expect(trimToSentence('Done! Really?')).toBe('Done! Really?');
  });
});
