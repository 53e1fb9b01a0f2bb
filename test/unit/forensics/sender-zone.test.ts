/**
 * The Date's zone beside the same sender's verified messages: the pure comparison, then the store's side on
 * SQLite with messages signed at test time and verified as the pipeline does (their zones read from their Date).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocalHome, type LocalHome } from '../../../shared/adapters/local/local-home.ts';
import { createApi } from '../../../shared/api/create-api.ts';
import { messageKeyOf } from '../../../shared/api/message-key.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { comparableZone, compareSenderZone } from '../../../shared/forensics/sender-zone.ts';
import { forensicsWithSenderZone, MAX_ZONE_COMPARISONS } from '../../../shared/forensics/sender-zones-in-store.ts';
import { describeEntry } from '../../../shared/pipeline/describe-entry.ts';
import { verifyEntry } from '../../../shared/pipeline/verify-entry.ts';
import type { MessageRecord } from '../../../shared/ports/verdict-store.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';
import { dumpInput, sha256Of } from '../../helpers/store-records.ts';
import { useTempHome } from '../../helpers/temp-home.ts';
import { RecordingReverifier } from '../api/api-harness.ts';
import { ResponseValidator } from '../api/openapi-responses.ts';

describe('compareSenderZone', () => {
  it('reads names as offsets and drops zones that say nothing of where a message was written', () => {
    expect(['+0200', 'EST', 'gmt', 'UT', '-0000', 'A', 'Z', 'CEST', null].map(comparableZone)).toEqual(['+0200', '-0500', '+0000', '+0000', null, null, '+0000', 'CEST', null]);
  });

  it('flags a zone none of the sender\'s verified messages was written in, saying how many were compared', () => {
    const result = compareSenderZone('-0500', ['+0200', '+0100', '+0200', null]);
    expect(result!.evidence).toEqual({ zone: '-0500', compared: 4, zones: ['+0200', '+0100'], seen: false });
    expect(result!.flag).toBe("zone-unseen-for-sender: the Date's zone -0500 is in none of 4 verified messages from this sender compared (their zones: +0200, +0100)");
  });

  it('raises nothing when the zone was seen (EST is -0500), when nothing had a zone, or when this message has none', () => {
    expect(compareSenderZone('EST', ['+0200', '-0500'])).toEqual({ evidence: { zone: '-0500', compared: 2, zones: ['-0500', '+0200'], seen: true }, flag: null });
    expect(compareSenderZone('+0200', [null, '-0000'])).toEqual({ evidence: { zone: '+0200', compared: 2, zones: [], seen: null }, flag: null });
    expect(compareSenderZone('+0200', [])).toEqual({ evidence: { zone: '+0200', compared: 0, zones: [], seen: null }, flag: null });
    expect(compareSenderZone(null, ['+0200'])).toBeNull();
    expect(compareSenderZone('-0000', ['+0200'])).toBeNull();
  });

  it('shows at most 8 zones however many there are', () => {
    const zones = Array.from({ length: 30 }, (_, i) => `+${String(i).padStart(2, '0')}00`);
    const result = compareSenderZone('-0900', zones)!;
    expect(result.evidence.zones).toHaveLength(8);
    expect(result.flag).toMatch(/, …\)$/);
  });
});

describe('forensicsWithSenderZone (SQLite)', () => {
  const alice = rsaKey(1024);
  const verifier = createVerifier(staticResolver({ 'sel._domainkey.paris.example': alice.record }));
  const AT = new Date('2025-03-01T12:00:00Z');
  const DUMP = sha256Of('the mail');
  const OTHER = sha256Of('more mail');
  const temp = useTempHome('leakproof-zones-');
  let local: LocalHome;
  beforeEach(() => {
    local = openLocalHome(temp.dir);
  });
  afterEach(() => local.close());

  /** A message signed now (or tampered after signing), as the pipeline stores it. */
  async function record(path: string, { date, from = 'Alice <alice@paris.example>', tampered = false }: { date: string; from?: string; tampered?: boolean }): Promise<MessageRecord> {
    let bytes = signMessage(buildMessage({ from, date, messageId: `<${path}@paris.example>`, body: 'The accounts.\r\n' }), { domain: 'paris.example', selector: 'sel', privateKey: alice.privateKey });
    if (tampered) bytes = tamper(bytes, 'The accounts.', 'The altered accounts.');
    const described = await describeEntry(await verifyEntry({ kind: 'message', locator: { path }, bytes }, verifier, AT));
    if (described.kind !== 'message') throw new Error(`${path} is no message`);
    return { ...described, attachments: [], attachmentsNote: null };
  }

  async function put(dumpId: string, records: MessageRecord[]) {
    await local.store.openDump(dumpInput(dumpId), AT);
    await local.store.putEntries(dumpId, records);
  }

  it('compares with the sender\'s verified messages in every dump, not with itself, another sender, or a failed copy', async () => {
    const odd = await record('odd.eml', { date: 'Thu, 04 May 2017 04:00:00 -0500', tampered: true });
    await put(DUMP, [
      await record('1.eml', { date: 'Thu, 04 May 2017 10:00:00 +0200' }),
      await record('2.eml', { date: 'Mon, 09 Jan 2017 10:00:00 +0100' }),
      await record('bob.eml', { date: 'Thu, 04 May 2017 04:00:00 -0500', from: 'Bob <bob@paris.example>' }),
      await record('failed.eml', { date: 'Thu, 04 May 2017 04:00:00 -0500', tampered: true }),
      odd,
    ]);
    await put(OTHER, [await record('3.eml', { date: 'Fri, 05 May 2017 10:00:00 +0200' })]);
    expect(odd.verdict).toBe('failed');

    const forensics = await forensicsWithSenderZone(local.store, DUMP, odd);
    expect(forensics!.senderZone).toEqual({ zone: '-0500', compared: 3, zones: ['+0200', '+0100'], seen: false });
    expect(forensics!.flags.filter((flag) => flag.startsWith('zone-unseen-for-sender:'))).toHaveLength(1);
    expect(odd.forensics!.flags).not.toContainEqual(expect.stringMatching(/^zone-unseen/)); // evidence at read, never stored

    const usual = (await local.store.getEntry(DUMP, '1.eml')) as MessageRecord;
    const own = await forensicsWithSenderZone(local.store, DUMP, usual);
    expect(own!.senderZone).toEqual({ zone: '+0200', compared: 2, zones: ['+0100', '+0200'], seen: true });
    expect(own!.flags).toEqual(usual.forensics!.flags);
  });

  it('reads at most 50 of the sender\'s verified messages', async () => {
    const many = await Promise.all(Array.from({ length: MAX_ZONE_COMPARISONS + 10 }, (_, i) => record(`m${String(i).padStart(3, '0')}.eml`, { date: 'Thu, 04 May 2017 10:00:00 +0200' })));
    await put(DUMP, many);
    const travelling = await record('travel.eml', { date: 'Thu, 04 May 2017 04:00:00 -0500' });
    const forensics = await forensicsWithSenderZone(local.store, DUMP, travelling);
    expect(forensics!.senderZone).toMatchObject({ compared: MAX_ZONE_COMPARISONS, seen: false });
  });

  it('says nothing to compare when the Date has no zone, and keeps a record without forensics as it is', async () => {
    const zoneless = await record('z.eml', { date: 'Thu, 04 May 2017 10:00:00' });
    await put(DUMP, [await record('1.eml', { date: 'Thu, 04 May 2017 10:00:00 +0200' })]);
    expect((await forensicsWithSenderZone(local.store, DUMP, zoneless))!.senderZone).toBeNull();
    expect(await forensicsWithSenderZone(local.store, DUMP, { ...zoneless, forensics: null })).toBeNull();
  });

  it('the message detail (GET /dumps/{id}/messages/{key}) carries the comparison and its flag, as the OpenAPI document says', async () => {
    const odd = await record('odd.eml', { date: 'Thu, 04 May 2017 04:00:00 -0500' });
    await put(DUMP, [await record('1.eml', { date: 'Thu, 04 May 2017 10:00:00 +0200' }), odd]);
    const app = createApi({ store: local.store, keys: local.archive, reverifier: new RecordingReverifier() });
    const { validator, errors } = await ResponseValidator.of(await (await app.request('/openapi.json')).json());
    expect(errors).toBeNull();
    const url = `/dumps/${DUMP}/messages/${messageKeyOf('odd.eml')}`;
    const response = await app.request(url);
    const text = await response.text();
    validator.check('GET', url, { status: response.status, headers: response.headers, body: Buffer.from(text), text });
    const detail = JSON.parse(text);
    expect(detail.verdict).toBe('verified'); // evidence beside the verdict, never a change to it
    expect(detail.forensics.senderZone).toEqual({ zone: '-0500', compared: 1, zones: ['+0200'], seen: false });
    expect(detail.forensics.flags).toContainEqual(expect.stringMatching(/^zone-unseen-for-sender: the Date's zone -0500 is in none of the 1 verified message from this sender compared/));
  });
});
