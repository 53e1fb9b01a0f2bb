/**
 * Independent DKIM implementations our verdicts are checked against: dkimpy (Debian's python3-dkim, through
 * ../shared/corpus/verify_dkimpy.py) and mailauth. Each answers per signature: did it verify?
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';

export type KeyMap = Record<string, string>;

export const DKIMPY_SCRIPT = resolve('../shared/corpus/verify_dkimpy.py');

/** dkimpy is there when ../shared is beside the repo and Debian's python3-dkim is installed. */
export const dkimpyAvailable =
  existsSync(DKIMPY_SCRIPT) && spawnSync('/usr/bin/python3', ['-c', 'import dkim'], { stdio: 'ignore' }).status === 0;

export function dkimpyVerify(message: Buffer, keys: KeyMap, at: Date, minKeyBits = 1024): boolean[] {
  const dir = mkdtempSync(join(tmpdir(), 'leakproof-dkimpy-'));
  try {
    writeFileSync(join(dir, 'message.eml'), message);
    writeFileSync(join(dir, 'keys.json'), JSON.stringify(keys));
    const args = [DKIMPY_SCRIPT, join(dir, 'message.eml'), join(dir, 'keys.json'), '--json', '--at', String(Math.floor(at.getTime() / 1000)), '--minkey', String(minKeyBits)];
    const run = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
    const output = JSON.parse(run.stdout) as { signatures: { result: string }[] };
    return output.signatures.map((signature) => signature.result === 'pass');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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

