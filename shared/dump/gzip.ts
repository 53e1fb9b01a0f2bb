/**
 * A gzip file (a single .gz, or the .gz of a .tar.gz/.tgz) is read as what it holds, streamed: "box.mbox.gz"
 * is an mbox whose messages are located by their offsets in the inflated stream, "a.tar.gz" a tar whose members
 * are "a.tar.gz!/dir/b.eml". The layer is transparent in locators: it holds one file, so it adds no "!/".
 * Inflation is checked per piece against the chain's InflationAllowance, so a bomb stops where it crosses it.
 */
import { createGunzip } from 'node:zlib';
import { Readable } from 'node:stream';
import { describeError } from './errors.ts';
import { InflationAllowance, InflationLimitError } from './inflation.ts';
import type { DumpItem } from './item.ts';

/** Output pieces: as for zip members (zip-member.ts), 16 KB pieces cost a thread-pool round trip each. */
const INFLATE_CHUNK_BYTES = 256 * 1024;

/** Suffixes a gzip file's name carries, and what the name of what it holds ends with instead. */
const GZIP_SUFFIXES: [RegExp, string][] = [
  [/\.tgz$/i, '.tar'],
  [/\.gz$/i, ''],
  [/\.gzip$/i, ''],
];

/** The name of what a gzip file holds, for classify(): "a.tar.gz" → "a.tar", "b.tgz" → "b.tar", "c" → "c". */
export function gunzippedName(name: string): string {
  for (const [suffix, replacement] of GZIP_SUFFIXES) if (suffix.test(name)) return name.replace(suffix, replacement);
  return name;
}

/**
 * The item a gzip item holds: same locator path, typed by its name without the suffix, its bytes (`chunks`, the
 * gzip item's stream) inflated. It shares the allowance of the layer it came out of, if any (see
 * InflationAllowance).
 */
export function gunzippedItem(item: DumpItem, chunks: AsyncIterable<Buffer>): DumpItem {
  const outermost = item.inflation === undefined;
  const inflation = item.inflation ?? new InflationAllowance();
  return {
    kind: 'item',
    path: item.path,
    typeName: gunzippedName(item.typeName ?? item.path),
    layers: (item.layers ?? 0) + 1,
    inflation,
    read: () => gunzip(chunks, inflation, outermost),
  };
}

/**
 * Inflates a gzip stream (members one after another, as gzip allows), drawing every piece from `inflation`;
 * `outermost`: this layer's input is the dump's stored bytes, which the allowance grows with.
 */
export async function* gunzip(compressed: AsyncIterable<Buffer>, inflation: InflationAllowance, outermost: boolean): AsyncGenerator<Buffer> {
  const input = Readable.from(counted(compressed, inflation, outermost));
  // zlib's default end (Z_FINISH), not the zip reader's Z_SYNC_FLUSH: gzip records no size to check the output
  // against, so a cut file must fail here ("unexpected end of file"), after what it held was given out.
  const inflate = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
  input.on('error', (error) => inflate.destroy(error));
  const output = input.pipe(inflate);
  try {
    for await (const chunk of output as AsyncIterable<Buffer>) {
      inflation.inflated(chunk.length);
      yield chunk;
    }
  } catch (error) {
    if (error instanceof InflationLimitError) throw error;
    throw new Error(`gzip data damaged: ${describeError(error)}`);
  } finally {
    input.destroy();
    inflate.destroy();
  }
}

async function* counted(chunks: AsyncIterable<Buffer>, inflation: InflationAllowance, outermost: boolean): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    if (outermost) inflation.read(chunk.length);
    yield chunk;
  }
}
