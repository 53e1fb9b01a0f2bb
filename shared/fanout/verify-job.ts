import { describeDocument } from '../documents/describe-document.ts';
import type { DumpEntry } from '../dump/entry.ts';
import { describeError } from '../dump/errors.ts';
import { describeEntry } from '../pipeline/describe-entry.ts';
import { entryRecordOf } from '../pipeline/entry-record.ts';
import { verifyEntry } from '../pipeline/verify-entry.ts';
import type { BlobStore } from '../ports/blob-store.ts';
import type { EntryRecord } from '../ports/verdict-store.ts';
import type { MessageVerifier } from '../verify/verify-message.ts';
import { readJob } from './read-unit.ts';
import type { WorkJob } from './work-units.ts';

export interface VerifyJobOptions {
  blobs: BlobStore;
  verifier: MessageVerifier;
  /** The verification time: one clock for the whole job. */
  at: Date;
}

/**
 * A worker's whole job: read every unit, verify its messages and describe its documents, exactly as a local
 * ingest would. A unit
 * usually yields one entry; a container found where a message was expected yields all of its entries.
 * Throws when the dump cannot be read (the job is then delivered again, and after enough tries recorded as an
 * error by the dead-letter recorder).
 */
export async function verifyJob(job: WorkJob, { blobs, verifier, at }: VerifyJobOptions): Promise<{ records: EntryRecord[] }> {
  const records: EntryRecord[] = [];
  for await (const entry of readJob(blobs, job)) records.push(await recordOf(entry, verifier, at));
  return { records };
}

async function recordOf(entry: DumpEntry, verifier: MessageVerifier, at: Date): Promise<EntryRecord> {
  if (entry.kind === 'document') return describeDocument(entry);
  if (entry.kind !== 'message') return entryRecordOf(entry);
  try {
    void entry.bytes; // a deflated member inflates here: one that breaks its recorded size or CRC-32 is its own error
  } catch (error) {
    return entryRecordOf({ kind: 'error', locator: entry.locator, reason: describeError(error) });
  }
  return describeEntry(await verifyEntry(entry, verifier, at));
}
