/** Turns any thrown value into the one-line reason an error entry carries: no stack, no line breaks. */
import { cutText } from '../text/cut-text.ts';

const FRIENDLY_CODES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  ELOOP: 'too many levels of symbolic links',
  EIO: 'I/O error',
  EMFILE: 'too many open files',
  ENOSPC: 'no space left on device (temporary files)',
};

const MAX_REASON_LENGTH = 300;

export function describeError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && FRIENDLY_CODES[code] !== undefined) return FRIENDLY_CODES[code];
  return oneLine(error instanceof Error ? error.message : String(error));
}

export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return cutText(line, MAX_REASON_LENGTH);
}
