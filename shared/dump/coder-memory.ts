/**
 * The working memory an archive's coders declare, read from the Method 7-Zip lists for a member (`7zz l -slt`),
 * so that an archive declaring more than limits.ts allows is refused before 7-Zip allocates it. 7-Zip writes a
 * size either as a power of two ("LZMA2:24" = 16 MiB, "m3:22" for RAR4) or with a unit ("LZMA:1536m", "6k",
 * RAR5's "v6:m3:128K", "4294967295b"). Coders that declare no size (BZip2, Deflate, filters such as BCJ, ARM64,
 * Delta, AES) use a few MiB fixed by 7-Zip itself and are not counted.
 */

import { formatBytes } from './chunks.ts';
import { oneLine } from './errors.ts';
import { MAX_ARCHIVE_CODER_MEMORY_BYTES } from './limits.ts';

const UNITS: Record<string, number> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 };

/** A size as 7-Zip prints it: digits alone are a power of two, else a count of the unit that follows. */
function sizeOf(text: string): number | undefined {
  const match = /^(\d{1,12})([bkmgt]?)$/i.exec(text);
  if (match === null) return undefined;
  const count = Number(match[1]);
  return match[2] === '' ? 2 ** count : count * UNITS[match[2]!.toLowerCase()]!;
}

/** What one coder ("LZMA2:26", "PPMD:o6:mem24", "v6:m3:1G", "m3:22") declares, in bytes; 0 when nothing. */
function coderMemory(coder: string): number {
  const [name = '', ...parameters] = coder.split(':');
  const upper = name.toUpperCase();
  // LZMA, LZMA2 (7z, xz, lzma): the dictionary is the first parameter; lc/lp/pb follow as "lc0" …
  if (upper === 'LZMA' || upper === 'LZMA2') return sizeOf(parameters[0] ?? '') ?? 0;
  // PPMd: "o<order>:mem<size>".
  if (upper === 'PPMD') return sizeOf(parameters.find((parameter) => parameter.startsWith('mem'))?.slice(3) ?? '') ?? 0;
  // RAR5 and later ("v6:m3:128K", the archive's own line "v6:128K:m3"): the one parameter with a unit.
  if (/^v\d+$/.test(name)) {
    return Math.max(0, ...parameters.filter((parameter) => /^\d+[BKMGT]$/.test(parameter)).map((parameter) => sizeOf(parameter) ?? 0));
  }
  // RAR 1.5–4 ("m3:22"): method and the dictionary as a power of two.
  if (/^m\d$/.test(name)) return sizeOf(parameters[0] ?? '') ?? 0;
  return 0;
}

/**
 * What the coders of one Method line declare together, in bytes: a 7z folder chains coders ("BCJ2 LZMA2:26
 * LZMA:20") and holds them at once, so they add up.
 */
export function declaredCoderMemory(method: string): number {
  return method.split(' ').filter((coder) => coder !== '').reduce((total, coder) => total + coderMemory(coder), 0);
}

/**
 * Why coders listed as `method` may not run (they declare more than MAX_ARCHIVE_CODER_MEMORY_BYTES together), or
 * undefined. `whose` names them: a member's decoder, or the decoder of a compressed 7z header.
 */
export function coderMemoryRefusal(method: string, whose = 'its decoder'): string | undefined {
  const bytes = declaredCoderMemory(method);
  if (bytes <= MAX_ARCHIVE_CODER_MEMORY_BYTES) return undefined;
  return `${whose} declares ${formatBytes(bytes)} of working memory (${oneLine(method)}), over the ${formatBytes(MAX_ARCHIVE_CODER_MEMORY_BYTES)} limit for archives`;
}
