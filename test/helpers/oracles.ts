/**
 * mailauth, one of the independent DKIM implementations our verdicts are checked against (dkimpy is the other:
 * dkimpy-batch.ts). It answers per signature: did it verify?
 */
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

export type KeyMap = Record<string, string>;

export async function mailauthVerify(message: Buffer, keys: KeyMap, at: Date): Promise<boolean[]> {
  const resolver = async (name: string) => {
    const record = keys[name.replace(/\.$/, '').toLowerCase()];
    if (record === undefined) throw Object.assign(new Error('no record'), { code: 'ENOTFOUND' });
    return [[record]];
  };
  const result = await dkimVerify(message, { resolver, curTime: at, minBitLength: 512 });
  // mailauth reports an unsigned message as one result "none"; we report no signatures.
  const signatures = (result.results as { status: { result: string } }[]).filter((entry) => entry.status.result !== 'none');
  return signatures.map((entry) => entry.status.result === 'pass');
}

