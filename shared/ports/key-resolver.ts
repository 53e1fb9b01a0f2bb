import type { ArchivedKey } from './key-archive.ts';

/** The answer to "which keys did (domain, selector) publish?" */
export type KeyLookup =
  | { status: 'found'; keys: FoundKey[] }
  | { status: 'none'; detail: string }
  | { status: 'error'; detail: string };

export interface FoundKey extends ArchivedKey {
  via: 'archive' | 'dns';
}

export interface KeyResolver {
  resolve(domain: string, selector: string): Promise<KeyLookup>;
}
