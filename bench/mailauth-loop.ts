/**
 * The baseline: a plain, single-threaded loop of mailauth's dkimVerify over every message of a dump, read with
 * the same readers leakproof ingest uses, keys answered from keys.jsonl. Run as a child by
 * ingest-vs-mailauth.ts: `node bench/mailauth-loop.ts <dump> <keys.jsonl>`; prints one JSON line of counts.
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { readDump } from '../shared/dump/open-dump.ts';
import { resolverFromKeysFile } from './mailauth-resolver.ts';

/** A fixed clock just after the leak period, so x= and t= are judged the same way on every run. */
const CLOCK = new Date('2017-05-06T00:00:00Z');

const [dumpPath, keysPath] = process.argv.slice(2);
if (!dumpPath || !keysPath) {
  console.error('usage: node bench/mailauth-loop.ts <dump> <keys.jsonl>');
  process.exit(2);
}

const resolver = resolverFromKeysFile(keysPath);
let messages = 0;
let bytes = 0;
let passed = 0;
for await (const entry of readDump(dumpPath)) {
  if (entry.kind !== 'message') continue;
  const { results } = await dkimVerify(entry.bytes, { resolver, curTime: CLOCK });
  messages++;
  bytes += entry.bytes.length;
  if (results.some((result) => result.status.result === 'pass')) passed++;
}
console.log(JSON.stringify({ messages, bytes, passed }));
