/**
 * The API's schemas, one zod definition each: they validate requests, type the handlers and generate the
 * OpenAPI document (GET /openapi.json). The JSON shapes mirror the ports (shared/ports/verdict-store.ts,
 * key-archive.ts, reverifier.ts) and the verdict contract: a change there shows up here as a type error.
 */
import { z } from '@hono/zod-openapi';
import { METADATA_FIELDS, PROVENANCES } from '../documents/contract.ts';
import { MESSAGE_SORT_FIELDS, type MessageSort, type MessageSortField } from '../ports/verdict-store.ts';
import { MAX_TERMS, MIN_WORD_CHARS, searchTermsOf } from '../search/search-words.ts';
import { CHANGE_CAUSES, REASONS, VERDICTS } from '../verdict/contract.ts';

export const ALL_REASONS = [...REASONS['partially-verified'], ...REASONS.failed, ...REASONS.unverified, ...REASONS.error, ...REASONS.attestation] as const;
const SIGNATURE_STATUSES = ['pass', 'headers-pass', 'body-hash-mismatch', 'signature-mismatch', 'permerror', 'key-unavailable', 'key-revoked', 'dns-error', 'not-checked'] as const;

export const count = z.number().int().min(0);
export const isoTime = z.string().openapi({ format: 'date-time' });
const nullableText = z.string().nullable();

// ---------------------------------------------------------------------------------------------------------------
// Request parameters

export const DumpId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected a dump id: 64 lower-case hex digits (the SHA-256 of the dump)')
  .openapi({ param: { name: 'id', in: 'path' }, description: "The dump's id: the SHA-256 of the dump, in hex.", example: 'a3f5'.padEnd(64, '0') });

/** A message's key: base64url of its locator key (locators hold "/", "#" and "!", which paths cannot). */
export const MessageKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'expected a message key as a listing gives it (base64url)')
  .max(8192)
  .openapi({ param: { name: 'messageKey', in: 'path' }, description: 'The `key` a message listing gives: base64url of the locator.', example: 'aW5ib3gvMS5lbWw' });

/** A document's key: base64url of its locator key, as a message's. */
export const DocumentKey = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'expected a document key as a listing gives it (base64url)')
  .max(8192)
  .openapi({ param: { name: 'documentKey', in: 'path' }, description: 'The `key` a document listing gives: base64url of the locator.', example: 'ZG9jcy9jb21wdGVzLnhsc3g' });

export const Sha256Param = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'expected a SHA-256: 64 lower-case hex digits')
  .openapi({ param: { name: 'sha256', in: 'path' }, description: "A file's SHA-256, in hex.", example: 'e3b0'.padEnd(64, '0') });

export const DumpParams = z.object({ id: DumpId });
export const MessageParams = z.object({ id: DumpId, messageKey: MessageKey });
export const DocumentParams = z.object({ id: DumpId, documentKey: DocumentKey });
export const FileParams = z.object({ sha256: Sha256Param });

/** A domain or address as given: trimmed and lower-cased, as the stores keep them. */
const lowerCased = (max: number, what: string) =>
  z
    .string()
    .trim()
    .min(1, `expected ${what}`)
    .max(max, `expected ${what} of at most ${max} characters`)
    .regex(/^[^\s]+$/, `expected ${what} without spaces`)
    .transform((text) => text.toLowerCase());

/** An ISO 8601 date, or a date-time with its zone (without one it would depend on the server's clock), as toISOString(). */
const isoDateOrTime = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], {
    error: 'expected an ISO 8601 date (2017-05-04) or date-time with a zone (2017-05-04T10:00:00Z)',
  })
  .transform((text) => new Date(text).toISOString());

