/**
 * Conformance over ../shared/corpus (other projects' DKIM test messages with the results their suites assert).
 * Runs whenever ../shared is beside the repo. Where a source asserts nothing for a signature, dkimpy's result
 * recorded in the manifest is the oracle instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { MessageVerdict } from '../../shared/verdict/contract.ts';
import { verifyMessage } from '../../shared/verify/verify-message.ts';
import { staticResolver } from '../helpers/keys.ts';

const CORPUS = '../shared/corpus/';

interface DkimManifestEntry {
  file: string;
  kind: string;
  keys: string | null;
  reference_time?: number;
  expected: { overall: string; per_signature?: string[] };
  dkimpy?: { primary: string; runs: Record<string, { per_signature: { result: string }[] }> };
}

const manifest: DkimManifestEntry[] = existsSync(CORPUS + 'manifest.json') ? JSON.parse(readFileSync(CORPUS + 'manifest.json', 'utf8')) : [];
const dkimMessages = manifest.filter((entry) => entry.kind === 'dkim-message');

/** The corpus's "dkimpy never saw a clock" default: the time its manifest was made. */
const MANIFEST_CLOCK = 1795235027;

function keysOf(entry: DkimManifestEntry): Record<string, string> {
  if (!entry.keys) return {};
  const raw = JSON.parse(readFileSync(CORPUS + entry.keys, 'utf8')) as Record<string, string | string[]>;
  return Object.fromEntries(Object.entries(raw).map(([name, value]) => [name, Array.isArray(value) ? value.join('') : value]));
}

/** The manifest's per-signature vocabulary for one of our signature outcomes. */
function signatureOutcome(status: MessageVerdict['signatures'][number]['status']): string {
  return status === 'pass' ? 'pass' : 'fail';
}

function overallOutcome(result: MessageVerdict): string {
  if (result.verdict === 'verified' || result.verdict === 'partially-verified') return 'pass';
  // The sources' "fail" is "does not verify": a signature that fails its syntax checks (RFC 6376 §6.1.1
  // PERMFAIL) is that too, though we call it unverified (malformed-signature) rather than altered.
  if (result.verdict === 'failed' || result.reasons.includes('malformed-signature')) return 'fail';
  if (result.reasons.includes('no-signature')) return 'none';
  if (result.reasons.includes('key-unavailable')) return 'no-key';
  return result.verdict;
}

describe.skipIf(dkimMessages.length === 0)('DKIM conformance corpus (../shared/corpus)', () => {
  for (const entry of dkimMessages) {
    it(`${entry.file}: ${entry.expected.overall}`, async () => {
      const at = new Date((entry.reference_time ?? MANIFEST_CLOCK) * 1000);
      const result = await verifyMessage({ bytes: readFileSync(CORPUS + entry.file) }, staticResolver(keysOf(entry)), at);
      const dkimpy = entry.dkimpy?.runs[entry.dkimpy.primary]?.per_signature.map((signature) => signature.result) ?? [];

      const expectedPerSignature = (entry.expected.per_signature ?? []).map((expected, i) => (expected === 'not-asserted' ? dkimpy[i] : expected));
      if (expectedPerSignature.length > 0) {
        expect(result.signatures.map((signature) => signatureOutcome(signature.status))).toEqual(expectedPerSignature);
      }
      // go-msgauth refuses messages with many signatures ("policy-error"); we check each one, as dkimpy does.
      const expectedOverall = entry.expected.overall === 'policy-error' ? 'pass' : entry.expected.overall;
      expect(overallOutcome(result)).toBe(expectedOverall);
    });
  }
});
