/**
 * ARC sets for the tests, sealed by mailauth (an independent implementation) with keys made at test time, and
 * mailauth's own chain validation as the oracle our validator is compared with.
 */
import { createSeal, arc } from 'mailauth/lib/arc/index.js';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import type { ARCData } from 'mailauth';
import type { TestKey } from '../../helpers/keys.ts';
import type { KeyMap } from '../../helpers/oracles.ts';

export interface SealOptions {
  domain: string;
  selector: string;
  key: TestKey;
  /** The Authentication-Results payload the sealer records (without "i=N;"). */
  authResults: string;
  cv: 'none' | 'pass' | 'fail';
  /** The instance; by default one more than the highest on the message. */
  instance?: number;
}

/** The message with one more ARC set on top, as a sealer would add it. */
export async function sealed(message: Buffer, options: SealOptions): Promise<Buffer> {
  const { headers, errors } = await createSeal(message, {
    seal: {
      signingDomain: options.domain,
      selector: options.selector,
      privateKey: options.key.privateKey.export({ format: 'pem', type: 'pkcs8' }),
      authResults: options.authResults,
      cv: options.cv,
      ...(options.instance === undefined ? {} : { i: options.instance }),
    },
  });
  if (errors.length > 0 || headers.length === 0) throw new Error(`mailauth did not seal: ${JSON.stringify(errors)}`);
  return Buffer.concat([Buffer.from(headers.join('\r\n') + '\r\n', 'latin1'), message]);
}

/** mailauth's ARC chain result for the message: none, pass or fail. */
export async function mailauthArc(message: Buffer, keys: KeyMap): Promise<string> {
  const resolver = async (name: string) => {
    const record = keys[name.replace(/\.$/, '').toLowerCase()];
    if (record === undefined) throw Object.assign(new Error('no record'), { code: 'ENOTFOUND' });
    return [[record]];
  };
  const dkim = await dkimVerify(message, { resolver, minBitLength: 512 });
  // dkimVerify always collects the message's ARC fields (its type also allows the sealing variant).
  const result = await arc(dkim.arc as ARCData, { resolver, minBitLength: 512 });
  return result.status.result as string;
}
