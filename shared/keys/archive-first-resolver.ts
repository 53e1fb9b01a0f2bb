import type { KeyArchive } from '../ports/key-archive.ts';
import type { KeyLookup, KeyResolver } from '../ports/key-resolver.ts';
import { keyRecordName } from '../dkim/key-record.ts';
import { lookupDnsKeys, type TxtLookup } from './dns-key-lookup.ts';

export interface ResolverOptions {
  archive: KeyArchive;
  /** Live DNS, or null when offline. */
  dns: TxtLookup | null;
  /** When a DNS answer was seen: the real clock at the edge, recorded in the archive. */
  now: () => Date;
}

/**
 * The resolver chain: the key archive first (keys rotated out of DNS live on there), then live DNS. Every key
 * DNS returns goes into the archive with the time it was seen, so the next dump, or a re-check years later
 * when the selector is gone, still finds it.
 */
export function archiveFirstResolver({ archive, dns, now }: ResolverOptions): KeyResolver {
  return {
    async resolve(domain, selector): Promise<KeyLookup> {
      const archived = await archive.find(domain, selector);
      if (archived.length > 0) return { status: 'found', keys: archived.map((key) => ({ ...key, via: 'archive' })) };
      if (!dns) return { status: 'none', detail: `no archived key for ${keyRecordName(domain, selector)} (offline: DNS not asked)` };
      const answer = await lookupDnsKeys(dns, domain, selector);
      if (!('values' in answer)) return answer;
      const seenAt = now().toISOString();
      const keys = answer.values.map((value) => ({ domain, selector, value, firstSeenAt: seenAt, lastSeenAt: seenAt, source: 'dns' }));
      for (const key of keys) await archive.record(key);
      return { status: 'found', keys: keys.map((key) => ({ ...key, via: 'dns' as const })) };
    },
  };
}

/** Remembers answers for the length of a run: thousands of messages share a handful of selectors. */
export function memoized(resolver: KeyResolver): KeyResolver {
  const answers = new Map<string, Promise<KeyLookup>>();
  return {
    resolve(domain, selector) {
      const id = keyRecordName(domain, selector);
      let answer = answers.get(id);
      if (!answer) {
        answer = resolver.resolve(domain, selector);
        answers.set(id, answer);
      }
      return answer;
    },
  };
}