export const MessageQuerySchema = z.strictObject({
  verdict: z.enum(VERDICTS).optional().openapi({ description: 'Only messages with this verdict.' }),
  reason: z.enum(ALL_REASONS).optional().openapi({ description: 'Only messages whose reasons include this one.' }),
  domain: lowerCased(253, 'a domain').optional().openapi({ description: 'Only messages with a signature by this d= domain.', example: 'example.com' }),
  from: lowerCased(320, 'an address or domain')
    .optional()
    .openapi({ description: 'Only messages from this sender: an address (alice@example.com) or a domain (example.com).' }),
  after: isoDateOrTime.optional().openapi({ description: 'Only messages whose Date is at or after this time.', example: '2017-05-01' }),
  before: isoDateOrTime.optional().openapi({ description: 'Only messages whose Date is before this time.', example: '2017-06-01T00:00:00Z' }),
  q: z
    .string()
    .trim()
    .max(256, 'expected at most 256 characters')
    .refine((q) => searchTermsOf(q).length > 0, `expected a word of ${MIN_WORD_CHARS} or more letters or digits that is not a common one ("the", "com", …)`)
    .refine((q) => searchTermsOf(q, MAX_TERMS + 1).length <= MAX_TERMS, `expected at most ${MAX_TERMS} words`)
    .optional()
    .openapi({
      description: `Only messages whose Subject, From or Message-ID has a word starting with each word given (case and diacritics aside: "virem reunion" finds "Virement — Réunion"). Words under ${MIN_WORD_CHARS} characters and a few common ones are left out; at most ${MAX_TERMS} words.`,
      example: 'virem',
    }),
  sort: z
    .string()
    .regex(new RegExp(`^-?(${MESSAGE_SORT_FIELDS.join('|')})$`), `expected one of ${MESSAGE_SORT_FIELDS.join(', ')}, with "-" before it for descending`)
    .transform((text): MessageSort => ({ by: text.replace(/^-/, '') as MessageSortField, descending: text.startsWith('-') }))
    .optional()
    .openapi({
      description:
        'Order: date (the Date field), from (the sender address), subject (ASCII case aside) or verdict (verified, partially-verified, failed, unverified, error); "-date" for descending. Ties in locator order (reversed when descending); a message without the field, and an unreadable entry, comes first (last when descending). Combines with every filter. Without it, locator order. A cursor carries on only the sort it was given for. On AWS, a dump stored before sorted listings existed answers 400 (see the README).',
      example: '-date',
    }),
  limit: z.coerce.number().int('expected a whole number').min(1).max(500).default(50).openapi({ description: 'Messages per page (1 to 500).' }),
  cursor: z.string().min(1).max(4096).optional().openapi({ description: 'The `next` of the previous page.' }),
});

export const DocumentQuerySchema = z.strictObject({
  provenance: z.enum(PROVENANCES).optional().openapi({ description: 'Only documents with this provenance (as last settled).' }),
  type: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .regex(/^[^\s]+$/, 'expected a media type without spaces')
    .transform((text) => text.toLowerCase())
    .optional()
    .openapi({ description: 'Only documents of this detected media type ("application/pdf"), or "unknown" for none.', example: 'application/pdf' }),
  name: z.string().trim().min(1).max(1024).optional().openapi({ description: 'Only documents with this file name (whole, case-insensitive).', example: 'comptes.xlsx' }),
  limit: z.coerce.number().int('expected a whole number').min(1).max(500).default(50).openapi({ description: 'Documents per page (1 to 500).' }),
  cursor: z.string().min(1).max(4096).optional().openapi({ description: 'The `next` of the previous page.' }),
});

/** The listing's filters, which an export honours too (the same names, values and meaning). */
export const ExportFilterSchema = MessageQuerySchema.pick({ verdict: true, reason: true, domain: true, from: true, after: true, before: true });

export const ExportQuerySchema = ExportFilterSchema.extend({
  format: z.enum(['jsonl', 'csv']).default('jsonl').openapi({ description: 'JSON lines (as `leakproof export`) or CSV.' }),
});

export const KeysQuerySchema = z.strictObject({
  domain: lowerCased(253, 'a domain').openapi({ description: 'The signing domain (d=) whose archived keys to list.', example: 'example.com' }),
});

// ---------------------------------------------------------------------------------------------------------------
// Responses

const VerdictSchema = z.enum(VERDICTS);
const ReasonSchema = z.enum(ALL_REASONS);

