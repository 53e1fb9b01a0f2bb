/**
 * What mailauth must report for each planned case: the generator is checked against a DKIM implementation
 * that is not ours, so a bug shared by our signer and our verifier cannot hide.
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { TxtResolver } from '../../../bench/mailauth-resolver.ts';
import type { CaseId } from '../../../tools/generator/cases.ts';

type Results = Awaited<ReturnType<typeof dkimVerify>>['results'];

/** Returns null when mailauth's results fit the case, else what is wrong. */
export function disagreement(caseId: CaseId, results: Results): string | null {
  const passed = results.filter((result) => result.status.result === 'pass');
  const alignedPass = passed.some((result) => result.status.aligned);
  const only = results.length === 1 ? results[0]! : null;
  const expect = (holds: boolean, what: string) => (holds ? null : `${what}; mailauth said ${summary(results)}`);
  switch (caseId) {
    case 'verified-rsa':
    case 'verified-ed25519':
    case 'verified-simple':
    case 'from-lines-in-body':
    case 'body-length-limit':
    case 'sha1':
    case 'unsigned-header':
      // mailauth has no notion of partial verification: for it these signatures simply pass, aligned.
      return expect(alignedPass, 'expected an aligned pass');
    case 'second-signature-broken':
      return expect(alignedPass && results.some((result) => result.status.result === 'fail'), 'expected one aligned pass and one fail');
    case 'signer-not-aligned':
      return expect(passed.length === 1 && !alignedPass, 'expected a pass that is not aligned');
    case 'body-altered':
      return expect(only?.status.comment === 'body hash did not verify', 'expected a body hash failure');
    case 'subject-altered':
    case 'from-altered':
      return expect(only?.status.result === 'fail', 'expected a bad signature');
    case 'weak-key':
      return expect(only?.status.result === 'policy' && only.status.policy?.['dkim-rules'] === 'weak-key', 'expected the weak-key policy');
    case 'signature-expired':
      return expect(only?.status.result === 'neutral' && only.status.comment === 'expired', 'expected "expired"');
    case 'key-unavailable':
      return expect(only?.status.comment === 'no key', 'expected "no key"');
    case 'key-revoked':
      // mailauth reports an empty p= as an invalid key; the key lookup must at least have found the record.
      return expect(only?.status.comment === 'invalid public key', 'expected "invalid public key"');
    case 'no-signature':
      return expect(passed.length === 0 && results.every((result) => result.status.result === 'none'), 'expected no signature');
  }
}

export async function mailauthResults(message: Buffer, resolver: TxtResolver, receivedAt: string): Promise<Results> {
  // The clock is the receipt time: that is what the verdict rules judge x= against.
  const { results } = await dkimVerify(message, { resolver, curTime: new Date(receivedAt) });
  return results;
}

function summary(results: Results): string {
  return JSON.stringify(results.map((result) => ({ d: result.signingDomain, ...result.status, warnings: undefined })));
}
