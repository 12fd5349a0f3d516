import { createHmac, timingSafeEqual } from 'node:crypto';

const encoder = new TextEncoder();
const SIGNATURE_PATTERN = /^sha256=([0-9a-fA-F]{64})$/;

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

function hmac(body: Uint8Array, secret: string): Buffer {
  return createHmac('sha256', secret).update(body).digest();
}

/**
 * The JSON text with every non-ASCII character written as a lowercase `\uXXXX` escape: the form
 * Meta's Graph docs say the signature is computed over (SPEC §3.2 step 5).
 */
function escapeUnicode(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    out += unit < 0x80 ? text[index] : `\\u${unit.toString(16).padStart(4, '0')}`;
  }
  return out;
}

function hasNonAscii(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte >= 0x80) return true;
  return false;
}

/**
 * Checks Meta's `X-Hub-Signature-256` header against the raw request body: HMAC-SHA256 keyed by the
 * app secret, compared in constant time after a format and length check. Pass several secrets to
 * accept any of them (rotation, several apps). When the raw bytes do not match and the body holds
 * non-ASCII bytes, the `\uXXXX`-escaped form is tried once, as Meta's Graph docs describe.
 * An empty secret never verifies anything.
 *
 * @example
 * import { verifySignature } from '@botpe/whatsapp-adapter';
 * const ok = verifySignature(rawBody, req.headers['x-hub-signature-256'], process.env.WHATSAPP_APP_SECRET!);
 * if (!ok) return res.writeHead(401).end();
 */
export function verifySignature(
  rawBody: Uint8Array | string,
  signatureHeader: string | null | undefined,
  appSecret: string | readonly string[],
): boolean {
  if (typeof signatureHeader !== 'string') return false;
  const match = SIGNATURE_PATTERN.exec(signatureHeader.trim());
  if (!match) return false;
  const given = Buffer.from(match[1]!, 'hex');
  const secrets = (typeof appSecret === 'string' ? [appSecret] : appSecret).filter(
    (secret) => typeof secret === 'string' && secret.length > 0,
  );
  if (secrets.length === 0) return false;
  const bytes = toBytes(rawBody);
  const candidates = [bytes];
  if (hasNonAscii(bytes)) candidates.push(encoder.encode(escapeUnicode(new TextDecoder().decode(bytes))));
  let valid = false;
  for (const secret of secrets) {
    for (const candidate of candidates) {
      const expected = hmac(candidate, secret);
      // Evaluate every candidate so the time taken does not say which secret matched.
      if (expected.length === given.length && timingSafeEqual(expected, given)) valid = true;
    }
  }
  return valid;
}

/**
 * Computes the `X-Hub-Signature-256` value Meta would send for a body: for tests, emulators and
 * hosts that forward webhooks to another service.
 *
 * @example
 * import { signWebhookBody } from '@botpe/whatsapp-adapter';
 * const header = signWebhookBody(JSON.stringify(payload), 'test-app-secret');
 * await fetch(url, { method: 'POST', body, headers: { 'x-hub-signature-256': header } });
 */
export function signWebhookBody(rawBody: Uint8Array | string, appSecret: string): string {
  return `sha256=${hmac(toBytes(rawBody), appSecret).toString('hex')}`;
}
