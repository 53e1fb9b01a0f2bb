/**
 * Sorted listings on DynamoDB, beyond the store contract (which runs the same sorts on SQLite): the sort keys'
 * byte order is the listing's order whatever the values hold, they stay within DynamoDB's key size, the indexes
 * copy only the listing, a sparse filter under a sort returns short pages with a cursor, a record kept in S3
 * still sorts, and a dump stored before sort keys existed is refused a sort rather than listed without its
 * messages.
 */
import { CreateTableCommand, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { listingFromItem, verdictPartition } from '../../../../shared/adapters/aws/dynamo-entry-items.ts';
import { allShards, byteOrder } from '../../../../shared/adapters/aws/dynamo-keys.ts';
import { listMessages } from '../../../../shared/adapters/aws/dynamo-message-listing.ts';
import { sortedCursorOf, sortKeyAttribute, sortKeyOfCursor, VALUE_PREFIX_CHARACTERS } from '../../../../shared/adapters/aws/dynamo-sorted-keys.ts';
import { dumpKey, SORT_KEYS_ATTRIBUTE } from '../../../../shared/adapters/aws/dynamo-dump-item.ts';
import { DynamoVerdictStore } from '../../../../shared/adapters/aws/dynamo-verdict-store.ts';
import { S3BlobStore } from '../../../../shared/adapters/aws/s3-blob-store.ts';
import { MAX_SORT_KEY_BYTES, SORTED_LISTING_ATTRIBUTES, SORTED_LISTINGS, VERDICTS_TABLE } from '../../../../shared/adapters/aws/table-design.ts';
import { BadCursorError, UnsupportedQueryError, type MessageQuery, type MessageSort } from '../../../../shared/ports/verdict-store.ts';
import { emulatedResources } from '../../../helpers/aws-emulators.ts';
import { documentEntry, dumpInput, errorEntry, messageEntry, skippedEntry } from '../../../helpers/store-records.ts';

const AT = new Date('2026-12-03T22:00:00.000Z');

describe('sort keys', () => {
  // Values that trip a naive "<value>#<locator>": a value that starts another, characters below "#" and below
  // the end mark (a Subject decoded from "=00" or "=01"), two- to four-byte characters, case.
  const VALUES = ['', 'a', 'a b', 'a#', 'a\u0000', 'a\u0001', 'a\u0002', 'a\u0003', 'a\u0000z', 'ab', 'a\t', 'é', 'e', 'z', '😀', 'ｆ', 'Z', '2017-01-01T00:00:00.000Z'];
  const LOCATORS = ['m.eml', 'm.eml#0', 'n.eml', 'a/b.eml', 'é.eml', '😀.eml'];

  it('order as (value, locator) in UTF-8 byte order, the order SQLite sorts by', () => {
    const pairs = VALUES.flatMap((value) => LOCATORS.map((locator) => ({ value, locator })));
    const expected = [...pairs].sort((x, y) => byteOrder(x.value, y.value) || byteOrder(x.locator, y.locator));
    const byKey = [...pairs].sort((x, y) => byteOrder(sortKeyAttribute(x.value, x.locator), sortKeyAttribute(y.value, y.locator)));
    expect(byKey).toEqual(expected);
    // Verdicts by their place in VERDICTS.
    expect(byteOrder(sortKeyAttribute(4, 'a'), sortKeyAttribute(0, 'z'))).toBeGreaterThan(0);
  });

  it('fit a sort key whatever the value and locator, keeping the first 200 characters and ordering ties beyond them by locator', () => {
    for (const character of ['x', 'é', '😀', '\u0001']) {
      const value = character.repeat(5_000);
      const key = sortKeyAttribute(value, `${'ü'.repeat(2_000)}.eml`);
      expect(Buffer.byteLength(key)).toBeLessThanOrEqual(MAX_SORT_KEY_BYTES);
    }
    expect(sortKeyAttribute('x'.repeat(5_000), 'short.eml')).toBe(`${'x'.repeat(VALUE_PREFIX_CHARACTERS)}\u0001short.eml`);
    const long = 'Re: '.repeat(100);
    expect(byteOrder(sortKeyAttribute(`${long}zzz`, 'a.eml'), sortKeyAttribute(`${long}aaa`, 'b.eml'))).toBeLessThan(0);
    // Within the first 200 characters, the value decides, as in SQLite.
    expect(byteOrder(sortKeyAttribute(`${'x'.repeat(198)}b`, 'a.eml'), sortKeyAttribute(`${'x'.repeat(198)}a`, 'b.eml'))).toBeGreaterThan(0);
    // Two long locators stay distinct keys.
    const [one, two] = ['1', '2'].map((n) => sortKeyAttribute('x'.repeat(300), `${'ü'.repeat(2_000)}${n}.eml`));
    expect(one).not.toBe(two);
  });

  it('make cursors that carry the sort, give the key back exactly, and are refused for another sort', () => {
    const sort: MessageSort = { by: 'subject', descending: false };
    for (const value of ['', 'a\u0000b', 'é'.repeat(300)]) {
      const key = sortKeyAttribute(value, 'x.eml');
      expect(sortKeyOfCursor(sortedCursorOf(sort, key), sort)).toBe(key);
      expect(() => sortKeyOfCursor(sortedCursorOf(sort, key), { by: 'subject', descending: true })).toThrow(BadCursorError);
      expect(() => sortKeyOfCursor(sortedCursorOf(sort, key), { by: 'from', descending: false })).toThrow(BadCursorError);
    }
    const verdict: MessageSort = { by: 'verdict', descending: true };
    expect(sortKeyOfCursor(sortedCursorOf(verdict, sortKeyAttribute(2, 'x.eml')), verdict)).toBe(sortKeyAttribute(2, 'x.eml'));
    // A cursor whose value the key would not hold as given (longer than the prefix) was not made here.
    const forged = Buffer.from(JSON.stringify({ after: 'x.eml', sort: 'subject', key: 'y'.repeat(300) })).toString('base64url');
    expect(() => sortKeyOfCursor(forged, sort)).toThrow(BadCursorError);
  });
});

describe('sorted listings on dynalite', () => {
  const aws = emulatedResources();
  let store: DynamoVerdictStore;
  beforeEach(async () => {
    store = new DynamoVerdictStore(aws.db, aws.tables, { blobs: new S3BlobStore(aws.emulators.s3, aws.resources.bucket) });
    await store.openDump(dumpInput('D'), AT);
  });

  const walk = async (query: Omit<MessageQuery, 'cursor'>, maxRounds?: number) => {
    const locators: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listMessages(aws.db, aws.tables, 'D', { ...query, cursor }, async (item) => listingFromItem(item), maxRounds);
      expect(page.messages.length).toBeLessThanOrEqual(query.limit);
      locators.push(...page.messages.map((line) => line.locator));
      cursor = page.cursor ?? undefined;
      pages++;
    } while (cursor !== undefined);
    return { locators, pages };
  };

  it('copy into the sorted indexes only messages and unreadable entries, with the listing and the words, never the evidence', async () => {
    await store.putEntries('D', [messageEntry('m.eml', { subject: 'Virement urgent' }), errorEntry('e.eml'), skippedEntry('s.png'), documentEntry('d.pdf', 'd')]);
    for (const index of Object.values(SORTED_LISTINGS)) {
      const items = (
        await Promise.all(
          allShards().map(async (shard) => (await aws.db.send(new QueryCommand({ TableName: aws.tables.verdicts, IndexName: index.indexName, KeyConditionExpression: '#p = :p', ExpressionAttributeNames: { '#p': index.partitionKey }, ExpressionAttributeValues: { ':p': verdictPartition('D', shard) } }))).Items ?? []),
        )
      ).flat();
      expect(items.map((item) => item.locator).sort()).toEqual(['e.eml', 'm.eml']);
      for (const item of items) {
        for (const name of Object.keys(item)) expect([VERDICTS_TABLE.partitionKey, VERDICTS_TABLE.sortKey, index.sortKey, ...SORTED_LISTING_ATTRIBUTES]).toContain(name);
      }
      expect(items.find((item) => item.locator === 'm.eml')!.words).toContain(' virement');
    }
  });

  it('return what they have, with a cursor, when a sparse filter under a sort has used up the reading one request may do', async () => {
    // 300 verified messages, and 3 failed ones among them: one round of Queries reads two items of each shard.
    const entries = Array.from({ length: 303 }, (_, i) =>
      messageEntry(`m${String(i).padStart(3, '0')}.eml`, { subject: `Sujet ${String((i * 37) % 303).padStart(3, '0')}`, ...(i % 101 === 50 ? { verdict: 'failed' as const, reasons: ['body-hash-mismatch' as const] } : {}) }),
    );
    for (let i = 0; i < entries.length; i += 100) await store.putEntries('D', entries.slice(i, i + 100));
    const failed = entries.filter((entry) => entry.verdict === 'failed').sort((a, b) => byteOrder(a.subject!, b.subject!));
    for (const descending of [false, true]) {
      const expected = failed.map((entry) => entry.locator.path);
      const { locators, pages } = await walk({ verdict: 'failed', sort: { by: 'subject', descending }, limit: 2 }, 1);
      expect(locators).toEqual(descending ? expected.reverse() : expected);
      expect(pages).toBeGreaterThan(3);
    }
  });

  it('sort subjects and locators too long for a key, and records kept in S3', async () => {
    const long = 'Ré: '.repeat(400); // 2,000 bytes
    const big = 'x'.repeat(70 * 1024); // a record over the 64 KB kept in DynamoDB: its item points to S3
    const mid = 'dossier/'.repeat(50); // 400 bytes: fits beside the subject's prefix
    const deep = 'dossier/'.repeat(200); // 1,600 bytes: shortened in the table's key and in the sort key
    await store.putEntries('D', [
      messageEntry(`${mid}b.eml`, { subject: `${long}a` }),
      messageEntry(`${mid}a.eml`, { subject: `${long}b` }),
      messageEntry(`${deep}z.eml`, { subject: 'Ré: z' }),
      messageEntry('c.eml', { subject: 'Ré: court', detail: big }),
      messageEntry('d.eml', { subject: null }),
    ]);
    const { locators } = await walk({ sort: { by: 'subject', descending: false }, limit: 1 });
    // Past their first 200 characters the two long subjects tie, and order by locator.
    expect(locators).toEqual(['d.eml', 'c.eml', `${mid}a.eml`, `${mid}b.eml`, `${deep}z.eml`]);
    const descending = await store.listMessages('D', { sort: { by: 'subject', descending: true }, limit: 10 });
    expect(descending!.messages.map((line) => [line.locator, line.subject])).toEqual([
      [`${deep}z.eml`, 'Ré: z'],
      [`${mid}b.eml`, `${long}a`],
      [`${mid}a.eml`, `${long}b`],
      ['c.eml', 'Ré: court'],
      ['d.eml', null],
    ]);
    expect((await store.listMessages('D', { sort: { by: 'subject', descending: true }, limit: 10, q: 'court' }))!.messages.map((line) => line.locator)).toEqual(['c.eml']);
  });

  it('are refused for a dump stored before its messages carried sort keys, which still lists in locator order', async () => {
    await store.putEntries('D', [messageEntry('m.eml')]);
    await aws.db.send(new UpdateCommand({ TableName: aws.tables.dumps, Key: dumpKey('D'), UpdateExpression: 'REMOVE #s', ExpressionAttributeNames: { '#s': SORT_KEYS_ATTRIBUTE } }));
    const refused = await store.listMessages('D', { limit: 10, sort: { by: 'date', descending: false } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UnsupportedQueryError);
    expect((refused as UnsupportedQueryError).parameter).toBe('sort');
    expect((await store.listMessages('D', { limit: 10 }))!.messages.map((line) => line.locator)).toEqual(['m.eml']);
  });

  it('are refused, naming sort, on a verdicts table not yet given the sort\'s index (a stack brought up one index a deployment)', async () => {
    const bare = `${aws.tables.verdicts}-bare`;
    await aws.emulators.dynamodb.send(
      new CreateTableCommand({
        TableName: bare,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [VERDICTS_TABLE.partitionKey, VERDICTS_TABLE.sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: VERDICTS_TABLE.partitionKey, KeyType: 'HASH' },
          { AttributeName: VERDICTS_TABLE.sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
    await waitUntilTableExists({ client: aws.emulators.dynamodb, maxWaitTime: 30 }, { TableName: bare });
    const early = new DynamoVerdictStore(aws.db, { ...aws.tables, verdicts: bare });
    const refused = await early.listMessages('D', { limit: 10, sort: { by: 'subject', descending: true } }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(UnsupportedQueryError);
    expect((refused as Error).message).toContain('sort=subject');
  });
});
