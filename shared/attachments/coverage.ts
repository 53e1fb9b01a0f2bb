/**
 * Which of a message's signatures cover one of its parts whole, so that the part's decoded bytes are bytes the
 * signer sent. "verified must never lie": every condition below that cannot be shown leaves the part uncovered.
 *
 * A signature covers a part when
 * 1. it verifies: body hash and header signature both pass (a body hash alone proves nothing: anyone can compute
 *    one), over the message's bytes as read (for mbox, the primary reading: another reading signed other bytes);
 * 2. the fields that decide how the body splits into parts are signed and single: the top-level Content-Type
 *    must be in h= and appear at most once (else a forger re-declares the boundary and re-slices signed bytes
 *    into "attachments" the signer never sent as such, a quoted bounce's file for one); a single-part message's
 *    Content-Transfer-Encoding and Content-Disposition, which decode and name its one file, must be in h= too
 *    (signing a field absent signs its absence) and appear at most once: unsigned, a forger names the file as
 *    they like or turns "base64" into "7bit" so that the file is the base64 text, and mailparser shows it so;
 * 3. its l=, if any, reaches the end of the delimiter line that closes the part, in the canonical body: the
 *    canonical length of the body up to there, measured with the signature's own body canonicalisation
 *    (shared/dkim/body-hash.ts, the verifier's canonicaliser). Ending after that line, not at the part's last
 *    byte, matters: a part whose closing delimiter is unsigned can be lengthened;
 * 4. canonicalisation cannot hide a change to the decoded bytes. Relaxed canonicalisation folds white space and
 *    both canonicalisations turn a bare LF into CRLF, so "1<TAB><TAB>2" and "1 2" sign alike: a quoted-printable
 *    or 7bit part is covered only when its bytes (to the end of its closing delimiter line) are already in
 *    canonical form, and so are the one reading the signature allows. base64 is immune: its decoding skips
 *    white space and line ends, the only bytes canonicalisation touches;
 * 5. mail readers read the same parts from these bytes (RFC 2046 §5.1.1 is read otherwise by mailparser: see
 *    `ambiguous` in mime-tree.ts) and decode the same bytes: base64 only of its alphabet, white space and final
 *    padding. Node's decoder (ours) reads '-' and '_' as base64url and stops at the first '='; mailparser's
 *    libbase64 drops both and reads past a '=' (RFC 2045 §6.8 tells decoders to ignore characters outside the
 *    alphabet, and says nothing of data after padding), so such signed bytes are two different files.
 */
import { createHash } from 'node:crypto';
import type { Canonicalization } from '../dkim/canonicalize-header.ts';
import { hashBody } from '../dkim/body-hash.ts';
import type { HeaderField } from '../dkim/header-fields.ts';
import { parseSignatureField } from '../dkim/signature-field.ts';
import { PRIMARY_READING } from '../dump/mbox-quoting.ts';
import { isStrictBase64 } from '../mime/base64.ts';
import type { MimeLeaf, MimeWalk } from '../mime/mime-tree.ts';
import type { SignatureEvidence } from '../verdict/contract.ts';

/** A signature that may cover parts: it verifies and signs the structure, with what measuring l= needs. */
interface Candidate {
  index: number;
  bodyCanon: Canonicalization;
  /** l=, or null when the whole body is signed (no l=, or an l= at least the canonical body's length). */
  limit: number | null;
}

export class Coverage {
  private readonly message: Buffer;
  private readonly walk: MimeWalk;
  private readonly candidates: Candidate[];
  /** Canonical length of the body up to each leaf's coverEnd, by canonicalisation; computed when an l= needs it. */
  private readonly canonicalEnds = new Map<Canonicalization, Map<number, number>>();
  /** Why parts a signature reaches are still not covered (besides the walk's own note), for the inventory's note. */
  readonly notes: string[] = [];

  constructor(message: Buffer, walk: MimeWalk, signatures: readonly SignatureEvidence[]) {
    this.message = message;
    this.walk = walk;
    this.candidates = walk.ambiguous ? [] : candidatesOf(walk, signatures);
  }

