import { BotpeError } from '@botpe/engine';
import { expect } from 'vitest';

/** Asserts that `action` fails with a BotpeError of `code`, and returns the error for more checks. */
export async function expectCode(
  action: Promise<unknown> | (() => unknown),
  code: string,
): Promise<BotpeError> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(BotpeError.isInstance(caught), `expected a BotpeError ${code}, got ${String(caught)}`).toBe(true);
  expect((caught as BotpeError).code).toBe(code);
  return caught as BotpeError;
}
