import type { FlowIssue } from '../flow/issues.js';
import type { LintContext, Text } from './define.js';

type Path = Array<string | number>;

/** Every string of a text (one per locale). Placeholders count as written: the final text may be longer. */
const variants = (text: Text | undefined): string[] =>
  text === undefined ? [] : typeof text === 'string' ? [text] : Object.values(text);

function tooLong(
  context: LintContext,
  text: Text | undefined,
  limit: number,
  what: string,
  fallback: string,
  path: Path,
): FlowIssue[] {
  const longest = Math.max(0, ...variants(text).map((variant) => [...variant].length));
  if (longest <= limit) return [];
  return [
    {
      code: 'channel.limitExceeded',
      severity: 'warning',
      message: `${what} has ${longest} characters; the channel allows ${limit}. Fallback: ${fallback}.`,
      path: ['data', ...path],
      nodeId: context.nodeId,
    },
  ];
}

function tooMany(
  context: LintContext,
  count: number,
  limit: number,
  what: string,
  fallback: string,
  path: Path,
): FlowIssue[] {
  if (count <= limit) return [];
  return [
    {
      code: 'channel.limitExceeded',
      severity: 'warning',
      message: `${count} ${what}; the channel allows ${limit}. Fallback: ${fallback}.`,
      path: ['data', ...path],
      nodeId: context.nodeId,
    },
  ];
}

interface InteractiveData {
  text: Text;
  header?: Text;
  footer?: Text;
}

function interactiveIssues(data: InteractiveData, context: LintContext): FlowIssue[] {
  const limits = context.limits!;
  return [
    ...tooLong(
      context,
      data.text,
      limits.maxInteractiveBody,
      'The body',
      'the body is cut to the limit with an ellipsis',
      ['text'],
    ),
    ...tooLong(context, data.header, limits.maxHeader, 'The header', 'cut with an ellipsis', ['header']),
    ...tooLong(context, data.footer, limits.maxFooter, 'The footer', 'cut with an ellipsis', ['footer']),
  ];
}

/**
 * The channel lint: what a flow asks of a channel beyond its limits, and the fallback that applies.
 * Runs only when the flow is checked against a channel (`parseFlow(doc, { limits })`).
 *
 * @example
 * // In a custom node: lint: (data, context) => channelIssues.buttons(data, context)
 */
export const channelIssues = {
  message(data: { text?: Text; media?: { caption?: Text } }, context: LintContext): FlowIssue[] {
    if (!context.limits) return [];
    return [
      ...tooLong(
        context,
        data.text,
        context.limits.maxText,
        'The text',
        'split into several messages at word boundaries',
        ['text'],
      ),
      ...tooLong(
        context,
        data.media?.caption,
        context.limits.maxCaption,
        'The caption',
        'cut with an ellipsis',
        ['media', 'caption'],
      ),
    ];
  },
  buttons(data: InteractiveData & { buttons: Array<{ title: Text }> }, context: LintContext): FlowIssue[] {
    const limits = context.limits;
    if (!limits) return [];
    return [
      ...interactiveIssues(data, context),
      ...tooMany(context, data.buttons.length, limits.maxButtons, 'buttons', 'sent as a list message', [
        'buttons',
      ]),
      ...data.buttons.flatMap((button, index) =>
        tooLong(
          context,
          button.title,
          limits.maxButtonTitle,
          `Button ${index + 1}'s title`,
          'cut with an ellipsis',
          ['buttons', index, 'title'],
        ),
      ),
    ];
  },
  list(
    data: InteractiveData & {
      buttonLabel: Text;
      sections: Array<{ title?: Text; rows: Array<{ title: Text; description?: Text }> }>;
    },
    context: LintContext,
  ): FlowIssue[] {
    const limits = context.limits;
    if (!limits) return [];
    const rowCount = data.sections.reduce((sum, section) => sum + section.rows.length, 0);
    return [
      ...interactiveIssues(data, context),
      ...tooLong(
        context,
        data.buttonLabel,
        limits.maxListButtonLabel,
        'The list button label',
        'cut with an ellipsis',
        ['buttonLabel'],
      ),
      ...tooMany(context, rowCount, limits.maxListRows, 'rows', 'sent as several list messages (pages)', [
        'sections',
      ]),
      ...tooMany(
        context,
        data.sections.length,
        limits.maxListSections,
        'sections',
        'sections are merged across pages',
        ['sections'],
      ),
      ...data.sections.flatMap((section, sectionIndex) => [
        ...tooLong(
          context,
          section.title,
          limits.maxSectionTitle,
          `Section ${sectionIndex + 1}'s title`,
          'cut with an ellipsis',
          ['sections', sectionIndex, 'title'],
        ),
        ...section.rows.flatMap((row, rowIndex) => [
          ...tooLong(
            context,
            row.title,
            limits.maxRowTitle,
            `Row "${rowIndex + 1}" title`,
            'cut with an ellipsis',
            ['sections', sectionIndex, 'rows', rowIndex, 'title'],
          ),
          ...tooLong(
            context,
            row.description,
            limits.maxRowDescription,
            'A row description',
            'cut with an ellipsis',
            ['sections', sectionIndex, 'rows', rowIndex, 'description'],
          ),
        ]),
      ]),
    ];
  },
};
