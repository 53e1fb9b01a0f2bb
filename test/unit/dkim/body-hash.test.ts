import { createHash, randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hashBody, hashBodyAt } from '../../../shared/dkim/body-hash.ts';
import { splitMessage } from '../../../shared/dkim/header-fields.ts';

/** RFC 6376 §3.4.3/§3.4.4 written as plainly as possible: the reference the streaming hasher must equal. */
function referenceCanonical(body: Buffer, mode: 'simple' | 'relaxed'): Buffer {
  let lines = body.toString('latin1').split(/\r?\n/);
  const terminated = /\n$/.test(body.toString('latin1'));
  if (terminated) lines.pop();
  if (mode === 'relaxed') lines = lines.map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) return Buffer.from(mode === 'simple' ? '\r\n' : '', 'latin1');
  return Buffer.from(lines.map((line) => line + '\r\n').join(''), 'latin1');
}

function digest(bytes: Buffer, algorithm = 'sha256'): string {
  return createHash(algorithm).update(bytes).digest('base64');
}

const PIECES = ['a', 'b', 'From x', ' ', '  ', '\t', ' \t ', '\r\n', '\n', '\r', '\xe9', 'long-line-'.repeat(20)];

function randomBody(): Buffer {
  let text = '';
  for (let i = randomInt(0, 60); i > 0; i--) text += PIECES[randomInt(0, PIECES.length)];
  return Buffer.from(text, 'latin1');
}

describe('hashBody', () => {
  it('hashes the empty body as RFC 6376 says: simple is one CRLF, relaxed is empty', () => {
    expect(hashBody(Buffer.alloc(0), 'simple', 'sha256').digest).toBe('frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=');
    expect(hashBody(Buffer.alloc(0), 'relaxed', 'sha256').digest).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=');
    expect(hashBody(Buffer.from('\r\n\r\n'), 'relaxed', 'sha256').canonicalLength).toBe(0);
  });

  it('treats LF-stored bodies as the CRLF body that was sent', () => {
    const crlf = hashBody(Buffer.from('line one\r\nline  two \r\n\r\n'), 'relaxed', 'sha256');
    const lf = hashBody(Buffer.from('line one\nline  two \n\n'), 'relaxed', 'sha256');
    expect(lf).toEqual(crlf);
    expect(crlf.canonicalLength).toBe('line one\r\nline two\r\n'.length);
  });

  it('agrees with the plain reference on thousands of random bodies, both modes, with and without l=', () => {
    for (let round = 0; round < 3000; round++) {
      const body = randomBody();
      for (const mode of ['simple', 'relaxed'] as const) {
        const canonical = referenceCanonical(body, mode);
        const whole = hashBody(body, mode, 'sha256');
        expect(whole, JSON.stringify(body.toString('latin1'))).toEqual({ digest: digest(canonical), canonicalLength: canonical.length });
        const limit = randomInt(0, canonical.length + 1);
        expect(hashBody(body, mode, 'sha1', limit).digest).toBe(digest(canonical.subarray(0, limit), 'sha1'));
      }
    }
  });

  it('gives, in one pass, the digest at every l= a message uses, and the whole body past its end', () => {
    for (let round = 0; round < 500; round++) {
      const body = randomBody();
      for (const mode of ['simple', 'relaxed'] as const) {
        const canonical = referenceCanonical(body, mode);
        const limits = Array.from({ length: randomInt(1, 8) }, () => randomInt(0, canonical.length + 20));
        const { digests, canonicalLength } = hashBodyAt(body, mode, 'sha256', [...limits, limits[0]!]);
        expect(canonicalLength).toBe(canonical.length);
        expect(digests.get(null)).toBe(digest(canonical));
        for (const limit of limits) expect(digests.get(limit), `l=${limit}`).toBe(digest(canonical.subarray(0, limit)));
      }
    }
  });

  const vector = '../shared/corpus/messages/mailauth/bodyhash_message1.eml';
  it.skipIf(!existsSync(vector))('matches mailauth\'s published body-hash vectors (../shared corpus)', () => {
    const manifest = JSON.parse(readFileSync('../shared/corpus/manifest.json', 'utf8')) as { file: string; expected: { body_hash?: Record<string, string> } }[];
    const expected = manifest.find((entry) => entry.file === 'messages/mailauth/bodyhash_message1.eml')!.expected.body_hash!;
    const message = readFileSync(vector);
    const body = message.subarray(splitMessage(message).bodyStart);
    for (const [name, value] of Object.entries(expected)) {
      const [mode, , l] = name.split('/') as ['simple' | 'relaxed', string, string | undefined];
      expect(hashBody(body, mode, 'sha256', l ? Number(l.slice(2)) : null).digest, name).toBe(value);
    }
  });
});
