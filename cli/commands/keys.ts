import { openLocalHome, resolveHome } from '../../shared/adapters/local/local-home.ts';
import { importKeyFile, type KeyImportResult } from '../../shared/keys/key-import.ts';
import { reportKeyImpact } from './reverify.ts';

/** `leakproof keys import FILE`: JSON lines of DKIM key records into the archive. */
export async function keysImportCommand(file: string, flags: { home?: string }): Promise<number> {
  const local = openLocalHome(resolveHome(flags.home));
  try {
    const result = await importKeyFile(file, local.archive);
    reportKeyImport(result, file);
    await reportKeyImpact(local, result);
    return result.imported === 0 && result.rejected > 0 ? 1 : 0;
  } finally {
    local.close();
  }
}

export function reportKeyImport(result: KeyImportResult, file: string): void {
  const updated = result.updated ? ` (${result.updated} already known)` : '';
  process.stderr.write(`keys: ${result.imported} imported from ${file}${updated}, ${result.rejected} rejected\n`);
  for (const error of result.errors.slice(0, 10)) process.stderr.write(`keys: ${error}\n`);
}
