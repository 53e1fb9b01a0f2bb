/**
 * Every verifier rule attacked as a forger would (THREATS.md §1), and each paired with a genuine message whose
 * awkward bytes the rule must not reject. Messages are signed here with keys made here; where dkimpy or
 * mailauth judge a signature, they must agree, unless the RFC named in the case says they are wrong.
 */
import { describe, expect, it } from 'vitest';
import { signMessage, type SignOptions } from '../../../shared/dkim/sign.ts';
import type { KeyResolver } from '../../../shared/ports/key-resolver.ts';
import type { MessageVerdict, Reason, Verdict } from '../../../shared/verdict/contract.ts';
import { verifyMessage } from '../../../shared/verify/verify-message.ts';
import { rsaKey, staticResolver, type TestKey } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';
import { dkimpyBatchAvailable, dkimpyVerifyBatch } from '../../helpers/dkimpy-batch.ts';
import { mailauthVerify, type KeyMap } from '../../helpers/oracles.ts';

const SIGNED_AT = Date.parse('2017-05-04T08:00:00Z') / 1000;
const VERIFY_AT = new Date('2026-11-21T00:00:00Z');
const ORACLE_AT = new Date(SIGNED_AT * 1000 + 60_000);
const campaign = rsaKey(1024);
const attacker = rsaKey(1024);
const bank = rsaKey(1024);
const tester = rsaKey(1024);

const keys: KeyMap = {
  'sel._domainkey.campaign.example': campaign.record,
  'sel._domainkey.attacker.uk.com': attacker.record,
  'sel._domainkey.bank.uk.com': bank.record,
  'sel._domainkey.mail.bank.uk.com': bank.record,
  'sel._domainkey.attacker.github.io': attacker.record,
  'test._domainkey.campaign.example': tester.record.replace('v=DKIM1;', 'v=DKIM1; t=y;'),
};

function sign(message: Buffer, options: Partial<SignOptions> = {}, key: TestKey = campaign): Buffer {
  return signMessage(message, { domain: 'campaign.example', selector: 'sel', privateKey: key.privateKey, timestamp: SIGNED_AT, ...options });
}

function verify(message: Buffer, resolver: KeyResolver = staticResolver(keys)): Promise<MessageVerdict> {
  return verifyMessage({ bytes: message }, resolver, VERIFY_AT);
}

function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

interface Case {
  rule: string;
  name: string;
  message: () => Buffer;
  verdict: Verdict;
  reasons: Reason[];
  /** Per signature: does it verify (body and header)? What the oracles must say too, unless noted. */
  signaturesPass: boolean[];
  /** Why an oracle is not asked: the RFC section that says it is wrong, or why it cannot judge. */
  notDkimpy?: string;
  notMailauth?: string;
}

const OBS_SYNTAX_DKIMPY = 'dkimpy rejects `name WSP* :` (MessageFormatError); RFC 5322 §4.5.? obs-optional allows it and RFC 6376 §3.4.2 says how relaxed canonicalises it';
const EDGE_BYTES_DKIMPY = 'dkimpy strips 0x0B/0x0C/CR at value ends (Python bytes.strip); RFC 6376 §3.4.2 removes only WSP (SP, HTAB)';