  /** Indexes of the signatures that cover the leaf whole, ascending. */
  coveredBy(leaf: MimeLeaf, strictBase64?: boolean | null): number[] {
    const covering: number[] = [];
    if (this.candidates.length === 0) return covering;
    if (leaf.transferEncoding === 'base64' && !(strictBase64 ?? isStrictBase64(this.message.subarray(leaf.bodyStart, leaf.bodyEnd)))) {
      this.notes.push(`part ${leaf.path} holds base64 that decoders read differently (characters outside the alphabet, or padding before its end): not covered`);
      return covering;
    }
    const invariant = new Map<Canonicalization, boolean>();
    for (const candidate of this.candidates) {
      if (candidate.limit !== null && candidate.limit < this.canonicalEnd(candidate.bodyCanon, leaf)) continue;
      if (leaf.transferEncoding !== 'base64') {
        if (!invariant.has(candidate.bodyCanon)) invariant.set(candidate.bodyCanon, isCanonical(this.message.subarray(leaf.bodyStart, leaf.coverEnd), candidate.bodyCanon));
        if (!invariant.get(candidate.bodyCanon)) continue;
      }
      covering.push(candidate.index);
    }
    return covering;
  }

  /**
   * The canonical length of the body from its start to the leaf's coverEnd. Each coverEnd is the end of a
   * non-empty line (a delimiter) or of the body, and canonicalisation is line by line but for trailing empty
   * lines, so the body is hashed once per canonicalisation as consecutive segments and their lengths summed.
   */
  private canonicalEnd(mode: Canonicalization, leaf: MimeLeaf): number {
    let ends = this.canonicalEnds.get(mode);
    if (!ends) {
      ends = new Map();
      let from = this.walk.root.bodyStart;
      let length = 0;
      const coverEnds = [...new Set(this.walk.leaves.map((each) => each.coverEnd))].sort((a, b) => a - b);
      for (const end of coverEnds) {
        // An empty segment adds nothing (hashed alone, "simple" would count an empty body as one CRLF).
        if (end > from) length += hashBody(this.message.subarray(from, end), mode, 'sha256').canonicalLength;
        ends.set(end, length);
        from = Math.max(from, end);
      }
      this.canonicalEnds.set(mode, ends);
    }
    return ends.get(leaf.coverEnd) ?? Number.POSITIVE_INFINITY;
  }
}

function candidatesOf(walk: MimeWalk, signatures: readonly SignatureEvidence[]): Candidate[] {
  const fields = walk.root.fields;
  const signatureFields = fields.filter((field) => field.key === 'dkim-signature');
  const singlePart = walk.leaves.length === 1 && walk.leaves[0]!.container === null;
  const candidates: Candidate[] = [];
  for (const evidence of signatures) {
    if (evidence.status !== 'pass' || evidence.bodyHash !== 'pass' || evidence.headerSignature !== 'pass') continue;
    if (evidence.mboxReading !== null && evidence.mboxReading !== PRIMARY_READING) continue;
    if (!structureSigned(fields, evidence.h, singlePart)) continue;
    // The evidence keeps the tags as written; the canonicalisation is read from the signature itself, and a
    // field that does not parse to the same l= is not the one the evidence describes.
    const field = signatureFields[evidence.index];
    const parsed = field ? parseSignatureField(field) : null;
    if (!parsed?.ok || parsed.signature.l !== evidence.l) continue;
    const whole = evidence.l === null || (evidence.bodyLength !== null && evidence.l >= evidence.bodyLength);
    candidates.push({ index: evidence.index, bodyCanon: parsed.signature.bodyCanon, limit: whole ? null : evidence.l });
  }
  return candidates;
}

function structureSigned(fields: readonly HeaderField[], signed: readonly string[], singlePart: boolean): boolean {
  const count = (key: string) => fields.reduce((n, field) => (field.key === key ? n + 1 : n), 0);
  const fixed = (key: string) => count(key) <= 1 && signed.includes(key);
  return fixed('content-type') && (!singlePart || (fixed('content-transfer-encoding') && fixed('content-disposition')));
}

/** The bytes are their own canonical form: no other bytes canonicalise to them and still read the same. */
function isCanonical(bytes: Buffer, mode: Canonicalization): boolean {
  const canonical = hashBody(bytes, mode, 'sha256');
  return canonical.canonicalLength === bytes.length && canonical.digest === createHash('sha256').update(bytes).digest('base64');
}
