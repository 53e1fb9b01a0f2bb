/** Store records built by hand for the store adapter tests: every field set, only what a test varies exposed. */
import { createHash } from 'node:crypto';
import type { AttachmentRecord, FileMetadata, ProvenanceEvidence } from '../../shared/documents/contract.ts';
import type { Locator } from '../../shared/dump/entry.ts';
import type { ArchivedKey } from '../../shared/ports/key-archive.ts';
import type { DocumentRecord, DumpRecord, EntryRecord, UnsignedShownField } from '../../shared/ports/verdict-store.ts';
import {
  type KeyEvidence,
  type Reason,
  type SignatureEvidence,
  type Verdict,
  type VerdictChange,
} from '../../shared/verdict/contract.ts';

type MessageRecord = Extract<EntryRecord, { kind: 'message' }>;
type ErrorRecord = Extract<EntryRecord, { kind: 'error' }>;
type SkippedRecord = Extract<EntryRecord, { kind: 'skipped' }>;

export const VERIFIED_AT = '2025-03-01T12:00:00.000Z';

export function sha256Of(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function dumpInput(
  id = 'dump-1',
  overrides: Partial<Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'>> = {},
): Omit<DumpRecord, 'status' | 'startedAt' | 'finishedAt'> {
  return { id, name: `${id}.zip`, source: `/dumps/${id}.zip`, bytes: 1234, ...overrides };
}

/** The key that checked a signature: an archived 2048-bit RSA key unless told otherwise. */
export function keyEvidence(overrides: Partial<KeyEvidence> = {}): KeyEvidence {
  return {
    source: 'archive',
    record: 'v=DKIM1; k=rsa; p=MIIB',
    keyType: 'rsa',
    bits: 2048,
    firstSeenAt: null,
    lastSeenAt: null,
    testing: false,
    origin: 'test',
    compromisedAt: null,
    ...overrides,
  };
}

/** A signature by `d` (null: a signature missing its d= tag), passing unless told otherwise. */
export function signature(d: string | null, overrides: Partial<SignatureEvidence> = {}): SignatureEvidence {
  return {
    index: 0,
    d,
    s: 'sel1',
    a: 'rsa-sha256',
    c: 'relaxed/relaxed',
    h: ['from', 'to', 'subject', 'date'],
    l: null,
    t: 1_700_000_000,
    x: null,
    status: 'pass',
    bodyHash: 'pass',
    headerSignature: 'pass',
    bodyLength: 42,
    key: keyEvidence(),
    mboxReading: null,
    reasons: [],
    detail: null,
    ...overrides,
  };
}

export interface MessageOptions {
  verdict?: Verdict;
  reasons?: Reason[];
  /** One signature per entry, by its d= (null: no d= tag). */
  signedBy?: (string | null)[];
  offset?: number;
  subject?: string | null;
  detail?: string | null;
  /** The first From address (null: none). The From field follows it. */
  sender?: string | null;
  /** The Date field as an ISO time (null: none). */
  date?: string | null;
  rulesVersion?: number;
  /** The signatures whole, instead of signedBy's. */
  signatures?: SignatureEvidence[];
  history?: VerdictChange[];
  attachments?: AttachmentRecord[];
  attachmentsNote?: string | null;
  /** The To and Cc fields (null: none, the default). */
  to?: string | null;
  cc?: string | null;
  /** The shown fields not signed ([] the default; null: not known, as stored before it was computed). */
  unsignedShown?: UnsignedShownField[] | null;
}

export function messageEntry(path: string, options: MessageOptions = {}): MessageRecord {
  const locator: Locator = options.offset === undefined ? { path } : { path, offset: options.offset, length: 100 };
  return {
    kind: 'message',
    locator,
    sha256: sha256Of(`${path}#${options.offset ?? ''}`),
    messageId: `<${path}@example.test>`,
    from: options.sender === undefined ? 'Alice <alice@example.test>' : options.sender && `Someone <${options.sender}>`,
    date: options.date === undefined ? '2023-11-14T22:13:20.000Z' : options.date,
    subject: options.subject === undefined ? `Subject of ${path}` : options.subject,
    verdict: options.verdict ?? 'verified',
    reasons: options.reasons ?? [],
    signatures: options.signatures ?? (options.signedBy ?? []).map((d, index) => signature(d, { index })),
    detail: options.detail ?? null,
    verifiedAt: VERIFIED_AT,
    receivedAt: '2023-11-14T22:13:25.000Z',
    // The stores keep whatever version they are given: fixtures stay at 1 whatever the rules are now.
    rulesVersion: options.rulesVersion ?? 1,
    sender: options.sender === undefined ? 'alice@example.test' : options.sender,
    history: options.history ?? [],
    attachments: options.attachments ?? [],
    attachmentsNote: options.attachmentsNote ?? null,
    arc: null,
    forensics: null,
    to: options.to ?? null,
    cc: options.cc ?? null,
    unsignedShown: options.unsignedShown === undefined ? [] : options.unsignedShown,
  };
}

/** Metadata as a reader gives it: the fields named, no parts, no note. */
export function fileMetadata(fields: FileMetadata['fields'], format = 'ooxml'): FileMetadata {
  return { format, fields, parts: null, note: null };
}

/** An attachment of a message: a file whose bytes are `content`, covered by the message's first signature unless told otherwise. */
export function attachmentRecord(name: string | null, content: string, overrides: Partial<AttachmentRecord> = {}): AttachmentRecord {
  return {
    name,
    declaredType: 'application/pdf',
    detectedType: 'application/pdf',
    size: Buffer.byteLength(content),
    sha256: sha256Of(content),
    metadata: null,
    mimePath: '2',
    disposition: 'attachment',
    coveredBy: [0],
    ...overrides,
  };
}

/** A loose document of a dump whose bytes are `content`. */
export function documentEntry(path: string, content: string, overrides: Partial<DocumentRecord> = {}): DocumentRecord {
  return {
    kind: 'document',
    locator: { path },
    name: path.split('/').pop() ?? path,
    declaredType: null,
    detectedType: 'application/pdf',
    size: Buffer.byteLength(content),
    sha256: sha256Of(content),
    metadata: null,
    detail: null,
    provenance: null,
    ...overrides,
  };
}

/** A decided provenance with nothing else to say. */
export function provenanceEvidence(provenance: ProvenanceEvidence['provenance'], overrides: Partial<ProvenanceEvidence> = {}): ProvenanceEvidence {
  return { provenance, carriers: [], reasons: [], differences: [], signals: [], decidedAt: '2025-04-01T00:00:00.000Z', ...overrides };
}

export function skippedEntry(path: string, reason = 'not a message (image/png)'): SkippedRecord {
  return { kind: 'skipped', locator: { path }, reason };
}

export function errorEntry(path: string, detail = 'zip entry truncated', sha256: string | null = null): ErrorRecord {
  return { kind: 'error', locator: { path }, sha256, detail };
}

export function archivedKey(overrides: Partial<ArchivedKey> = {}): ArchivedKey {
  return {
    domain: 'example.com',
    selector: 'sel1',
    value: 'v=DKIM1; k=rsa; p=MIIBkey1',
    firstSeenAt: null,
    lastSeenAt: null,
    source: 'test',
    ...overrides,
  };
}
