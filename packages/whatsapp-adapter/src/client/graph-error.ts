import { BotpeError } from '@botpe/engine';
import type { WhatsAppErrorCode } from '../errors.js';
import { asNumber, asRecord, asString } from '../webhook/json.js';

/** Graph codes worth trying again, with backoff (SPEC §11.2). */
const RETRYABLE_GRAPH_CODES = new Set([1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 133004]);
const AUTH_CODES = new Set([0, 190]);
const RATE_LIMIT_CODES = new Set([4, 80007, 130429, 131056, 131048]);

/** What the Graph API said about a failed call. */
export interface GraphErrorInfo {
  /** The Graph `error.code`, or null when the body was not Graph-shaped (a proxy's 502 page). */
  graphCode: number | null;
  graphSubcode: number | null;
  httpStatus: number;
  /** `error.error_data.details`: Meta's explanation, safe to log. */
  details: string | undefined;
  /** `error.fbtrace_id`: quote it in a support ticket. */
  fbtraceId: string | undefined;
}

/**
 * A failed Graph API call. `graphCode` is Meta's code (build on it, not on the message);
 * `retryable` says whether the same call may succeed later.
 *
 * @example
 * try { await client.send(to, message); }
 * catch (error) { if (error instanceof GraphApiError && error.graphCode === 131047) sendTemplateInstead(); }
 */
export class GraphApiError extends BotpeError<WhatsAppErrorCode> {
  readonly graphCode: number | null;
  readonly graphSubcode: number | null;
  readonly httpStatus: number;
  readonly fbtraceId: string | undefined;

  constructor(code: WhatsAppErrorCode, message: string, info: GraphErrorInfo, retryable: boolean) {
    super(code, `[@botpe/whatsapp-adapter] ${message}`, {
      retryable,
      details: {
        graphCode: info.graphCode,
        graphSubcode: info.graphSubcode,
        httpStatus: info.httpStatus,
        graphDetails: info.details,
        fbtraceId: info.fbtraceId,
      },
    });
    this.name = 'GraphApiError';
    this.graphCode = info.graphCode;
    this.graphSubcode = info.graphSubcode;
    this.httpStatus = info.httpStatus;
    this.fbtraceId = info.fbtraceId;
  }
}

/** Reads the Graph error envelope `{ error: { code, error_subcode, error_data, fbtrace_id } }`. */
export function readGraphError(httpStatus: number, body: unknown): GraphErrorInfo {
  const error = asRecord(asRecord(body)?.error);
  return {
    graphCode: asNumber(error?.code) ?? null,
    graphSubcode: asNumber(error?.error_subcode) ?? null,
    httpStatus,
    details: asString(asRecord(error?.error_data)?.details) ?? asString(error?.message),
    fbtraceId: asString(error?.fbtrace_id),
  };
}

/** Classifies a failed call by its Graph code first and its HTTP status only when there is no code. */
export function toGraphApiError(info: GraphErrorInfo): GraphApiError {
  const { graphCode, httpStatus } = info;
  const label = graphCode === null ? `HTTP ${httpStatus}` : `Graph error ${graphCode} (HTTP ${httpStatus})`;
  const suffix = info.details ? `: ${info.details}` : '';
  if (graphCode === null) {
    const retryable = httpStatus >= 500 || httpStatus === 429 || httpStatus === 408;
    return new GraphApiError(
      httpStatus === 429 ? 'WHATSAPP_RATE_LIMITED' : 'WHATSAPP_GRAPH_ERROR',
      `${label}${suffix}`,
      info,
      retryable,
    );
  }
  if (AUTH_CODES.has(graphCode)) {
    return new GraphApiError(
      'WHATSAPP_AUTH_FAILED',
      `${label}: the access token was refused${suffix}`,
      info,
      false,
    );
  }
  if (graphCode === 131047) {
    return new GraphApiError(
      'WHATSAPP_WINDOW_CLOSED',
      `${label}: more than 24 hours since the user's last message; send a template${suffix}`,
      info,
      false,
    );
  }
  const retryable = RETRYABLE_GRAPH_CODES.has(graphCode);
  if (RATE_LIMIT_CODES.has(graphCode))
    return new GraphApiError('WHATSAPP_RATE_LIMITED', `${label}${suffix}`, info, retryable);
  return new GraphApiError('WHATSAPP_GRAPH_ERROR', `${label}${suffix}`, info, retryable);
}
