import { createHash, type Hash } from 'node:crypto';
import type { Canonicalization } from './canonicalize-header.ts';
import { isWsp } from './ascii.ts';
import { NextOccurrence } from './next-occurrence.ts';
import { CR, HTAB, LF, SP } from './octets.ts';

/**
 * Canonicalises a message body and hashes it in one pass, without building the canonical body in memory
 * (RFC 6376 §3.4.3, §3.4.4). This is the hot path of a dump verification: contiguous runs of lines that are
 * already canonical (CRLF-terminated, no white space to fold) are handed to the hash as slices of the original
 * buffer; only lines that need rewriting are copied, and runs of empty lines are held back until a non-empty
 * line proves they are not trailing.
 */
export interface BodyHashResult {
  /** Base64 digest of the first `limit` canonical bytes (all of them when there is no limit). */
  digest: string;
  /** Length of the whole canonical body: what l= is measured against. */
  canonicalLength: number;
}

/** One pass, many l=: the digest of the whole canonical body and of its first `limit` bytes for each limit. */
export interface BodyDigests {
  /** Base64 digests by limit; `null` is the whole body. A limit past the end is the whole body, as for dkimpy. */
  digests: Map<number | null, string>;
  canonicalLength: number;
}

const CRLF = Buffer.from('\r\n');
const SCRATCH_BYTES = 64 * 1024;
/**
 * One scratch buffer per thread, reused by every body hashed on it: hashBody is synchronous, so no two runs
 * share it at once, and a fresh 64 KB per body was most of what a verifying thread allocated.
 */
const SCRATCH = Buffer.allocUnsafe(SCRATCH_BYTES);
const DOUBLE_SPACE = Buffer.from('  ');

export function hashBody(
  body: Buffer,
  mode: Canonicalization,
  algorithm: 'sha256' | 'sha1',
  limit: number | null = null,
): BodyHashResult {
  const { digests, canonicalLength } = hashBodyAt(body, mode, algorithm, limit === null ? [] : [limit]);
  return { digest: digests.get(limit)!, canonicalLength };
}

/**
 * Hashes a body once for every l= its signatures use: the hash state is copied as the canonical output
 * reaches each limit, so 5,000 signatures with distinct l= cost one pass, not 5,000.
 */
export function hashBodyAt(body: Buffer, mode: Canonicalization, algorithm: 'sha256' | 'sha1', limits: readonly number[]): BodyDigests {
  const sink = new SnapshotHash(createHash(algorithm), limits);
  if (mode === 'simple') simpleBody(body, sink);
  else relaxedBody(body, sink);
  return { digests: sink.finish(), canonicalLength: sink.length };
}

/** Feeds a hash every byte offered and records its digest as the running length passes each limit. */
class SnapshotHash {
  private readonly hash: Hash;
  private readonly limits: number[];
  private next = 0;
  private readonly digests = new Map<number | null, string>();
  length = 0;
  constructor(hash: Hash, limits: readonly number[]) {
    this.hash = hash;
    this.limits = [...new Set(limits)].sort((a, b) => a - b);
  }
  update(bytes: Buffer, start: number, end: number): void {
    while (this.next < this.limits.length && this.length + (end - start) >= this.limits[this.next]!) {
      const take = this.limits[this.next]! - this.length;
      if (take > 0) this.hash.update(bytes.subarray(start, start + take));
      this.length += take;
      start += take;
      this.digests.set(this.limits[this.next++]!, this.hash.copy().digest('base64'));
    }
    if (end <= start) return;
    this.hash.update(bytes.subarray(start, end));
    this.length += end - start;
  }
  finish(): Map<number | null, string> {
    const whole = this.hash.digest('base64');
    this.digests.set(null, whole);
    for (; this.next < this.limits.length; this.next++) this.digests.set(this.limits[this.next]!, whole);
    return this.digests;
  }
}

/**
 * Walks the body line by line. `emitLine` receives each line's content range (line end excluded); empty
 * lines are counted and only written once a later non-empty line shows they are not trailing.
 */
function forEachLine(body: Buffer, onLine: (start: number, end: number, lineEnd: number) => void): void {
  let pos = 0;
  while (pos < body.length) {
    const lf = body.indexOf(LF, pos);
    if (lf === -1) {
      onLine(pos, body.length, body.length);
      return;
    }
    onLine(pos, lf > pos && body[lf - 1] === CR ? lf - 1 : lf, lf + 1);
    pos = lf + 1;
  }
}

