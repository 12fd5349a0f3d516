/** WhatsApp's limit for the body of one text message. */
export const WHATSAPP_TEXT_LIMIT = 4096;

/**
 * Splits a reply into messages no longer than `limit` characters, cutting at a paragraph break,
 * else a line break, else a sentence end, else a space; a single unbroken run is cut hard.
 * Code points are never split (emoji stay whole).
 *
 * @example
 * splitText('First paragraph.\n\nSecond one.', 20); // → ['First paragraph.', 'Second one.']
 */
export function splitText(text: string, limit = WHATSAPP_TEXT_LIMIT): string[] {
  if (!(limit >= 2)) throw new RangeError(`limit must be at least 2, got ${limit}`);
  const parts: string[] = [];
  let rest = text.trim();
  while ([...rest].length > limit) {
    const window = sliceCodePoints(rest, limit);
    const cut = bestCut(window);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest !== '') parts.push(rest);
  return parts;
}

/** The first `count` code points of `text`, as a string. */
function sliceCodePoints(text: string, count: number): string {
  return [...text].slice(0, count).join('');
}

function bestCut(window: string): number {
  // Prefer the latest natural break in the second half of the window, so pieces stay large.
  const floor = Math.floor(window.length / 2);
  for (const pattern of [/\n\s*\n/g, /\n/g, /[.!?…](?=\s)/g, /\s/g]) {
    let last = -1;
    for (const match of window.matchAll(pattern)) {
      const end = match.index + match[0].length;
      if (end >= floor) last = end;
    }
    if (last > 0) return last;
  }
  return window.length;
}

/**
 * Drops a trailing unfinished sentence from a reply the model had to stop early (`max_tokens`),
 * when at least one full sentence remains.
 *
 * @example
 * trimToSentence('Your order ships today. It will arrive on'); // → 'Your order ships today.'
 */
export function trimToSentence(text: string): string {
  const matches = [...text.matchAll(/[.!?…](?=\s|$)/g)];
  const last = matches.at(-1);
  return last ? text.slice(0, last.index + 1) : text;
}
