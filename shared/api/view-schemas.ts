/**
 * The schemas of the evidence routes (issue 14): a message's view with what its signatures cover, and the plain
 * sentences of every verdict, reason and provenance. Beside schemas.ts, in the same style; they mirror
 * shared/message/message-view.ts and shared/verdict/plain-language.ts.
 */
import { z } from '@hono/zod-openapi';
import { PROVENANCES } from '../documents/contract.ts';
import { VERDICTS } from '../verdict/contract.ts';
import { ALL_REASONS, AttachmentRecordSchema, count } from './schemas.ts';

const signatureIndexes = z.array(count).openapi({ description: 'Indexes (into the message\'s `signatures`) of the signatures whose verifying header signature covers this instance.' });

const FieldMarkSchema = z
  .object({
    name: z.string().openapi({ description: 'The field name as written.' }),
    value: z.string().openapi({ description: 'Decoded for display (RFC 2047 words, UTF-8 or Latin-1), unfolded, cut at 4,096 characters.' }),
    valueTruncated: z.boolean(),
    position: count.openapi({ description: 'Position in the header section, top first (0-based).' }),
    index: z.number().int().min(1).openapi({ description: 'Instance of this name counted from the bottom (1: the bottom-most, the one a signature takes first).' }),
    signedBy: signatureIndexes,
    matters: z.boolean().openapi({ description: 'A field readers look at or that decides how the message is read (From, To, Cc, Subject, Date, Message-ID, Reply-To, Content-Type…).' }),
  })
  .openapi('FieldMark');

const UnsignedFieldSchema = z
  .object({ name: z.string(), value: z.string(), position: count, index: z.number().int().min(1), note: z.string().openapi({ example: 'this Subject is not signed; mail clients show it' }) })
  .openapi('UnsignedField');

const SignatureMarksSchema = z
  .object({
    index: count,
    d: z.string().nullable(),
    s: z.string().nullable(),
    headerSignature: z.enum(['pass', 'fail', 'not-checked']).openapi({ description: 'Only a passing header signature marks fields as signed.' }),
    bodyHash: z.enum(['pass', 'fail', 'not-checked']),
    positions: z.array(count).openapi({ description: 'The header instances its h= selects (positions, in h= order), whether or not it verified.' }),
    signedAbsent: z.array(z.string()).openapi({ description: 'Names in h= with no instance left: it signs their absence (adding one breaks it).' }),
  })
  .openapi('SignatureMarks');

const BodyTailSchema = z
  .object({
    signature: count,
    signedBytes: count.openapi({ description: 'l=: canonical body bytes signed.' }),
    totalBytes: count.openapi({ description: 'The canonical body length, as verified.' }),
    tailLength: count.openapi({ description: 'Canonical body bytes not signed.' }),
    tail: z.string().nullable().openapi({ description: 'The unsigned tail as text, decoded when it lies in one quoted-printable or base64 text part; cut at 65,536 characters; null when not located.' }),
    tailTruncated: z.boolean(),
    note: z.string().nullable(),
  })
  .openapi('BodyTail');

export const MessageViewSchema = z
  .object({
    key: z.string(),
    locator: z.string(),
    verdict: z.enum(VERDICTS),
    reasons: z.array(z.enum(ALL_REASONS)),
    explanation: z.string().openapi({ description: 'The verdict and its reasons in plain words.' }),
    reasonExplanations: z.array(z.object({ reason: z.enum(ALL_REASONS), explanation: z.string() })),
    headerSection: z.string().openapi({ description: 'The raw header section as sent, as text (UTF-8, else Latin-1): escape it to show it. Cut at 256 KiB.' }),
    headerSectionTruncated: z.boolean(),
    fields: z.array(FieldMarkSchema).openapi({ description: 'Every header field, top first (at most 1,000: see fieldsTruncated).' }),
    fieldsTruncated: z.boolean(),
    signatures: z.array(SignatureMarksSchema),
    unsignedThatMatter: z.array(UnsignedFieldSchema).openapi({ description: 'Every instance of a field that matters that no verifying header signature covers (empty when none verifies: see note).' }),
    lTails: z.array(BodyTailSchema).openapi({ description: 'For each body-verifying signature with an l= shorter than the body: the unsigned tail.' }),
    note: z.string().nullable().openapi({ description: 'Why no field is marked signed, or null.' }),
    caveat: z.string().nullable().openapi({ description: 'A caveat on the marks (an Outlook item), or null.' }),
    text: z.string().openapi({ description: 'The decoded text (text/plain parts, else text/html), capped at 256 KiB.' }),
    textTruncated: z.boolean(),
    to: z.string().nullable(),
    cc: z.string().nullable(),
    date: z
      .object({ asWritten: z.string(), utc: z.string().nullable(), zone: z.string().nullable().openapi({ example: '+0200' }) })
      .nullable()
      .openapi({ description: 'The Date field as written (its own zone), the UTC time it names, and its zone offset.' }),
    attachments: z.array(AttachmentRecordSchema),
    sha256: z.string().openapi({ description: 'SHA-256 of the original bytes (equal to the one recorded when verified).' }),
    bytes: count,
    originalUrl: z.string().openapi({ description: 'Where the original bytes download (relative to the API).' }),
  })
  .openapi('MessageView');

export const ExplanationsSchema = z
  .object({
    verdicts: z.record(z.enum(VERDICTS), z.string()),
    reasons: z.record(z.enum(ALL_REASONS), z.string()),
    provenances: z.record(z.enum(PROVENANCES), z.string()),
    bodyIntactHeaderChanged: z.string().openapi({ description: 'signature-mismatch when the body hash still holds.' }),
  })
  .openapi('Explanations');
