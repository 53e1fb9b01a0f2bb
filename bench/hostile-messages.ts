/**
 * The hostile message classes of the worst-case bench (THREATS.md §2): messages built to make a verifier spend
 * time, each made at run time around one genuine DKIM signature by a key generated at run time. Hostile
 * signatures are written by hand with a b= and bh= that cannot verify: the verifier does all the work of
 * checking them (body hash, header hash, the RSA check) before it finds that out, which is the cost measured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLocalHome } from '../shared/adapters/local/local-home.ts';
import { signMessage } from '../shared/dkim/sign.ts';
import { archiveFirstResolver, memoized } from '../shared/keys/archive-first-resolver.ts';
import { systemTxtLookup } from '../shared/keys/dns-key-lookup.ts';
import type { KeyResolver } from '../shared/ports/key-resolver.ts';
import { startDnsServer } from '../test/helpers/dns-server.ts';
import { rsaKey, staticResolver, type TestKey } from '../test/helpers/keys.ts';
import { buildMessage, type MessageParts } from '../test/helpers/messages.ts';

const DOMAIN = 'campaign.example';
const SELECTOR = 'bench';
const KEY_NAME = `${SELECTOR}._domainkey.${DOMAIN}`;

export interface BuiltMessage {
  bytes: Buffer;
  resolver: KeyResolver;
  /** Releases what the class set up (a name server, a store). */
  close?: () => Promise<void>;
}

export interface HostileMessage {
  id: string;
  /** What the message holds, for the table. */
  label: string;
  build(key: TestKey): Promise<BuiltMessage>;
}

export const HOSTILE_MESSAGES: readonly HostileMessage[] = [
  {
    id: 'date-parens',
    label: 'Date: 200 KB of "("',
    build: async (key) => signed(key, { date: '('.repeat(200_000) }),
  },
  {
    id: 'from-angles',
    label: 'From: 200 KB of "<"',
    build: async (key) => signed(key, { from: '<'.repeat(200_000) }),
  },
  {
    id: 'from-quotes',
    label: 'From: 200 KB of \'"a\' (unbalanced quotes)',
    build: async (key) => signed(key, { from: '"a'.repeat(100_000) + ' <alice@campaign.example>' }),
  },
  {
    id: 'to-comments',
    label: 'To: 200 KB of nested "(" comments',
    build: async (key) => signed(key, { to: '(a'.repeat(100_000) + ' bob@press.example' }),
  },
  {
    id: 'subject-encoded-words',
    label: 'Subject: 250 KB of encoded words',
    // 12,500 encoded words, each a valid one: the display-header decoder must join them all.
    build: async (key) => signed(key, { subject: '=?UTF-8?Q?=C3=A9t=C3=A9?= '.repeat(10_000) }),
  },
  {
    id: 'signatures-distinct-l',
    label: '5,000 signatures, distinct l=, 4 MB body',
    build: async (key) => {
      const body = textBody(4 * 1024 * 1024);
      // Every l= differs, so no body hash can be shared with another signature's.
      const fields = Array.from({ length: 5000 }, (_, i) => hostileSignature(key, { l: String(800 * (i + 1)), h: 'from:to:subject' }));
      return signed(key, { body, extraHeaders: fields });
    },
  },
  {
    id: 'h-50000-names',
    label: '50,000 header fields, h= of 50,000 names',
    build: async (key) => {
      const fields = Array.from({ length: 50_000 }, (_, i) => `X-Field-${i}: ${i}`);
      const names = Array.from({ length: 50_000 }, (_, i) => `x-field-${i}`).join(':');
      return signed(key, { extraHeaders: [...fields, hostileSignature(key, { h: `from:${names}` })] });
    },
  },
  {
    id: 'header-line-16mb',
    label: 'one 16 MB header line (signed)',
    build: async (key) => signed(key, { extraHeaders: [`X-Long: ${'a'.repeat(16 * 1024 * 1024)}`] }, ['from', 'to', 'subject', 'date', 'x-long']),
  },
  {
    id: 'body-white-space',
    label: '1,000,000 body lines of white space (relaxed)',
    build: async (key) => signed(key, { body: Buffer.from(' \t \r\n'.repeat(1_000_000), 'latin1') }),
  },
  {
    id: 'selectors-silent-dns',
    label: '20 selectors, name server never answers',
    build: async (key) => {
      // A name server that hears every query and answers none: each lookup waits out the resolver's timeout.
      const names = Array.from({ length: 20 }, (_, i) => `s${i}._domainkey.${DOMAIN}`);
      const server = await startDnsServer(Object.fromEntries(names.map((name) => [name, 'silent'])));
      const home = await mkdtemp(join(tmpdir(), 'leakproof-bench-dns-'));
      const local = openLocalHome(home);
      const archive = local.archive;
      // The genuine signature's key is archived, as `ingest --keys` would have it; the 20 others go to DNS.
      await archive.record({ domain: DOMAIN, selector: SELECTOR, value: key.record, firstSeenAt: null, lastSeenAt: null, source: 'bench' });
      // Wired as the verification worker wires it (verify-worker.ts), with its default DNS timeout.
      const resolver = memoized(archiveFirstResolver({ archive, dns: systemTxtLookup(undefined, [server.address]), now: () => new Date() }));
      const fields = Array.from({ length: 20 }, (_, i) => hostileSignature(key, { s: `s${i}` }));
      const { bytes } = signed(key, { extraHeaders: fields });
      return {
        bytes,
        resolver,
        close: async () => {
          local.close();
          await server.close();
          await rm(home, { recursive: true, force: true });
        },
      };
    },
  },
];

export async function buildHostileMessage(id: string): Promise<BuiltMessage & { hostile: HostileMessage }> {
  const hostile = HOSTILE_MESSAGES.find((candidate) => candidate.id === id);
  if (!hostile) throw new Error(`no hostile message class ${id}`);
  return { hostile, ...(await hostile.build(rsaKey(2048))) };
}

/** The message with one genuine signature on top, and a resolver that knows its key. */
function signed(key: TestKey, parts: MessageParts, headers?: string[]): BuiltMessage {
  const bytes = signMessage(buildMessage(parts), { domain: DOMAIN, selector: SELECTOR, privateKey: key.privateKey, ...(headers ? { headers } : {}) });
  return { bytes, resolver: staticResolver({ [KEY_NAME]: key.record }) };
}

/** A DKIM-Signature field that parses and names the key, but whose bh= and b= are random bytes. */
function hostileSignature(key: TestKey, tags: { l?: string; h?: string; s?: string }): string {
  const bits = key.publicKey.asymmetricKeyDetails?.modulusLength ?? 2048;
  return [
    'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;',
    ` d=${DOMAIN}; s=${tags.s ?? SELECTOR};${tags.l === undefined ? '' : ` l=${tags.l};`}`,
    ` h=${tags.h ?? 'from:to:subject:date'};`,
    ` bh=${randomBytes(32).toString('base64')};`,
    ` b=${randomBytes(bits / 8).toString('base64')}`,
  ].join('\r\n');
}

/** Plain text lines of 76 characters, CRLF, to about `bytes`. */
function textBody(bytes: number): Buffer {
  const line = 'The quick brown fox jumps over the lazy dog, then files the minutes again.  \r\n';
  return Buffer.from(line.repeat(Math.ceil(bytes / line.length)), 'latin1');
}
