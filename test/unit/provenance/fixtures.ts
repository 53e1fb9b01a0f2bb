/**
 * Carriers for the provenance tests: MIME messages with a file attached, signed with keys made for the run and
 * verified by the real verifier (so every verdict and signature's evidence is one the pipeline would store),
 * then attacked. The attachment records are written here as the inventory describes a part (its MIME path,
 * hash, and the signatures said to cover it), so a test can also make the inventory lie and see it not believed.
 */
import { createHash } from 'node:crypto';
import type { AttachmentRecord, FileFacts, FileMetadata, FilePlace } from '../../../shared/documents/contract.ts';
import { signMessage } from '../../../shared/dkim/sign.ts';
import { describeEntry } from '../../../shared/pipeline/describe-entry.ts';
import { verifyEntry } from '../../../shared/pipeline/verify-entry.ts';
import type { MessageRecord } from '../../../shared/ports/verdict-store.ts';
import { createVerifier } from '../../../shared/verify/verify-message.ts';
import type { CarriedCopy } from '../../../shared/provenance/decide-provenance.ts';
import { rsaKey, staticResolver } from '../../helpers/keys.ts';
import { buildMessage, tamper } from '../../helpers/messages.ts';

export const AT = new Date('2025-03-01T12:00:00.000Z');
const campaign = rsaKey(1024);
const relay = rsaKey(1024);
const verifier = createVerifier(
  staticResolver({ 'k1._domainkey.campaign.example': campaign.record, 'r1._domainkey.relay.example': relay.record }),
);

export const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

export const SPREADSHEET = Buffer.from('PK\u0003\u0004 the campaign accounts, as sent on 4 May 2017 '.repeat(20));
export const FORGED_SPREADSHEET = Buffer.from('PK\u0003\u0004 the campaign accounts, with a cell changed '.repeat(20));

const BOUNDARY = 'b0undary';

/** A multipart message: a text part, then the file as a base64 attachment. */
export function messageWithFile(file: Buffer, name: string, overrides: { date?: string; messageId?: string; from?: string } = {}): Buffer {
  const base64 = wrapped(file);
  const body =
    `--${BOUNDARY}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nThe accounts are attached.\r\n` +
    `--${BOUNDARY}\r\nContent-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name="${name}"\r\n` +
    `Content-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64}--${BOUNDARY}--\r\n`;
  return buildMessage({ contentType: `multipart/mixed; boundary="${BOUNDARY}"`, body, ...overrides });
}

function wrapped(file: Buffer): string {
  return file.toString('base64').replace(/.{1,76}/g, '$&\r\n');
}

/** How the carrier was signed and attacked. */
export type CarrierShape =
  /** Signed whole by the From's organisation: verified. */
  | 'verified'
  /** Signed with l= stopping before the attachment part: the part is not covered (partially-verified). */
  | 'length-limited'
  /** Signed by a relay, not the From's organisation: partially-verified, signer-not-aligned. */
  | 'unaligned'
  /** Verified, then the attachment replaced by `replacedBy`: failed, body-hash-mismatch. */
  | 'tampered'
  /** Verified by the From's organisation, and signed again by a key nobody publishes (that signature unverified). */
  | 'verified-plus-unchecked'
  /** No signature at all. */
  | 'unsigned';

export type CarrierOverrides = { date?: string; messageId?: string; from?: string; path?: string; replacedBy?: Buffer; edit?: (plain: Buffer) => Buffer };

export async function carrierRecord(shape: CarrierShape, file: Buffer, name: string, overrides: CarrierOverrides = {}): Promise<MessageRecord> {
  return (await signedCarrier(shape, file, name, overrides)).record;
}

