/**
 * Errors that reach GStreamer. The C++ side turns `code` into the GStreamer error domain
 * (NOT_FOUND → RESOURCE/NOT_FOUND, SETTINGS → RESOURCE/SETTINGS, MODEL → RESOURCE/READ,
 * HOOK → LIBRARY/FAILED) and shows `message` to the user, `details` in the debug text.
 */
export type ErrorCode = 'NOT_FOUND' | 'SETTINGS' | 'MODEL' | 'HOOK' | 'INTERNAL';

export class TsvisionError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details = '',
  ) {
    super(message);
    this.name = 'TsvisionError';
  }
}

/** Serialises an error for the C++ side: "CODE\nmessage\ndetails". */
export function encodeError(err: unknown): string {
  if (err instanceof TsvisionError) return `${err.code}\n${oneLine(err.message)}\n${err.details}`;
  const e = err instanceof Error ? err : new Error(String(err));
  return `INTERNAL\n${oneLine(e.message)}\n${e.stack ?? ''}`;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ');
}

/**
 * Wraps an exception thrown by a user hook: the message names the hook and the place in the
 * user's source (source maps make the stack point at the .ts file), the details carry the stack.
 */
export function hookError(elementName: string, hookName: string, modulePath: string, err: unknown): TsvisionError {
  const e = err instanceof Error ? err : new Error(String(err));
  const stack = e.stack ?? String(e);
  const where = locateInStack(stack, modulePath);
  const message = `${elementName}: ${hookName}() in ${where ?? modulePath} threw ${e.name}: ${e.message}`;
  return new TsvisionError('HOOK', message, stack);
}

/** Finds the first "file:line:col" of `modulePath` in a stack trace. */
export function locateInStack(stack: string, modulePath: string): string | null {
  const escaped = modulePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const m = new RegExp(`(${escaped}:\\d+:\\d+)`).exec(stack);
  return m ? m[1] : null;
}
