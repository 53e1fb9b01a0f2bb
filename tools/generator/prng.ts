/**
 * A small seeded PRNG (sfc32, seeded through cyrb128). The generator must give the same content and the same
 * planned verdicts for the same --seed on every machine, which Math.random cannot.
 */
export interface Prng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  /** Lower-case hex digits, e.g. for Message-IDs and queue ids. */
  hex(length: number): string;
  /** Fills a buffer with pseudo-random bytes (attachment payloads: incompressible, like real PDFs). */
  fill(buffer: Buffer): Buffer;
  /** An independent stream, so adding draws in one part of the generator does not shift another. */
  fork(label: string): Prng;
}

export function createPrng(seed: string): Prng {
  const [a0, b0, c0, d0] = cyrb128(seed);
  let a = a0;
  let b = b0;
  let c = c0;
  let d = d0;
  const nextUint32 = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32 mixes poorly for a few rounds after seeding.
  for (let i = 0; i < 15; i++) nextUint32();

  const prng: Prng = {
    next: () => nextUint32() / 4294967296,
    int: (min, max) => min + Math.floor(prng.next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[Math.floor(prng.next() * items.length)]!;
    },
    chance: (probability) => prng.next() < probability,
    hex: (length) => {
      let out = '';
      while (out.length < length) out += nextUint32().toString(16).padStart(8, '0');
      return out.slice(0, length);
    },
    fill: (buffer) => {
      const whole = buffer.length - (buffer.length % 4);
      for (let i = 0; i < whole; i += 4) buffer.writeUInt32LE(nextUint32(), i);
      for (let i = whole; i < buffer.length; i++) buffer[i] = nextUint32() & 0xff;
      return buffer;
    },
    fork: (label) => createPrng(`${seed}/${label}/${nextUint32()}`),
  };
  return prng;
}

/** A 128-bit hash of a string, to seed sfc32. */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}
