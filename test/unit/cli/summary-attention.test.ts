/**
 * What `leakproof summary` lists after the counts, from a local store holding hand-built records, and the same
 * lists read through the API (`summary --api`): the same Attention, printed by the same lines.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLocally } from '../../../cli/commands/serve.ts';
import { bearerAuthoriser, RemoteApi } from '../../../cli/remote-api.ts';
import { apiAttentionSource, ATTENTION_LIMIT, attentionLines, attentionOf, storeAttentionSource, type Attention } from '../../../cli/summary-attention.ts';
import { openLocalHome, type LocalHome } from '../../../shared/adapters/local/local-home.ts';
import { createApi } from '../../../shared/api/create-api.ts';
import type { Reverifier } from '../../../shared/ports/reverifier.ts';
import { dumpInput, errorEntry, messageEntry, sha256Of, signature, skippedEntry } from '../../helpers/store-records.ts';

const DUMP = sha256Of('summary attention');
const COUNTS = { failed: 2, partial: 23, errors: 1, skipped: 1 };
let root: string;
let local: LocalHome;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'leakproof-attention-'));
  local = openLocalHome(root);
  await local.store.openDump(dumpInput(DUMP), new Date('2025-01-01T00:00:00Z'));
  await local.store.putEntries(DUMP, [
    ...Array.from({ length: 25 }, (_, i) => messageEntry(`ok/${String(i).padStart(2, '0')}.eml`, { signedBy: ['example.test'] })),
    messageEntry('a/body.eml', { verdict: 'failed', reasons: ['body-hash-mismatch'], subject: 'Virement \u001b[31murgent' }),
    messageEntry('a/header.eml', { verdict: 'failed', reasons: ['signature-mismatch'], signatures: [signature('example.test', { status: 'signature-mismatch', bodyHash: 'pass', headerSignature: 'fail' })] }),
    ...Array.from({ length: 22 }, (_, i) => messageEntry(`b/${String(i).padStart(2, '0')}.eml`, { verdict: 'partially-verified', reasons: ['body-length-limit'] })),
    // A Subject added above the signed one: the one listed (mail clients show it), marked not signed.
    messageEntry('a/subject.eml', { verdict: 'partially-verified', reasons: ['unsigned-header', 'duplicate-header'], subject: 'Resign now', unsignedShown: ['subject'] }),
    errorEntry('c/broken.eml', 'not an RFC 5322 message: no header field at its start'),
    skippedEntry('d/.DS_Store', 'macOS metadata (.DS_Store)'),
  ]);
});
afterAll(() => {
  local.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the summary\'s lists', () => {
  it('lists failed messages first, then partially verified ones, 20 in all, each with its reasons in plain words', async () => {
    const attention = await attentionOf(storeAttentionSource(local.store, DUMP, 51), COUNTS);
    expect(attention.messages).toHaveLength(ATTENTION_LIMIT);
    expect(attention.messages.slice(0, 3).map((item) => [item.locator, item.explanation])).toEqual([
      ['a/body.eml', 'The headers are genuine, but the body was changed after it was sent.'],
      ['a/header.eml', 'The body is intact; a signed header line was changed, or the key found is not the one that signed.'],
      ['a/subject.eml', expect.stringContaining('A From, Subject, Date, To or Cc line is not signed')],
    ]);
    expect(attention.unreadable).toEqual([{ locator: 'c/broken.eml', why: 'not an RFC 5322 message: no header field at its start' }]);
    expect(attention.skipped).toEqual([{ locator: 'd/.DS_Store', why: 'macOS metadata (.DS_Store)' }]);

    const text = attentionLines(attention);
    expect(text).toContain('To look at: 25 messages failed or partially verified (the first 20)');
    expect(text).toContain('… and 5 more');
    expect(text).toContain('Unreadable: 1 file\n  c/broken.eml: not an RFC 5322 message');
    expect(text).toContain('Skipped (not content): 1 file\n  d/.DS_Store: macOS metadata (.DS_Store)');
    expect(text).toContain('a/body.eml  Virement ?[31murgent\n');
    expect(text).toContain('a/subject.eml  Resign now  [not signed]\n');
    expect(text).toContain('b/00.eml  Subject of b/00.eml\n');
    expect(text).not.toContain('\u001b');
  });

  it('does not walk a dump too large to list its skipped files, and says so', async () => {
    const attention = await attentionOf(storeAttentionSource(local.store, DUMP, 1_000_000), COUNTS);
    expect(attention.skipped).toBeNull();
    expect(attentionLines(attention)).toContain('(not listed: the dump has over 100000 entries)');
  });

  it('reads the same lists through the API (`summary --api`): the listing by verdict, each entry\'s detail, GET /dumps/{id}/skipped', async () => {
    const reverifier = { reverifyDump: async () => { throw new Error('not here'); }, keysImported: async () => { throw new Error('not here'); } } as unknown as Reverifier;
    const server = await listenLocally(createApi({ store: local.store, keys: local.archive, reverifier, token: 'attention-token' }), 0);
    try {
      const api = new RemoteApi(server.url, bearerAuthoriser('attention-token'));
      const remote = await attentionOf(apiAttentionSource(api, DUMP), COUNTS);
      expect(remote).toEqual(await attentionOf(storeAttentionSource(local.store, DUMP, 51), COUNTS));
      expect(attentionLines(remote)).toContain('a/header.eml');
      // A stack deployed before GET /dumps/{id}/skipped: the files are counted, and the lines say why they are not listed.
      const older = { listMessages: api.listMessages.bind(api), message: api.message.bind(api), skippedFiles: async () => 'unsupported' as const };
      const fromOlder = await attentionOf(apiAttentionSource(older, DUMP), COUNTS);
      expect(fromOlder.skipped).toBeNull();
      expect(attentionLines(fromOlder)).toContain('Skipped (not content): 1 file\n  (not listed: the stack was deployed before its API listed them)');
    } finally {
      await server.close();
    }
  });
});

describe('the lists as text (one formatter for the local and the remote summary)', () => {
  const none: Attention = { messages: [], messagesInAll: 0, unreadable: [], unreadableInAll: 0, skipped: [], skippedNote: null, skippedInAll: 0 };

  it('prints nothing for a dump with nothing to look at', () => {
    expect(attentionLines(none)).toBe('');
  });

  it('prints each list under its count, the message\'s plain reason under it, and how many more there are', () => {
    const text = attentionLines({
      ...none,
      messages: [{ locator: 'x/1.eml', verdict: 'failed', reasons: ['body-hash-mismatch'], subject: null, from: null, explanation: 'The body was changed.' }],
      messagesInAll: 3,
      unreadable: [{ locator: 'y.eml', why: 'truncated' }],
      unreadableInAll: 1,
      skipped: [{ locator: 'z.png', why: 'not a message (image/png)' }],
      skippedInAll: 2,
    });
    expect(text.split('\n')).toEqual([
      '',
      'To look at: 3 messages failed or partially verified (the first 1)',
      '  failed             x/1.eml  (no subject)',
      '                     The body was changed.',
      '  … and 2 more (`leakproof export --verdict failed` or `--verdict partially-verified` lists them all)',
      '',
      'Unreadable: 1 file',
      '  y.eml: truncated',
      '',
      'Skipped (not content): 2 files',
      '  z.png: not a message (image/png)',
      '  … and 1 more (not listed here)',
    ]);
  });

  it('clips a long subject and neutralises terminal controls in what the dump holds', () => {
    const text = attentionLines({ ...none, messages: [{ locator: 'a\u001b]0;x\u0007.eml', verdict: 'partially-verified', reasons: [], subject: 'S'.repeat(100), from: null, explanation: '' }], messagesInAll: 1 });
    expect(text).toContain(`${'S'.repeat(80)}…`);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
  });
});

describe('counts in words', () => {
  it('says "1 selected message", "1 verdict", "its dump" for one, and the plural otherwise', async () => {
    const { closingLine } = await import('../../../cli/commands/reverify.ts');
    const one = { selected: 1, checked: 1, changed: 1, transitions: new Map([['unverified → verified', 1]]), unreadable: 1, documentsSettled: 0, provenanceChanged: 0, settleCapped: 0 };
    expect(closingLine(one)).toBe('reverify: 1 of 1 selected message checked, 1 verdict changed (1 unverified → verified); 1 could not be re-read from its dump');
    expect(closingLine({ ...one, selected: 2, checked: 2, changed: 2, transitions: new Map(), unreadable: 2 })).toBe('reverify: 2 of 2 selected messages checked, 2 verdicts changed; 2 could not be re-read from their dump');
  });
});
