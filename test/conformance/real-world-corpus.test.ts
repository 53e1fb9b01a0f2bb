/**
 * Conformance over ../shared/corpus/real-world: 42 messages written and signed by third parties (four from
 * real leaks), their historical keys, and dkimpy's per-signature results. Read from ../shared at test time,
 * never copied into the project; skipped when ../shared is not beside the repo.
 *
 * Each signature's pass/fail must equal dkimpy's with its clock at the signature's t= (`dkimpy_at_t`, else
 * `dkimpy`): our verifier never fails a signature for x= (it is a caveat judged against receipt time), so the
 * at-t answer is the comparable one. Disagreements are allowed only where an RFC says dkimpy is wrong, below.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { verifyMessage } from '../../shared/verify/verify-message.ts';
import { staticResolver } from '../helpers/keys.ts';

const CORPUS = '../shared/corpus/real-world/';

interface ExpectedSignature {
  d: string;
  s: string;
  dkimpy: 'pass' | 'fail';
  dkimpy_at_t?: 'pass' | 'fail' | null;
  why: string;
}

interface ExpectedMessage {
  file: string;
  signatures: ExpectedSignature[];
}

/** Where RFC 6376 / RFC 5322 say dkimpy's answer is wrong: file → index → what the RFC gives, and why. */
const DKIMPY_IS_WRONG: Record<string, Record<number, { expected: 'pass' | 'fail'; rfc: string }>> = {
  '016-gmail-arnaud-uncanon.eml': {
    0: {
      expected: 'pass',
      rfc:
        '`DKIM-Signature  :` — RFC 5322 §4.5.8 obs-optional (field-name *WSP ":") is a field, and RFC 6376 §3.4.2 ' +
        '(relaxed header canonicalisation deletes WSP before the colon) hashes it as `dkim-signature:`; dkimpy\'s ' +
        'parser rejects the message (MessageFormatError)',
    },
  },
};

const present = existsSync(CORPUS + 'expected.jsonl');

function jsonLines<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

const expected = present ? jsonLines<ExpectedMessage>(CORPUS + 'expected.jsonl') : [];

function keyRecords(): Record<string, string[]> {
  const records: Record<string, string[]> = {};
  for (const key of jsonLines<{ domain: string; selector: string; value: string }>(CORPUS + 'keys.jsonl')) {
    (records[`${key.selector}._domainkey.${key.domain}`] ??= []).push(key.value);
  }
  return records;
}

/** Any fixed clock: it only decides key-compromised, which no corpus key is. */
const VERIFIED_AT = new Date('2026-01-01T00:00:00Z');

function verify(file: string) {
  return verifyMessage({ bytes: readFileSync(`${CORPUS}messages/${file}`) }, staticResolver(keyRecords()), VERIFIED_AT);
}

describe.skipIf(!present)('real-world DKIM corpus (../shared/corpus/real-world)', () => {
  it('holds the 42 messages and 48 signatures its README describes', () => {
    expect(expected).toHaveLength(42);
    expect(expected.flatMap((message) => message.signatures)).toHaveLength(48);
  });

  for (const message of expected) {
    it(`${message.file}: every signature agrees with dkimpy at t=, but where the RFC says dkimpy is wrong`, async () => {
      const result = await verify(message.file);
      const ours = result.signatures.map((signature) => (signature.status === 'pass' ? 'pass' : 'fail'));
      const wanted = message.signatures.map((signature, i) => DKIMPY_IS_WRONG[message.file]?.[i]?.expected ?? signature.dkimpy_at_t ?? signature.dkimpy);
      const explained = result.signatures.map((signature, i) => `${signature.d}/${signature.s}: ${signature.status} ${signature.detail ?? ''} (dkimpy: ${message.signatures[i]?.why})`);
      expect(ours, explained.join('\n')).toEqual(wanted);
    });
  }

  it('016 (`DKIM-Signature  :`, obs syntax, relaxed/relaxed) is verified: gmail.com signs From, Subject, Date and To and the whole body', async () => {
    const result = await verify('016-gmail-arnaud-uncanon.eml');
    expect(result.signatures.map((signature) => signature.status)).toEqual(['pass']);
    expect(result.verdict).toBe('verified');
    expect(result.reasons).toEqual([]);
  });
});
