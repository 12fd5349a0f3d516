/** The codes of flow problems `parseFlow` reports. Stable: a builder UI may key on them. */
export const FLOW_ISSUE_CODES = [
  'schema.invalid',
  'schema.unsupportedVersion',
  'node.unknownType',
  'node.invalidData',
  'node.duplicateId',
  'edge.duplicateId',
  'edge.danglingSource',
  'edge.danglingTarget',
  'edge.unknownHandle',
  'edge.duplicateHandle',
  'start.missing',
  'start.multiple',
  'jump.unknownTarget',
  'command.unknownTarget',
  'cycle.noWait',
  'regex.invalid',
  'duration.invalid',
  'node.unreachable',
  'handle.unconnected',
  'variable.neverWritten',
  'channel.limitExceeded',
  'locale.missingTranslation',
  'action.unknown',
  'subflow.unknownFlow',
  'migration.unknownTarget',
] as const;

export type FlowIssueCode = (typeof FLOW_ISSUE_CODES)[number];

/** One problem of a flow document. Errors stop compilation; warnings do not. */
export interface FlowIssue {
  code: FlowIssueCode;
  severity: 'error' | 'warning';
  /** A sentence a builder UI can show as it is. */
  message: string;
  /** The JSON path inside the document, e.g. `["nodes", 3, "data", "buttons", 0, "title"]`. */
  path: Array<string | number>;
  nodeId?: string;
  edgeId?: string;
}