const cases: Case[] = [
  // White space before the colon (RFC 5322 §4.5): a field all the same, counted, selected and shown.
  {
    rule: 'obsolete field syntax', name: 'an injected `From : CEO` above the signed From is counted as an unsigned instance',
    message: () => Buffer.concat([bytes('From : CEO <ceo@campaign.example>\r\n'), sign(buildMessage())]),
    verdict: 'partially-verified', reasons: ['unsigned-header', 'duplicate-header'], signaturesPass: [true], notDkimpy: OBS_SYNTAX_DKIMPY,
  },
  {
    rule: 'obsolete field syntax', name: 'an injected `Subject\\t:` below the signed one is the instance h= selects: the signature breaks',
    message: () => tamper(sign(buildMessage()), 'MIME-Version: 1.0\r\n', 'MIME-Version: 1.0\r\nSubject\t: Resign now\r\n'),
    verdict: 'failed', reasons: ['signature-mismatch'], signaturesPass: [false], notDkimpy: OBS_SYNTAX_DKIMPY,
  },
  {
    rule: 'obsolete field syntax', name: 'a genuine `Subject :` and `Date  :` are signed and verify (relaxed)',
    message: () => sign(tamper(tamper(buildMessage(), 'Subject:', 'Subject :'), 'Date:', 'Date  :')),
    verdict: 'verified', reasons: [], signaturesPass: [true], notDkimpy: OBS_SYNTAX_DKIMPY,
  },
  {
    rule: 'obsolete field syntax', name: 'a genuine `Subject :` verifies (simple)',
    message: () => sign(tamper(buildMessage(), 'Subject:', 'Subject :'), { canonicalization: 'simple/simple' }),
    verdict: 'verified', reasons: [], signaturesPass: [true], notDkimpy: OBS_SYNTAX_DKIMPY,
  },
  {
    rule: 'obsolete field syntax', name: 'white space added before a signed colon breaks simple canonicalisation',
    message: () => tamper(sign(buildMessage(), { canonicalization: 'simple/simple' }), 'Subject:', 'Subject :'),
    verdict: 'failed', reasons: ['signature-mismatch'], signaturesPass: [false], notDkimpy: OBS_SYNTAX_DKIMPY,
  },
  {
    rule: 'obsolete field syntax', name: 'white space added before a signed colon is what relaxed tolerates',
    message: () => tamper(sign(buildMessage()), 'Subject:', 'Subject :'),
    verdict: 'verified', reasons: [], signaturesPass: [true], notDkimpy: OBS_SYNTAX_DKIMPY,
  },
  // Relaxed canonicalisation removes SP and HTAB only (RFC 6376 §3.4.2).
  {
    rule: 'relaxed white space', name: 'a genuine UTF-8 Subject ending in "à" (C3 A0) verifies',
    message: () => sign(buildMessage({ subject: Buffer.from('Réunion à', 'utf8').toString('latin1') })),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
  ...[
    ['0x0B', '\x0b'],
    ['0x0C', '\x0c'],
    ['0xA0', '\xa0'],
    ['a lone CR', '\r'],
  ].map(([label, byte]): Case => ({
    rule: 'relaxed white space', name: `${label} added after a signed value fails`,
    message: () => tamper(sign(buildMessage()), 'Subject: Meeting notes', `Subject: Meeting notes${byte}`),
    verdict: 'failed', reasons: ['signature-mismatch'], signaturesPass: [false],
    notDkimpy: byte === '\xa0' ? undefined : EDGE_BYTES_DKIMPY,
  })),
  ...[
    ['0x0B', '\x0b'],
    ['0xA0', '\xa0'],
  ].map(([label, byte]): Case => ({
    rule: 'relaxed white space', name: `${label} added before a signed value fails`,
    message: () => tamper(sign(buildMessage()), 'Subject: Meeting notes', `Subject:${byte}Meeting notes`),
    verdict: 'failed', reasons: ['signature-mismatch'], signaturesPass: [false],
    notDkimpy: byte === '\xa0' ? undefined : EDGE_BYTES_DKIMPY,
  })),
  {
    rule: 'relaxed white space', name: 'SP and HTAB added around a signed value are tolerated',
    message: () => tamper(sign(buildMessage()), 'Subject: Meeting notes', 'Subject: \t Meeting \t notes \t'),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
  {
    rule: 'relaxed white space', name: '0x0B inside a body line is content: changing it fails the body hash',
    message: () => tamper(sign(buildMessage({ body: 'Total:\x0b5,000 EUR\r\n' })), 'Total:\x0b', 'Total: '),
    verdict: 'failed', reasons: ['body-hash-mismatch'], signaturesPass: [false],
  },
  // Organisational domains: the Public Suffix List's private section separates owners.
  {
    rule: 'alignment', name: 'd=attacker.uk.com does not align with From: ceo@bank.uk.com',
    message: () => sign(buildMessage({ from: 'CEO <ceo@bank.uk.com>' }), { domain: 'attacker.uk.com' }, attacker),
    verdict: 'partially-verified', reasons: ['signer-not-aligned'], signaturesPass: [true],
  },
  {
    rule: 'alignment', name: 'd=attacker.github.io does not align with From: someone@github.io',
    message: () => sign(buildMessage({ from: 'GitHub <someone@github.io>' }), { domain: 'attacker.github.io' }, attacker),
    verdict: 'partially-verified', reasons: ['signer-not-aligned'], signaturesPass: [true],
  },
  {
    rule: 'alignment', name: 'd=mail.bank.uk.com aligns with From: ceo@bank.uk.com (same owner)',
    message: () => sign(buildMessage({ from: 'CEO <ceo@bank.uk.com>' }), { domain: 'mail.bank.uk.com' }, bank),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
  // Every author must align (RFC 5322 §3.6.2 lets From name several).
  {
    rule: 'several authors', name: 'a second author of another domain is not vouched for',
    message: () => sign(buildMessage({ from: 'Alice <alice@campaign.example>, CEO <ceo@bank.example>' })),
    verdict: 'partially-verified', reasons: ['multiple-authors'], signaturesPass: [true],
  },
  {
    rule: 'several authors', name: 'the only aligned author listed second still leaves the first unvouched',
    message: () => sign(buildMessage({ from: 'ceo@bank.example, alice@campaign.example' })),
    verdict: 'partially-verified', reasons: ['multiple-authors'], signaturesPass: [true],
  },
  {
    rule: 'several authors', name: 'two authors of the signing organisation verify',
    message: () => sign(buildMessage({ from: 'Alice <alice@campaign.example>, Carl <carl@press.campaign.example>' })),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
  {
    rule: 'several authors', name: 'a From naming no readable mailbox aligns with nothing',
    message: () => sign(buildMessage({ from: 'undisclosed-recipients:;' })),
    verdict: 'partially-verified', reasons: ['signer-not-aligned'], signaturesPass: [true],
  },
  // Keys in testing mode (RFC 6376 §3.6.1): treat as unsigned.
  {
    rule: 'key testing', name: 'a signature by a t=y key proves nothing',
    message: () => sign(buildMessage(), { selector: 'test' }, tester),
    verdict: 'unverified', reasons: ['key-testing'], signaturesPass: [true],
  },
  {
    rule: 'key testing', name: 'an altered message under a t=y key is unsigned mail, not "altered"',
    message: () => tamper(sign(buildMessage(), { selector: 'test' }, tester), 'The notes', 'The fake notes'),
    verdict: 'unverified', reasons: ['key-testing'], signaturesPass: [false],
  },
  // Tags the RFC constrains (RFC 6376 §3.5).
  {
    rule: 'tags', name: 'q= listing no dns/txt leaves no way to fetch the key',
    message: () => sign(buildMessage(), { extraTags: ['q=dns/other'] }),
    verdict: 'unverified', reasons: ['malformed-signature'], signaturesPass: [false],
    notMailauth: 'mailauth ignores q=; RFC 6376 §3.5: a q= naming no method the verifier knows leaves no way to fetch the key',
  },
  {
    rule: 'tags', name: 'q=dns/txt (any case, among others) is accepted',
    message: () => sign(buildMessage(), { extraTags: ['q=other/x:DNS/TXT'] }),
    verdict: 'verified', reasons: [], signaturesPass: [true],
    notDkimpy: 'dkimpy accepts only q= exactly "dns/txt"; RFC 6376 §3.5 allows a colon-separated list, and ABNF literals are case-insensitive (RFC 5234 §2.3)',
  },
  {
    rule: 'tags', name: 'i= without "@" is malformed',
    message: () => sign(buildMessage(), { extraTags: ['i=campaign.example'] }),
    verdict: 'unverified', reasons: ['malformed-signature'], signaturesPass: [false],
    notMailauth: 'mailauth takes i= without "@" as a domain; RFC 6376 §3.5 i= is [local-part] "@" domain-name',
  },
  {
    rule: 'tags', name: 'junk in b= is not base64 (Node would skip it silently)',
    message: () => tamper(sign(buildMessage()), 'b=', 'b=\x0b!'),
    verdict: 'unverified', reasons: ['malformed-signature'], signaturesPass: [false],
    notMailauth: 'mailauth decodes b= skipping what is not base64; RFC 6376 §3.5 b= is base64string, and anything else is a syntax error',
  },
  // Header lines that are neither a field nor a continuation: readers disagree on them.
  {
    rule: 'malformed header', name: 'a line without a colon injected among the headers',
    message: () => tamper(sign(buildMessage()), 'MIME-Version: 1.0\r\n', 'MIME-Version: 1.0\r\nReply to ceo@attacker.example\r\n'),
    verdict: 'partially-verified', reasons: ['malformed-header'], signaturesPass: [true],
    notMailauth: 'mailauth reads a line that is not a field as a continuation of the one above (so that value changes); RFC 5322 §2.2.3 continuations start with WSP: the line is no field at all, so we verify the fields and call the message malformed-header',
    notDkimpy: 'dkimpy rejects the whole message (MessageFormatError); RFC 6376 §5.3 verifies the fields that are there, and we call it malformed-header',
  },
  {
    rule: 'malformed header', name: 'a field name with a space in it (`Reply To: …`)',
    message: () => tamper(sign(buildMessage()), 'MIME-Version: 1.0\r\n', 'MIME-Version: 1.0\r\nReply To: ceo@attacker.example\r\n'),
    verdict: 'partially-verified', reasons: ['malformed-header'], signaturesPass: [true],
    notMailauth: 'mailauth reads a line that is not a field as a continuation of the one above (so that value changes); RFC 5322 §2.2.3 continuations start with WSP: the line is no field at all, so we verify the fields and call the message malformed-header',
    notDkimpy: 'dkimpy rejects the whole message (MessageFormatError); RFC 6376 §5.3 verifies the fields that are there, and we call it malformed-header',
  },
  {
    rule: 'malformed header', name: 'a continuation of only white space, which some readers take for the end of the headers',
    message: () => tamper(sign(buildMessage()), 'Subject: Meeting notes\r\n', 'Subject: Meeting notes\r\n \r\n'),
    verdict: 'partially-verified', reasons: ['malformed-header'], signaturesPass: [true],
  },
  {
    rule: 'malformed header', name: 'a From hidden behind a bare CR in an unsigned field, which some readers split on',
    message: () => tamper(sign(buildMessage()), 'MIME-Version: 1.0\r\n', 'MIME-Version: 1.0\r\nX-Note: see below\rFrom: CEO <ceo@campaign.example>\r\n'),
    verdict: 'partially-verified', reasons: ['malformed-header'], signaturesPass: [true],
  },
  {
    rule: 'malformed header', name: 'a genuine message stored with its mbox envelope line first',
    message: () => Buffer.concat([bytes('From alice@campaign.example Thu May  4 10:00:00 2017\r\n'), sign(buildMessage())]),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
  // Malformed means unproven, not altered (RFC 6376 §6.1.1).
  {
    rule: 'malformed signature', name: 'd= that is not a domain name',
    message: () => sign(buildMessage(), { domain: 'campaign.example(.attacker.example' }),
    verdict: 'unverified', reasons: ['malformed-signature'], signaturesPass: [false],
  },
  // Duplicates of the fields people read: even when both are signed, readers differ on which they show.
  {
    rule: 'display equals signed', name: 'two Subjects, both signed (over-signed), are not verified',
    message: () => sign(tamper(buildMessage(), 'Subject: Meeting notes\r\n', 'Subject: Meeting notes\r\nSubject: Resign now\r\n'), { headers: ['from', 'to', 'subject', 'subject', 'date'] }),
    verdict: 'partially-verified', reasons: ['duplicate-header'], signaturesPass: [true],
  },
  // Awkward but genuine bytes.
  {
    rule: 'awkward genuine', name: '8-bit UTF-8 in headers and body, odd folding, mixed-case names',
    message: () => sign(buildMessage({
      from: Buffer.from('Émilie Dupré <emilie@campaign.example>', 'utf8').toString('latin1'),
      subject: Buffer.from('Compte-rendu :\r\n\t réunion  du\r\n   4 mai', 'utf8').toString('latin1'),
      extraHeaders: ['X-Mixed-CASE:   value   with   runs'],
      body: Buffer.from('Bonjour,\r\n\r\nÇa va ?  \t\r\n\r\n\r\n', 'utf8'),
    }), { headers: ['From', 'SUBJECT', 'to', 'date', 'x-mixed-case'] }),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
  {
    rule: 'awkward genuine', name: 'an unterminated body and a bare-LF store',
    message: () => Buffer.from(sign(buildMessage({ body: 'Last line without an end' })).toString('latin1').replace(/\r\n/g, '\n'), 'latin1'),
    verdict: 'verified', reasons: [], signaturesPass: [true],
  },
];

describe('forgeries against each verifier rule, and genuine messages each rule must keep', () => {
  for (const testCase of cases) {
    it(`${testCase.rule}: ${testCase.name} → ${testCase.verdict} ${testCase.reasons.join(',')}`, async () => {
      const result = await verify(testCase.message());
      expect({ verdict: result.verdict, reasons: result.reasons }).toEqual({ verdict: testCase.verdict, reasons: testCase.reasons });
      expect(result.signatures.map((signature) => signature.status === 'pass')).toEqual(testCase.signaturesPass);
    });
  }

  it.skipIf(!dkimpyBatchAvailable)('dkimpy agrees on every signature, except where the RFC says it is wrong', () => {
    const judged = cases.filter((c) => c.notDkimpy === undefined);
    const results = dkimpyVerifyBatch(judged.map((c) => c.message()), keys, ORACLE_AT.getTime() / 1000);
    const disagreements = judged.filter((c, i) => JSON.stringify(results[i]!.signatures.map((s) => s.pass)) !== JSON.stringify(c.signaturesPass));
    expect(disagreements.map((c) => c.name)).toEqual([]);
  });

  it('mailauth agrees on every signature, except where noted', async () => {
    const disagreements: string[] = [];
    for (const testCase of cases.filter((c) => c.notMailauth === undefined)) {
      const verdicts = await mailauthVerify(testCase.message(), keys, ORACLE_AT);
      if (JSON.stringify(verdicts) !== JSON.stringify(testCase.signaturesPass)) disagreements.push(testCase.name);
    }
    expect(disagreements).toEqual([]);
  });
});

describe('evidence of the new rules', () => {
  it('shows a testing key as such in the key evidence', async () => {
    const result = await verify(sign(buildMessage(), { selector: 'test' }, tester));
    expect(result.signatures[0]).toMatchObject({ status: 'pass', key: { testing: true }, reasons: ['key-testing'] });
  });

  it('keeps permerror and its detail in the evidence of a malformed signature', async () => {
    const result = await verify(sign(buildMessage(), { extraTags: ['i=campaign.example'] }));
    expect(result.signatures[0]).toMatchObject({ status: 'permerror', reasons: ['malformed-signature'], detail: 'i= has no "@"' });
  });

  it('recognises `DKIM-Signature  :` (white space before the colon) as a signature', async () => {
    const result = await verify(tamper(sign(buildMessage()), 'DKIM-Signature:', 'DKIM-Signature  :'));
    expect(result.signatures).toHaveLength(1);
    expect(result.verdict).toBe('verified');
  });
});
