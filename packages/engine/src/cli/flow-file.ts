import { readFile } from 'node:fs/promises';

/** A flow file read from disk: its parsed JSON, or why it could not be read. */
export type FlowFile = { ok: true; document: unknown } | { ok: false; problem: string };

/**
 * Reads and JSON-parses a flow file. Never throws: a missing file or bad JSON comes back as a
 * sentence for the user.
 *
 * @example
 * const file = await readFlowFile('examples/flows/pizza-order.json');
 * if (!file.ok) console.error(file.problem);
 */
export async function readFlowFile(path: string): Promise<FlowFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    return { ok: false, problem: `cannot read ${path}: ${reason}` };
  }
  try {
    // A UTF-8 BOM (some Windows editors write one) is not JSON.
    return { ok: true, document: JSON.parse(text.replace(/^\uFEFF/, '')) };
  } catch (error) {
    return { ok: false, problem: `${path} is not valid JSON: ${(error as Error).message}` };
  }
}