/** Counts keyed by a closed set of names; a name with no count is absent. */
function countsBy<const T extends readonly [string, ...string[]]>(names: T) {
  return z.strictObject(Object.fromEntries(names.map((name) => [name, count.optional()])) as { [K in T[number]]: z.ZodOptional<typeof count> });
}

export const DumpOverviewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    source: z.string().openapi({ description: 'Where the dump was read from (a local path, an S3 URI).' }),
    bytes: count,
    status: z.enum(['splitting', 'processing', 'complete', 'interrupted', 'failed']),
    startedAt: isoTime,
    finishedAt: isoTime.nullable(),
    failure: z.string().optional().openapi({ description: 'Why the dump failed (status failed only): e.g. its split gave up.' }),
    located: count.nullable().openapi({ description: 'Entries found in the dump so far (null while it is still being split).' }),
    processed: count.openapi({ description: 'Entries stored so far: messages + documents + skipped + errors.' }),
    messages: count,
    documents: count.openapi({ description: 'Files of content that are not messages.' }),
    skipped: count,
    errors: count,
  })
  .openapi('DumpOverview');

export const DumpListSchema = z.object({ dumps: z.array(DumpOverviewSchema) }).openapi('DumpList');

const domainCounts = z.array(z.object({ domain: z.string(), messages: count }));

export const DumpSummarySchema = z
  .object({
    dump: DumpOverviewSchema,
    messages: count,
    byVerdict: countsBy(VERDICTS),
    byReason: countsBy(ALL_REASONS),
    signingDomains: domainCounts.openapi({ description: 'd= domains of signatures found, messages per domain, most first.' }),
    documents: count.openapi({ description: 'Loose documents of the dump.' }),
    byProvenance: countsBy(PROVENANCES).openapi({ description: 'Documents by provenance, as last settled (undecided ones are not counted).' }),
    skipped: count,
    errors: count,
    senderDomains: domainCounts.openapi({ description: 'Domains of the first From address, most first.' }),
    months: z
      .array(z.object({ month: z.string().openapi({ example: '2017-05' }), byVerdict: countsBy(VERDICTS) }))
      .openapi({ description: 'Messages by month of their Date field, oldest first.' }),
    undated: count.openapi({ description: 'Messages without a usable Date field.' }),
  })
  .openapi('DumpSummary');

const KeyEvidenceSchema = z
  .object({
    source: z.enum(['archive', 'dns']),
    record: z.string(),
    keyType: z.enum(['rsa', 'ed25519']).nullable(),
    bits: count.nullable(),
    firstSeenAt: nullableText,
    lastSeenAt: nullableText,
    origin: nullableText,
    compromisedAt: nullableText,
    testing: z.boolean().openapi({ description: 'The key record has t=y: its domain is testing DKIM, so the signature proves nothing.' }),
  })
  .openapi('KeyEvidence');

export const SignatureEvidenceSchema = z
  .object({
    index: count,
    d: nullableText,
    s: nullableText,
    a: nullableText,
    c: nullableText,
    h: z.array(z.string()),
    l: z.number().nullable(),
    t: z.number().nullable(),
    x: z.number().nullable(),
    status: z.enum(SIGNATURE_STATUSES),
    bodyHash: z.enum(['pass', 'fail', 'not-checked']),
    headerSignature: z.enum(['pass', 'fail', 'not-checked']),
    bodyLength: z.number().nullable(),
    key: KeyEvidenceSchema.nullable(),
    mboxReading: nullableText,
    reasons: z.array(ReasonSchema),
    detail: nullableText,
  })
  .openapi('SignatureEvidence');

const ARC_RESULTS = ['pass', 'headers-pass', 'fail', 'not-checked'] as const;

