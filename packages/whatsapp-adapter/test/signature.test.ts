import { createHmac } from 'node:crypto';
import { signWebhookBody, verifySignature } from '@botpe/whatsapp-adapter';
import { signWebhook } from '@botpe/whatsapp-adapter/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const secret = 'test-app-secret';
const isAscii = (text: string) => Array.from(text).every((char) => char.charCodeAt(0) < 0x80);
const sign = (body: string | Uint8Array, key = secret) =>
  `sha256=${createHmac('sha256', key).update(body).digest('hex')}`;

describe('verifySignature', () => {
  const body = '{"object":"whatsapp_business_account","entry":[]}';

  it('accepts the HMAC-SHA256 of the raw bytes, as a string or as bytes', () => {
    expect(verifySignature(body, sign(body), secret)).toBe(true);
    expect(verifySignature(new TextEncoder().encode(body), sign(body), secret)).toBe(true);
    expect(verifySignature(body, sign(body).toUpperCase().replace('SHA256=', 'sha256='), secret)).toBe(true);
  });

  it('rejects a wrong secret, a changed body, and malformed or missing headers', () => {
    expect(verifySignature(body, sign(body, 'other'), secret)).toBe(false);
    expect(verifySignature(`${body} `, sign(body), secret)).toBe(false);
    expect(verifySignature(body, undefined, secret)).toBe(false);
    expect(verifySignature(body, null, secret)).toBe(false);
    expect(verifySignature(body, '', secret)).toBe(false);
    expect(verifySignature(body, sign(body).replace('sha256=', 'sha1='), secret)).toBe(false);
    expect(verifySignature(body, sign(body).slice(0, -1), secret)).toBe(false);
    expect(verifySignature(body, `${sign(body)}00`, secret)).toBe(false);
    expect(verifySignature(body, `sha256=${'z'.repeat(64)}`, secret)).toBe(false);
  });

  it('never verifies with an empty secret', () => {
    expect(verifySignature(body, sign(body, ''), '')).toBe(false);
    expect(verifySignature(body, sign(body, ''), [])).toBe(false);
  });

  it('accepts any of several secrets (rotation)', () => {
    expect(verifySignature(body, sign(body, 'new-secret'), ['old-secret', 'new-secret'])).toBe(true);
    expect(verifySignature(body, sign(body, 'third'), ['old-secret', 'new-secret'])).toBe(false);
  });

  it('verifies a body whose emoji arrive escaped (\\ud83d\\ude2e), over the raw bytes', () => {
    const escaped = '{"text":{"body":"wow \\ud83d\\ude2e caf\\u00e9"}}';
    expect(isAscii(escaped)).toBe(true);
    expect(verifySignature(escaped, sign(escaped), secret)).toBe(true);
    expect(JSON.parse(escaped).text.body).toBe('wow 😮 café');
  });

  it('verifies a body with literal non-ASCII signed over its escaped form (Meta Graph docs), and over its raw bytes', () => {
    const literal = '{"text":{"body":"wow 😮 café"}}';
    const escaped = '{"text":{"body":"wow \\ud83d\\ude2e caf\\u00e9"}}';
    expect(verifySignature(literal, sign(escaped), secret)).toBe(true);
    expect(verifySignature(literal, sign(literal), secret)).toBe(true);
    expect(verifySignature(literal, sign('{"text":{"body":"wow"}}'), secret)).toBe(false);
  });

  it('agrees with signWebhookBody and signWebhook for any unicode body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ minLength: 1 }), (text, key) => {
        const raw = JSON.stringify({ text });
        expect(verifySignature(raw, signWebhookBody(raw, key), key)).toBe(true);
        const signed = signWebhook({ text }, key);
        expect(isAscii(signed.body)).toBe(true);
        expect(verifySignature(signed.body, signed.headers['x-hub-signature-256'], key)).toBe(true);
        expect(JSON.parse(signed.body)).toEqual({ text });
        expect(verifySignature(`${raw}x`, signWebhookBody(raw, key), key)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});