/** The carrier's bytes as they stand in the dump, and its record as stored. `edit` changes the message before signing. */
export async function signedCarrier(shape: CarrierShape, file: Buffer, name: string, overrides: CarrierOverrides = {}): Promise<{ bytes: Buffer; record: MessageRecord }> {
  const plain = (overrides.edit ?? ((bytes: Buffer) => bytes))(messageWithFile(file, name, overrides));
  const byCampaign = (bytes: Buffer, bodyLength?: number) => signMessage(bytes, { domain: 'campaign.example', selector: 'k1', privateKey: campaign.privateKey, ...(bodyLength ? { bodyLength } : {}) });
  let bytes: Buffer;
  if (shape === 'verified') bytes = byCampaign(plain);
  else if (shape === 'length-limited') bytes = byCampaign(plain, plain.toString('latin1').indexOf(`--${BOUNDARY}\r\nContent-Type: application`) - plain.toString('latin1').indexOf('\r\n\r\n') - 4);
  else if (shape === 'unaligned') bytes = signMessage(plain, { domain: 'relay.example', selector: 'r1', privateKey: relay.privateKey });
  else if (shape === 'verified-plus-unchecked') bytes = signMessage(byCampaign(plain), { domain: 'gone.example', selector: 'g1', privateKey: relay.privateKey });
  else if (shape === 'tampered') bytes = tamper(byCampaign(plain), wrapped(file), wrapped(overrides.replacedBy ?? FORGED_SPREADSHEET));
  else bytes = plain;
  return { bytes, record: await verifiedRecord(bytes, overrides.path ?? `${shape}.eml`) };
}

/** The record the pipeline stores for these bytes at `path` (attachments left for the test to say). */
export async function verifiedRecord(bytes: Buffer, path: string): Promise<MessageRecord> {
  const described = await describeEntry(await verifyEntry({ kind: 'message', locator: { path }, bytes }, verifier, AT));
  if (described.kind !== 'message') throw new Error(`${path} did not read as a message`);
  return { ...described, attachments: [], attachmentsNote: null, arc: null, forensics: null };
}

/**
 * An Outlook item (issue 13): the genuine transport headers of a message campaign.example signed, and a body
 * Outlook re-built, holding `file` (anything: the body is not checked). Verified as the pipeline does: headers only.
 */
export async function outlookCarrier(file: Buffer, name: string, path = 'box.pst!/Inbox/1'): Promise<MessageRecord> {
  const genuine = signMessage(messageWithFile(SPREADSHEET, name), { domain: 'campaign.example', selector: 'k1', privateKey: campaign.privateKey });
  const transportHeaders = genuine.subarray(0, genuine.indexOf('\r\n\r\n') + 4);
  const described = await describeEntry(await verifyEntry({ kind: 'message', locator: { path }, bytes: messageWithFile(file, name), outlook: { transportHeaders } }, verifier, AT));
  if (described.kind !== 'message') throw new Error(`${path} did not read as a message`);
  return { ...described, attachments: [], attachmentsNote: null, arc: null, forensics: null };
}

/**
 * The attachment as the inventory records it: covered by the signatures that passed with a whole-body hash
 * (what a truthful inventory says), or by the indexes given (a lying one).
 */
export function attachmentOf(message: MessageRecord, file: Buffer, name: string, options: { coveredBy?: number[]; metadata?: FileMetadata | null } = {}): AttachmentRecord {
  const truthful = message.signatures.filter((s) => s.bodyHash === 'pass' && (s.l === null || s.l >= (s.bodyLength ?? Infinity))).map((s) => s.index);
  return {
    name,
    declaredType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    detectedType: 'application/zip',
    size: file.length,
    sha256: sha256(file),
    metadata: options.metadata ?? null,
    mimePath: '2',
    disposition: 'attachment',
    coveredBy: options.coveredBy ?? truthful,
  };
}

/** The carrier as the store hands it back: its place, message and attachment. */
export function carried(message: MessageRecord, attachment: AttachmentRecord, dumpId = 'dump-a'): CarriedCopy {
  const withAttachment = { ...message, attachments: [attachment] };
  const place: FilePlace = {
    dumpId,
    locator: message.locator.path,
    kind: 'attachment',
    mimePath: attachment.mimePath,
    name: attachment.name,
    sha256: attachment.sha256,
    verdict: message.verdict,
    reasons: message.reasons,
    from: message.from,
    date: message.date,
    coveredBy: attachment.coveredBy.flatMap((index) => message.signatures[index]?.d ?? []),
  };
  return { place, message: withAttachment, attachment };
}

export function metadata(fields: FileMetadata['fields'], parts: FileMetadata['parts'] = null): FileMetadata {
  return { format: 'ooxml', fields, parts, note: null };
}

/** A loose document of a dump: these bytes under this name. */
export function documentFacts(file: Buffer, name: string, meta: FileMetadata | null = null): FileFacts {
  return { name, declaredType: null, detectedType: 'application/zip', size: file.length, sha256: sha256(file), metadata: meta };
}