/** Simple: lines unchanged, every line end CRLF, trailing empty lines dropped, an empty body is one CRLF. */
function simpleBody(body: Buffer, sink: SnapshotHash): void {
  const run = new Run(body, sink);
  let pendingEmpty = 0;
  let wroteLine = false;
  forEachLine(body, (start, end, lineEnd) => {
    if (start === end) {
      pendingEmpty++;
      return;
    }
    run.emptyLines(pendingEmpty);
    pendingEmpty = 0;
    run.line(start, end, lineEnd);
    wroteLine = true;
  });
  run.flush();
  if (!wroteLine) sink.update(CRLF, 0, 2);
}

/** Relaxed: white space runs become one space, trailing white space goes, then as simple — but empty stays empty. */
function relaxedBody(body: Buffer, sink: SnapshotHash): void {
  const run = new Run(body, sink);
  // Tabs and double spaces are what a line needs folding for; a line without either is canonical as it stands.
  const tab = new NextOccurrence(body, HTAB);
  const doubleSpace = new NextOccurrence(body, DOUBLE_SPACE);
  let pendingEmpty = 0;
  forEachLine(body, (start, end, lineEnd) => {
    let contentEnd = end;
    while (contentEnd > start && isWsp(body[contentEnd - 1]!)) contentEnd--;
    if (contentEnd === start) {
      pendingEmpty++;
      return;
    }
    run.emptyLines(pendingEmpty);
    pendingEmpty = 0;
    if (contentEnd === end && !tab.within(start, end) && !doubleSpace.within(start, end)) run.line(start, end, lineEnd);
    else run.rewrittenLine(start, contentEnd);
  });
  run.flush();
}

/**
 * Collects canonical output. Lines that already end in CRLF in the source and need no change are extended into
 * one contiguous slice of the source; other lines are rewritten into a scratch buffer that is hashed when full.
 * Only one of the two holds output at a time, so the hash sees the bytes in order.
 */
class Run {
  private readonly body: Buffer;
  private readonly sink: SnapshotHash;
  private runStart = 0;
  private runEnd = 0;
  private readonly scratch = SCRATCH;
  private used = 0;
  constructor(body: Buffer, sink: SnapshotHash) {
    this.body = body;
    this.sink = sink;
  }
  emptyLines(count: number): void {
    for (let i = 0; i < count; i++) this.writeCrlf();
  }
  /** A line that is canonical as it stands. */
  line(start: number, end: number, lineEnd: number): void {
    if (lineEnd === end + 2) {
      // CRLF-terminated: the source bytes are the canonical bytes.
      this.flushScratch();
      if (this.runEnd !== start) this.flushRun();
      if (this.runEnd === this.runStart) this.runStart = start;
      this.runEnd = lineEnd;
      return;
    }
    this.flushRun();
    this.copy(start, end);
    this.writeCrlf();
  }
  /** A line whose white space runs fold to one space; trailing white space already cut by the caller. */
  rewrittenLine(start: number, end: number): void {
    this.flushRun();
    const body = this.body;
    let i = start;
    while (i < end) {
      if (this.used + 1 > SCRATCH_BYTES) this.flushScratch();
      const byte = body[i]!;
      if (byte === SP || byte === HTAB) {
        this.scratch[this.used++] = SP;
        while (i < end && isWsp(body[i]!)) i++;
      } else {
        this.scratch[this.used++] = byte;
        i++;
      }
    }
    this.writeCrlf();
  }
  flush(): void {
    this.flushRun();
    this.flushScratch();
  }
  private copy(start: number, end: number): void {
    while (start < end) {
      if (this.used === SCRATCH_BYTES) this.flushScratch();
      const copied = this.body.copy(this.scratch, this.used, start, Math.min(end, start + SCRATCH_BYTES - this.used));
      this.used += copied;
      start += copied;
    }
  }
  private writeCrlf(): void {
    this.flushRun();
    if (this.used + 2 > SCRATCH_BYTES) this.flushScratch();
    this.scratch[this.used++] = CR;
    this.scratch[this.used++] = LF;
  }
  private flushRun(): void {
    if (this.runEnd > this.runStart) this.sink.update(this.body, this.runStart, this.runEnd);
    this.runStart = this.runEnd = 0;
  }
  private flushScratch(): void {
    if (this.used > 0) this.sink.update(this.scratch, 0, this.used);
    this.used = 0;
  }
}