/** shared/arc/contract.ts: what an ARC chain says of a message (a third party's word, never proof). */
export const ArcEvidenceSchema = z
  .object({
    chain: z.enum(['none', 'pass', 'fail']).openapi({ description: 'The chain as Leakproof validated it (RFC 8617 §5.2).' }),
    detail: nullableText.openapi({ description: 'Why the chain failed, or null.' }),
    sets: z.array(
      z.object({
        instance: count,
        cv: nullableText,
        sealerDomain: nullableText,
        sealerSelector: nullableText,
        sealedAt: z.number().nullable(),
        seal: z.enum(ARC_RESULTS),
        signatureDomain: nullableText,
        signatureSelector: nullableText,
        messageSignature: z.enum(ARC_RESULTS).openapi({ description: 'Only the newest set\'s is checked (RFC 8617 §5.2); the others are not-checked.' }),
        authservId: nullableText,
        claims: z.array(z.object({ method: z.string(), result: z.string(), domain: nullableText })).openapi({ description: 'What the set\'s ARC-Authentication-Results claimed.' }),
        detail: nullableText,
      }),
    ),
    attestation: z
      .object({ instance: count, sealerDomain: z.string(), sealerSelector: z.string(), domain: z.string() })
      .nullable()
      .openapi({ description: 'The sealer of a valid chain whose claim of dkim=pass for the From domain earned arc-attested.' }),
  })
  .openapi('ArcEvidence');

/** shared/forensics/contract.ts: time and header evidence beside the verdict, never a change to it. */
export const MessageForensicsSchema = z
  .object({
    flags: z.array(z.string()).openapi({ description: 'Things to look at twice, each "code: sentence" (date-far-from-signed-time, hop-out-of-order, hop-in-future, date-before-first-hop, hop-gap, message-id-host-mismatch; in the message detail also zone-unseen-for-sender).' }),
    signedTimes: z.array(z.object({ signature: count, d: nullableText, t: z.number(), dateOffsetSeconds: z.number().nullable() })),
    date: z.object({ parsed: isoTime.nullable(), zone: nullableText }).nullable(),
    received: z.object({
      hops: z.array(z.object({ from: nullableText, by: nullableText, at: isoTime.nullable() })).openapi({ description: 'Oldest hop first.' }),
      unread: count,
    }),
    messageIdHost: nullableText,
    messageIdMatchesSender: z.boolean().nullable(),
    mailer: nullableText,
    senderZone: z
      .object({ zone: z.string(), compared: count, zones: z.array(z.string()), seen: z.boolean().nullable() })
      .nullable()
      .optional()
      .openapi({ description: "Message detail only, computed when read: the Date's zone beside those of up to 50 verified messages of the same sender (compared: how many were read; seen: null when none had a zone). Null without a zone or sender." }),
  })
  .openapi('MessageForensics');

const VerdictChangeSchema = z
  .object({
    verdict: VerdictSchema,
    reasons: z.array(ReasonSchema),
    rulesVersion: z.number().int(),
    verifiedAt: isoTime,
    replacedAt: isoTime,
    cause: z.enum(CHANGE_CAUSES),
  })
  .openapi('VerdictChange');

const UnsignedShownSchema = z.array(z.enum(['from', 'subject', 'date', 'to', 'cc'])).openapi('UnsignedShown');

const listingFields = {
  key: z.string().openapi({ description: 'Names the message in GET /dumps/{id}/messages/{messageKey}.' }),
  locator: z.string().openapi({ description: 'Where the message lies in the dump (path, "#offset" in an mbox, "!/" into a nested container).' }),
  verdict: VerdictSchema,
  reasons: z.array(ReasonSchema),
  messageId: nullableText,
  from: nullableText.openapi({ description: 'The From field as people read it.' }),
  sender: nullableText.openapi({ description: 'The first From address, lower-cased.' }),
  date: isoTime.nullable(),
  subject: nullableText,
  signingDomains: z.array(z.string()),
  unsignedShown: UnsignedShownSchema.nullable().openapi({
    description:
      'Of the fields shown (subject, from, to, cc, date: each the top-most instance, the one mail clients show), those whose shown value no verifying signature covers while the message has a verifying header signature: "this Subject is not signed; mail clients show it". Empty: every shown value is signed, or nothing is (read the verdict). Null: not known (stored before it was computed).',
  }),
};

