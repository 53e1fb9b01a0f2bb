/**
 * Stored messages read again from their dump in S3, as the re-verification workers read them: the units holding
 * them located without splitting the dump again (a zip's central directory, an mbox's byte ranges), then read.
 */
import { locateUnits, readLocated } from '../../fanout/locate-units.ts';
import type { BlobStore } from '../../ports/blob-store.ts';
import type { MessageSource } from '../../ports/message-source.ts';
import type { VerdictStore } from '../../ports/verdict-store.ts';
import { objectKeyOf } from '../../reverify/queue-reverification.ts';
import { storedMessageSource } from '../../reverify/stored-message-source.ts';

export function s3MessageSource(store: VerdictStore, blobs: BlobStore, log?: (line: string) => void): MessageSource {
  return storedMessageSource(
    store,
    async function* (dump, locators) {
      const key = objectKeyOf(dump.source);
      if (key === null) return;
      yield* readLocated(blobs, key, await locateUnits({ blobs, key, name: dump.name }, locators));
    },
    log,
  );
}
