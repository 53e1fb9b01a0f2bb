/** The dump sizes a benchmark run covers: `--size 1g,5g` beside the base dump. */
import { parseByteSize } from '../tools/generator/byte-size.ts';

/**
 * The sizes of `--size` ("1g", "1g,5g", " 500m , 1g "), in bytes, smallest first, each once, the base size left
 * out (the base dump is always run). An empty list item or a word that is not a size throws.
 */
export function parseSizeList(text: string | undefined, baseBytes: number): number[] {
  if (text === undefined) return [];
  const sizes = text.split(',').map((item) => parseByteSize(item));
  return [...new Set(sizes)].filter((size) => size !== baseBytes).sort((a, b) => a - b);
}

/** "250 MB", "1 GB", "1.5 GB": how a size is named in labels and folder names. */
export function sizeLabel(bytes: number): string {
  return bytes >= 1e9 ? `${+(bytes / 1e9).toFixed(1)} GB` : `${+(bytes / 1e6).toFixed(0)} MB`;
}
