/**
 * The SQLite store's file and identity lookups read while another is open: a route decides a document's provenance
 * (filePlaces inside) while it lists the places of the same bytes (filePlaces again), and the two async iterations
 * interleave. Each must see every row once.
 */
import { expect, it } from 'vitest';
import { SqliteVerdictStore } from '../../../../shared/adapters/local/sqlite-verdict-store.ts';
import { messageIdentityOf } from '../../../../shared/provenance/message-identity.ts';
import { attachmentRecord, dumpInput, messageEntry, sha256Of } from '../../../helpers/store-records.ts';
import { useTempHome } from '../../../helpers/temp-home.ts';

const temp = useTempHome('leakproof-file-postings-');
const DUMP = sha256Of('file-postings-dump');
const COPIES = ['a.eml', 'b.eml', 'c.eml', 'd.eml'];

/** Reads two async iterables one item at a time each, alternately, to the end of both. */
async function interleaved<T>(first: AsyncIterable<T>, second: AsyncIterable<T>): Promise<[T[], T[]]> {
  const iterators = [first[Symbol.asyncIterator](), second[Symbol.asyncIterator]()];
  const seen: [T[], T[]] = [[], []];
  const done = [false, false];
  while (!done[0] || !done[1]) {
    for (const i of [0, 1] as const) {
      if (done[i]) continue;
      const next = await iterators[i]!.next();
      if (next.done) done[i] = true;
      else seen[i].push(next.value);
    }
  }
  return seen;
}

it('gives every place and every copy once to each of two lookups read at the same time', async () => {
  const store = new SqliteVerdictStore(temp.open());
  await store.openDump(dumpInput(DUMP), new Date('2025-01-01T00:00:00Z'));
  const copies = COPIES.map((path) => ({ ...messageEntry(path, { signedBy: ['example.test'], attachments: [attachmentRecord('accounts.pdf', 'the accounts')] }), messageId: '<same@example.test>' }));
  await store.putEntries(DUMP, copies);

  const [places, placesAgain] = await interleaved(store.filePlaces({ sha256: sha256Of('the accounts') }), store.filePlaces({ sha256: sha256Of('the accounts') }));
  expect(places.map((place) => place.locator).sort()).toEqual(COPIES);
  expect(placesAgain.map((place) => place.locator).sort()).toEqual(COPIES);

  const identity = messageIdentityOf(copies[0]!)!;
  const [messages, messagesAgain] = await interleaved(store.messagesWithIdentity(identity), store.messagesWithIdentity(identity));
  expect(messages.map((copy) => copy.locator).sort()).toEqual(COPIES);
  expect(messagesAgain.map((copy) => copy.locator).sort()).toEqual(COPIES);
});