export const MessageListingSchema = z.object(listingFields).openapi('MessageListing');

export const MessagePageSchema = z
  .object({
    messages: z.array(MessageListingSchema),
    next: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .openapi('MessagePage');

// ---------------------------------------------------------------------------------------------------------------
// Files: documents, attachments, where bytes were found, provenance and variants (shared/documents/contract.ts)

const ProvenanceSchema = z.enum(PROVENANCES);
const sha256Text = z.string().openapi({ description: 'SHA-256 of the decoded bytes, hex.' });

export const FileMetadataSchema = z
  .object({
    format: z.string().openapi({ description: "The reader that produced it: 'ooxml', 'odf', 'pdf', 'ole', 'exif'." }),
    fields: z.strictObject(Object.fromEntries(METADATA_FIELDS.map((field) => [field, z.string().optional()])) as { [K in (typeof METADATA_FIELDS)[number]]: z.ZodOptional<z.ZodString> }),
    parts: z
      .array(z.object({ name: z.string(), size: count, sha256: sha256Text }))
      .nullable()
      .openapi({ description: "A package's parts (OOXML, ODF), so copies compare part by part; else null." }),
    note: nullableText.openapi({ description: 'Why the metadata is incomplete, or null.' }),
  })
  .openapi('FileMetadata');

const fileFacts = {
  name: nullableText.openapi({ description: "The file's name: a document's base name, an attachment's decoded filename." }),
  declaredType: nullableText.openapi({ description: "An attachment's Content-Type; null for documents." }),
  detectedType: nullableText.openapi({ description: 'The media type its bytes show (magic bytes), or null.' }),
  size: count,
  sha256: sha256Text,
  metadata: FileMetadataSchema.nullable(),
};

export const AttachmentRecordSchema = z
  .object({
    ...fileFacts,
    mimePath: z.string().openapi({ description: 'Position in the MIME tree ("1.2"), IMAP numbering.', example: '2' }),
    disposition: z.enum(['attachment', 'inline']),
    coveredBy: z.array(count).openapi({ description: 'Indexes of the signatures whose body hash passed and covers this part whole; empty: none does.' }),
  })
  .openapi('AttachmentRecord');

export const FilePlaceSchema = z
  .object({
    dumpId: z.string(),
    locator: z.string().openapi({ description: 'The locator key of the document, or of the carrying message.' }),
    kind: z.enum(['document', 'attachment']),
    mimePath: nullableText,
    name: nullableText,
    sha256: sha256Text,
    verdict: VerdictSchema.nullable().openapi({ description: "Attachments: the carrying message's verdict." }),
    reasons: z.array(ReasonSchema),
    from: nullableText,
    date: nullableText,
    coveredBy: z.array(z.string()).openapi({ description: 'The d= of the signatures covering the part.' }),
  })
  .openapi('FilePlace');

const FieldDifferenceSchema = z
  .object({ field: z.string().openapi({ description: 'A metadata field, "size", "detectedType", or "part:<name>" for a package part.' }), document: nullableText, carrier: nullableText })
  .openapi('FieldDifference');

export const ProvenanceEvidenceSchema = z
  .object({
    provenance: ProvenanceSchema,
    carriers: z.array(FilePlaceSchema).openapi({ description: 'proven/partially-proven: the messages carrying the same bytes; altered-copy: the verified copies compared (differences are against the first).' }),
    reasons: z.array(ReasonSchema).openapi({ description: "partially-proven: the carriers' reasons, or body-length-limit for a part an l= leaves unsigned." }),
    differences: z.array(FieldDifferenceSchema),
    signals: z.array(
      z.object({ kind: z.enum(['created-after-message', 'modified-after-message', 'unseen-author', 'unseen-script']), detail: z.string() }).openapi('ProvenanceSignal'),
    ),
    decidedAt: isoTime,
  })
  .openapi('ProvenanceEvidence');

export const VariantEvidenceSchema = z
  .object({
    relation: z.enum(['duplicate', 'variant']),
    of: z.object({ dumpId: z.string(), locator: z.string(), key: z.string().openapi({ description: 'The verified copy\'s message key.' }) }),
    headerDifferences: z.array(FieldDifferenceSchema).openapi({ description: 'Displayed header fields that differ (document: this copy, carrier: the verified one).' }),
    textDiff: nullableText.openapi({ description: 'Unified diff of the decoded text parts, this copy against the verified one (capped); null when equal or not made.' }),
    textDiffTruncated: z.boolean(),
    textDiffNote: nullableText.optional().openapi({ description: 'Why no text diff was made (a dump no longer readable, too large to compare), if so.' }),
    attachments: z.object({
      added: z.array(z.object({ name: nullableText, sha256: sha256Text })),
      removed: z.array(z.object({ name: nullableText, sha256: sha256Text })),
      changed: z.array(z.object({ name: nullableText, sha256: sha256Text, verifiedSha256: sha256Text })),
    }),
  })
  .openapi('VariantEvidence');

const documentListingFields = {
  key: z.string().openapi({ description: 'Names the document in GET /dumps/{id}/documents/{documentKey}.' }),
  locator: z.string().openapi({ description: 'Where the document lies in the dump.' }),
  name: nullableText,
  size: count,
  sha256: sha256Text,
  detectedType: nullableText,
};

export const DocumentPageSchema = z
  .object({
    documents: z.array(z.object({ ...documentListingFields, provenance: ProvenanceSchema.nullable().openapi({ description: 'As last settled; null until decided.' }) }).openapi('DocumentListing')),
    next: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  })
  .openapi('DocumentPage');

export const DocumentDetailSchema = z
  .object({
    ...documentListingFields,
    kind: z.literal('document'),
    declaredType: nullableText,
    metadata: FileMetadataSchema.nullable(),
    detail: nullableText.openapi({ description: 'Why its facts are incomplete, or null.' }),
    provenance: ProvenanceEvidenceSchema.openapi({ description: 'Decided afresh for this answer, from the store as it is now.' }),
    places: z.array(FilePlaceSchema).openapi({ description: 'Every other place in the store holding the same bytes (capped; see placesTruncated).' }),
    placesTruncated: z.boolean(),
  })
  .openapi('DocumentDetail');

export const FileSightingsSchema = z
  .object({
    sha256: sha256Text,
    places: z.array(FilePlaceSchema).openapi({ description: "Every place those bytes appear, as a document or an attachment, with the carrying messages' verdicts." }),
    truncated: z.boolean().openapi({ description: 'True when there were more places than one answer lists.' }),
  })
  .openapi('FileSightings');

export const MessageDetailSchema = z
  .object({
    ...listingFields,
    kind: z.enum(['message', 'error']).openapi({ description: 'error: the entry could not be read as a message (verdict "error").' }),
    explanation: z.string().openapi({ description: 'The verdict and its reasons in plain words (GET /explanations has every sentence).' }),
    sha256: nullableText.openapi({ description: "SHA-256 of the message's bytes as they stand in the dump." }),
    detail: nullableText,
    verifiedAt: isoTime.nullable(),
    receivedAt: isoTime.nullable(),
    rulesVersion: z.number().int().nullable().openapi({ description: 'The verification rules version that computed the verdict.' }),
    signatures: z.array(SignatureEvidenceSchema),
    history: z.array(VerdictChangeSchema).openapi({ description: 'Verdicts re-verification replaced, oldest first.' }),
    arc: ArcEvidenceSchema.nullable().openapi({ description: 'The ARC chain (null: an unreadable entry, or stored before ARC was checked).' }),
    forensics: MessageForensicsSchema.nullable().openapi({ description: 'Time and header forensics (null: an unreadable entry, or stored before they were gathered).' }),
    attachments: z.array(AttachmentRecordSchema).openapi({ description: "The message's file parts (attachments and inline files)." }),
    attachmentsNote: nullableText.openapi({ description: 'Why the attachments may be incomplete (a cap), or null.' }),
    to: nullableText.openapi({ description: 'The To field as people read it, decoded (null: none, an unreadable entry, or stored before To was kept).' }),
    cc: nullableText.openapi({ description: 'The Cc field, as `to`.' }),
    variants: z
      .array(VariantEvidenceSchema)
      .openapi({ description: 'How this copy relates to verified copies of the same message (same Message-ID) elsewhere in the store; empty when there is none or it is itself verified.' }),
  })
  .openapi('MessageDetail');

/** One line of an export (README "Export format"): the same record `leakproof export` writes. */
export const ExportRecordSchema = z
  .object({
    dump: z.string(),
    locator: z.string(),
    sha256: nullableText,
    messageId: nullableText,
    from: nullableText,
    date: isoTime.nullable(),
    subject: nullableText,
    verdict: VerdictSchema,
    reasons: z.array(ReasonSchema),
    detail: nullableText,
    verifiedAt: isoTime.nullable(),
    signatures: z.array(SignatureEvidenceSchema),
    rulesVersion: z.number().int().nullable(),
    history: z.array(VerdictChangeSchema),
    arc: ArcEvidenceSchema.nullable(),
    forensics: MessageForensicsSchema.nullable(),
    to: nullableText.openapi({ description: 'The To field as people read it (null: none, an unreadable entry, or stored before To was kept). Last, as fields are added.' }),
    cc: nullableText.openapi({ description: 'The Cc field, as `to`.' }),
    unsignedShown: UnsignedShownSchema.nullable().openapi({ description: 'The shown fields whose value no verifying signature covers, as in MessageListing (null: an unreadable entry, or stored before it was computed). CSV: in words, "Subject, From". Last, as fields are added.' }),
  })
  .openapi('ExportRecord');

export const ArchivedKeySchema = z
  .object({
    domain: z.string(),
    selector: z.string(),
    value: z.string().openapi({ description: 'The TXT record, e.g. "v=DKIM1; k=rsa; p=MIIB…".' }),
    firstSeenAt: nullableText,
    lastSeenAt: nullableText,
    source: nullableText,
    compromisedAt: nullableText.optional(),
  })
  .openapi('ArchivedKey');

export const KeyListSchema = z.object({ domain: z.string(), keys: z.array(ArchivedKeySchema) }).openapi('KeyList');

/** One line of a key import (archive.zk.email's DkimRecord shape); times as ISO text or epoch seconds/milliseconds. */
export const KeyRecordInputSchema = z
  .object({
    domain: z.string(),
    selector: z.string(),
    value: z.string(),
    firstSeenAt: z.union([z.string(), z.number()]).nullable().optional(),
    lastSeenAt: z.union([z.string(), z.number()]).nullable().optional(),
    source: z.string().nullable().optional(),
    compromisedAt: z.union([z.string(), z.number()]).nullable().optional().openapi({ description: 'When the private key became known to others.' }),
  })
  .openapi('KeyRecordInput');

export const KeyImportSchema = z
  .object({
    imported: count,
    updated: count.optional().openapi({ description: 'Of those imported, how many the archive already held.' }),
    rejected: count,
    errors: z.array(z.string()).openapi({ description: 'What was wrong with the rejected records (the first thousand).' }),
    selectors: z.array(z.object({ domain: z.string(), selector: z.string() })).openapi({ description: 'The (domain, selector) pairs imported, each once.' }),
    reverification: z.object({
      affected: count.openapi({ description: 'Stored messages the imported keys affect.' }),
      dumps: z.array(z.string()),
      queued: z.boolean().openapi({ description: 'True when re-verification runs were queued for those dumps.' }),
    }),
  })
  .openapi('KeyImport');

export const ReverifyReceiptSchema = z
  .object({
    dumpId: z.string(),
    status: z.enum(['done', 'queued']),
    selected: count.openapi({ description: 'Messages the selection found affected.' }),
    changed: count.nullable().openapi({ description: 'Verdicts that changed (null until known).' }),
  })
  .openapi('ReverifyReceipt');

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    parameter: z.string().optional().openapi({ description: 'The request parameter that was refused (400 only).' }),
  })
  .openapi('Problem', { description: 'An RFC 9457 problem detail.' });
