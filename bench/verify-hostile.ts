/**
 * One hostile message, built and then put through what an ingest does to each message: verifyEntry (the
 * project's verifier, verifyMessage, plus the message's SHA-256 and display fields) on a verifying thread, then
 * describeEntry (the display headers) on the reading thread. Run as a child by worst-case.ts, one class per
 * process so that a class that runs away is killed alone: `node bench/verify-hostile.ts <class>`. Prints two
 * JSON lines: the message's size once built, then the seconds each step took (building is not timed) and the
 * verdict.
 */
import { describeEntry } from '../shared/pipeline/describe-entry.ts';
import { verifyEntry } from '../shared/pipeline/verify-entry.ts';
import { createVerifier } from '../shared/verify/verify-message.ts';
import { buildHostileMessage } from './hostile-messages.ts';

export interface HostileVerification {
  bytes: number;
  verifySeconds: number;
  describeSeconds: number;
  verdict: string;
  reasons: string[];
}

const id = process.argv[2];
if (!id) {
  console.error('usage: node bench/verify-hostile.ts <class>');
  process.exit(2);
}

const built = await buildHostileMessage(id);
// The size first: a run killed at its timeout still says how large its message was.
console.log(JSON.stringify({ bytes: built.bytes.length }));
try {
  const started = performance.now();
  const verified = await verifyEntry({ kind: 'message', locator: { path: 'hostile.eml' }, bytes: built.bytes }, createVerifier(built.resolver), new Date());
  const verifiedAt = performance.now();
  const record = await describeEntry(verified);
  const describedAt = performance.now();
  const result: HostileVerification = {
    bytes: built.bytes.length,
    verifySeconds: (verifiedAt - started) / 1000,
    describeSeconds: (describedAt - verifiedAt) / 1000,
    verdict: record.kind === 'message' ? record.verdict : 'error',
    reasons: record.kind === 'message' ? record.reasons : [],
  };
  console.log(JSON.stringify(result));
} finally {
  await built.close?.();
}
