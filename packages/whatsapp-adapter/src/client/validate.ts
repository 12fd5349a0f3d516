import { graphLimits, whatsappLimits } from '../limits.js';
import { asArray, asRecord, type JsonRecord } from '../webhook/json.js';

/** One thing wrong with a Graph `/messages` request body. */
export interface GraphIssue {
  /** `required`: a field is missing; `too_long` / `too_many`: a limit is exceeded; `invalid`: a wrong value. */
  kind: 'required' | 'too_long' | 'too_many' | 'invalid' | 'unsupported_type';
  /** Where in the body, e.g. `interactive.action.buttons[3].reply.title`. */
  path: string;
  message: string;
  limit?: number;
  actual?: number;
}

const MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'];
const CAPTIONED = new Set(['image', 'video', 'document']);
const MESSAGE_TYPES = new Set([
  'text',
  ...MEDIA_TYPES,
  'location',
  'contacts',
  'reaction',
  'interactive',
  'template',
]);

/** A small collector so each rule reads as one line. */
class Checker {
  readonly issues: GraphIssue[] = [];

  required(value: unknown, path: string): value is string {
    if (typeof value === 'string' && value.length > 0) return true;
    this.issues.push({ kind: 'required', path, message: `${path} is required` });
    return false;
  }

  length(value: unknown, path: string, limit: number, required = true): void {
    if (value === undefined && !required) return;
    if (!this.required(value, path)) return;
    if (value.length > limit) {
      this.issues.push({
        kind: 'too_long',
        path,
        message: `${path} is longer than ${limit} characters`,
        limit,
        actual: value.length,
      });
    }
  }

  count(items: unknown[], path: string, min: number, max: number): void {
    if (items.length < min)
      this.issues.push({ kind: 'required', path, message: `${path} needs at least ${min} item(s)` });
    if (items.length > max) {
      this.issues.push({
        kind: 'too_many',
        path,
        message: `${path} allows at most ${max} item(s)`,
        limit: max,
        actual: items.length,
      });
    }
  }

  invalid(path: string, message: string): void {
    this.issues.push({ kind: 'invalid', path, message });
  }

  unique(values: unknown[], path: string): void {
    const seen = new Set<unknown>();
    for (const value of values) {
      if (seen.has(value)) this.invalid(path, `${path} must be unique (${String(value)} repeats)`);
      seen.add(value);
    }
  }
}

function checkInteractiveText(check: Checker, interactive: JsonRecord): void {
  check.length(asRecord(interactive.body)?.text, 'interactive.body.text', whatsappLimits.maxInteractiveBody);
  const footer = asRecord(interactive.footer);
  if (footer) check.length(footer.text, 'interactive.footer.text', whatsappLimits.maxFooter);
  const header = asRecord(interactive.header);
  if (header?.type === 'text') check.length(header.text, 'interactive.header.text', whatsappLimits.maxHeader);
}

function checkInteractive(check: Checker, interactive: JsonRecord | undefined): void {
  if (!interactive) {
    check.required(undefined, 'interactive');
    return;
  }
  const action = asRecord(interactive.action);
  switch (interactive.type) {
    case 'button': {
      checkInteractiveText(check, interactive);
      const buttons = asArray(action?.buttons);
      check.count(buttons, 'interactive.action.buttons', 1, whatsappLimits.maxButtons);
      buttons.forEach((raw, index) => {
        const reply = asRecord(asRecord(raw)?.reply);
        const path = `interactive.action.buttons[${index}].reply`;
        check.length(reply?.id, `${path}.id`, graphLimits.maxButtonId);
        check.length(reply?.title, `${path}.title`, whatsappLimits.maxButtonTitle);
      });
      const replies = buttons.map((raw) => asRecord(asRecord(raw)?.reply));
      check.unique(
        replies.map((reply) => reply?.id),
        'interactive.action.buttons[].reply.id',
      );
      check.unique(
        replies.map((reply) => reply?.title),
        'interactive.action.buttons[].reply.title',
      );
      return;
    }
    case 'list': {
      checkInteractiveText(check, interactive);
      check.length(action?.button, 'interactive.action.button', whatsappLimits.maxListButtonLabel);
      const sections = asArray(action?.sections);
      check.count(sections, 'interactive.action.sections', 1, whatsappLimits.maxListSections);
      const rowIds: unknown[] = [];
      sections.forEach((raw, sectionIndex) => {
        const section = asRecord(raw);
        const path = `interactive.action.sections[${sectionIndex}]`;
        check.length(section?.title, `${path}.title`, whatsappLimits.maxSectionTitle, sections.length > 1);
        asArray(section?.rows).forEach((rawRow, rowIndex) => {
          const row = asRecord(rawRow);
          const rowPath = `${path}.rows[${rowIndex}]`;
          check.length(row?.id, `${rowPath}.id`, graphLimits.maxRowId);
          check.length(row?.title, `${rowPath}.title`, whatsappLimits.maxRowTitle);
          check.length(row?.description, `${rowPath}.description`, whatsappLimits.maxRowDescription, false);
          rowIds.push(row?.id);
        });
      });
      // Ten rows in total across every section, not ten per section (SPEC §9.4).
      check.count(rowIds, 'interactive.action.sections[].rows', 1, whatsappLimits.maxListRows);
      check.unique(rowIds, 'interactive.action.sections[].rows[].id');
      return;
    }
    case 'cta_url': {
      checkInteractiveText(check, interactive);
      const parameters = asRecord(action?.parameters);
      check.length(
        parameters?.display_text,
        'interactive.action.parameters.display_text',
        graphLimits.maxCtaDisplayText,
      );
      if (
        check.required(parameters?.url, 'interactive.action.parameters.url') &&
        !/^https?:\/\//i.test(parameters.url)
      ) {
        check.invalid(
          'interactive.action.parameters.url',
          'interactive.action.parameters.url must be an http(s) URL',
        );
      }
      return;
    }
    case 'location_request_message':
      checkInteractiveText(check, interactive);
      if (action?.name !== 'send_location')
        check.invalid('interactive.action.name', 'interactive.action.name must be send_location');
      return;
    default:
      check.invalid('interactive.type', `interactive.type ${String(interactive.type)} is not supported`);
  }
}

function checkPayload(check: Checker, type: string, payload: unknown): void {
  const object = asRecord(payload);
  if (type === 'contacts') {
    const cards = asArray(payload);
    check.count(cards, 'contacts', 1, Number.POSITIVE_INFINITY);
    cards.forEach((card, index) => {
      check.required(
        asRecord(asRecord(card)?.name)?.formatted_name,
        `contacts[${index}].name.formatted_name`,
      );
    });
    return;
  }
  if (!object) {
    check.required(undefined, type);
    return;
  }
  if (type === 'text') {
    check.length(object.body, 'text.body', whatsappLimits.maxText);
    return;
  }
  if (MEDIA_TYPES.includes(type)) {
    const hasId = typeof object.id === 'string' && object.id.length > 0;
    const hasLink = typeof object.link === 'string' && object.link.length > 0;
    if (hasId === hasLink) check.invalid(type, `${type} needs exactly one of id and link`);
    if (object.caption !== undefined) {
      if (!CAPTIONED.has(type)) check.invalid(`${type}.caption`, `${type} messages take no caption`);
      else check.length(object.caption, `${type}.caption`, whatsappLimits.maxCaption);
    }
    return;
  }
  if (type === 'location') {
    const { latitude, longitude } = object;
    if (typeof latitude !== 'number' || latitude < -90 || latitude > 90)
      check.invalid('location.latitude', 'location.latitude must be a number in [-90, 90]');
    if (typeof longitude !== 'number' || longitude < -180 || longitude > 180) {
      check.invalid('location.longitude', 'location.longitude must be a number in [-180, 180]');
    }
    return;
  }
  if (type === 'reaction') {
    check.required(object.message_id, 'reaction.message_id');
    // An empty emoji removes a reaction, so only the type is checked.
    if (typeof object.emoji !== 'string') check.invalid('reaction.emoji', 'reaction.emoji must be a string');
    return;
  }
  if (type === 'template') {
    check.length(object.name, 'template.name', graphLimits.maxTemplateName);
    check.required(asRecord(object.language)?.code, 'template.language.code');
    if (object.components !== undefined && !Array.isArray(object.components))
      check.invalid('template.components', 'template.components must be an array');
    return;
  }
  if (type === 'interactive') checkInteractive(check, object);
}

/**
 * Checks a Graph `POST /{phone-number-id}/messages` body the way Meta does: required fields and
 * WhatsApp's limits (SPEC §9). The client runs it before every send, the emulator on every request.
 * Lengths are counted in UTF-16 code units, like every SDK.
 *
 * @example
 * const issues = validateGraphMessage({ messaging_product: 'whatsapp', to: '+15550001111', type: 'text', text: { body: 'hi' } });
 * // → []
 */
export function validateGraphMessage(body: unknown): GraphIssue[] {
  const check = new Checker();
  const request = asRecord(body);
  if (!request) {
    check.invalid('', 'the body must be a JSON object');
    return check.issues;
  }
  if (request.messaging_product !== 'whatsapp')
    check.invalid('messaging_product', 'messaging_product must be "whatsapp"');
  if (request.status === 'read') {
    check.required(request.message_id, 'message_id');
    return check.issues;
  }
  if (request.to === undefined && request.recipient === undefined) check.required(undefined, 'to');
  const type = request.type;
  if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) {
    check.issues.push({
      kind: 'unsupported_type',
      path: 'type',
      message: `message type ${String(type)} is not supported`,
    });
    return check.issues;
  }
  checkPayload(check, type, request[type]);
  if (request.biz_opaque_callback_data !== undefined) {
    check.length(
      request.biz_opaque_callback_data,
      'biz_opaque_callback_data',
      graphLimits.maxBizOpaqueCallbackData,
    );
  }
  return check.issues;
}
