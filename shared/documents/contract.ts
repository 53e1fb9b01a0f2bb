/**
 * The contract for files: loose documents of a dump, attachments of its messages, their metadata, and what the
 * signed mail of the store proves about them (provenance), plus the links between copies of one message
 * (variants). Exported as-is (export, API), like the verdict contract: add, never rename.
 */
import type { Reason, Verdict } from '../verdict/contract.ts';

/** The metadata fields readers fill, across formats (each reader fills those its format has). */
export const METADATA_FIELDS = [
  // OOXML docProps/core.xml + app.xml, ODF meta.xml, OLE SummaryInformation, PDF Info/XMP
  'title',
  'author', // OOXML dc:creator, ODF meta:initial-creator, PDF /Author, OLE Author
  'lastModifiedBy', // OOXML cp:lastModifiedBy, ODF dc:creator, OLE LastAuthor
  'created', // ISO 8601 when parseable, else as written
  'modified',
  'revision',
  'application', // OOXML Application, ODF meta:generator, PDF /Creator, OLE AppName
  'applicationVersion',
  'company',
  'template',
  'totalEditingMinutes',
  'producer', // PDF /Producer
  'documentId', // PDF trailer /ID[0] or xmpMM:DocumentID; an identity that survives edits
  'instanceId', // xmpMM:InstanceID
  'camera', // EXIF Make + Model
  'originalTime', // EXIF DateTimeOriginal
  'software', // EXIF Software
  'gps', // "lat,lon" in decimal degrees
] as const;
export type MetadataField = (typeof METADATA_FIELDS)[number];

/** One part of a package (OOXML, ODF): compared between copies to say which parts changed. */
export interface PackagePart {
  name: string;
  size: number;
  sha256: string;
}

export interface FileMetadata {
  /** The reader that produced it: 'ooxml' | 'odf' | 'pdf' | 'ole' | 'exif'. */
  format: string;
  /** Values as strings, trimmed and capped; dates as ISO 8601 where they parse. Absent: not in the file. */
  fields: Partial<Record<MetadataField, string>>;
  /** OOXML/ODF: the package's parts (capped), so two copies can be compared part by part; else null. */
  parts: PackagePart[] | null;
  /** Why the metadata is incomplete (a cap reached, damaged bytes), or null. */
  note: string | null;
}

/** What Leakproof knows of any file, loose or attached. */
export interface FileFacts {
  /** The file's name: a document's base name, an attachment's decoded filename (RFC 2231/2047), or null. */
  name: string | null;
  /** The type the file was declared as: an attachment's Content-Type; null for documents. */
  declaredType: string | null;
  /** The media type its bytes show (magic bytes, file-type), or null when unknown. */
  detectedType: string | null;
  /** Decoded size in bytes. */
  size: number;
  /** SHA-256 of the decoded bytes, hex. */
  sha256: string;
  metadata: FileMetadata | null;
}

/** A MIME leaf of a message that is a file (attachment or inline). */
export interface AttachmentRecord extends FileFacts {
  /** Position in the MIME tree, e.g. "1.2" (IMAP BODYSTRUCTURE numbering; a single-part message is "1"). */
  mimePath: string;
  disposition: 'attachment' | 'inline';
  /**
   * Indexes (into the message's signatures) of the signatures whose body hash passed and covers this part
   * whole: no l=, or an l= reaching past the part's end in the canonical body. Empty: no signature covers it.
   */
  coveredBy: number[];
}

/** The attachments of one message, and why the list may be incomplete (a cap, an undecodable part). */
export interface AttachmentInventory {
  attachments: AttachmentRecord[];
  note: string | null;
}

export const PROVENANCES = ['proven', 'partially-proven', 'altered-copy', 'unproven'] as const;
export type Provenance = (typeof PROVENANCES)[number];

/** One place a file's bytes were found in the store: a loose document, or an attachment of a message. */
export interface FilePlace {
  dumpId: string;
  /** The locator key of the document, or of the carrying message. */
  locator: string;
  kind: 'document' | 'attachment';
  /** Attachments: the part's MIME path. */
  mimePath: string | null;
  name: string | null;
  sha256: string;
  /** Attachments: the carrying message's verdict, reasons, From, Date and the d= of the signatures covering the part. */
  verdict: Verdict | null;
  reasons: Reason[];
  from: string | null;
  date: string | null;
  coveredBy: string[];
}

/** A difference between a document and the verified copy it is compared with. */
export interface FieldDifference {
  field: string;
  document: string | null;
  carrier: string | null;
}

/** Beside the provenance, never changing it: what a reader should look at twice. */
export interface ProvenanceSignal {
  kind: 'created-after-message' | 'modified-after-message' | 'unseen-author' | 'unseen-script';
  detail: string;
}

export interface ProvenanceEvidence {
  provenance: Provenance;
  /** The places that decided it: for proven, the verified carriers; for altered-copy, the verified copies compared. */
  carriers: FilePlace[];
  /** partially-proven: the carriers' reasons (or 'body-length-limit' for a part an l= leaves uncovered). */
  reasons: Reason[];
  /** altered-copy: how the verified copy differs (metadata fields, and package parts by size or hash). */
  differences: FieldDifference[];
  signals: ProvenanceSignal[];
  /** When it was decided (ISO 8601). */
  decidedAt: string;
}

/** How one copy of a message relates to a verified copy in the store with the same identity (Message-ID). */
export interface VariantEvidence {
  relation: 'duplicate' | 'variant';
  /** The verified copy. */
  of: { dumpId: string; locator: string };
  /** Header fields (display) that differ. */
  headerDifferences: FieldDifference[];
  /** Unified diff of the decoded text parts (this copy against the verified one), capped; null when equal. */
  textDiff: string | null;
  textDiffTruncated: boolean;
  /** Why no text diff was made though the copies differ (a dump no longer readable, too different to compare). */
  textDiffNote?: string | null;
  /** By file name (then SHA-256): what this copy adds, lacks, or carries with other bytes. */
  attachments: {
    added: { name: string | null; sha256: string }[];
    removed: { name: string | null; sha256: string }[];
    changed: { name: string | null; sha256: string; verifiedSha256: string }[];
  };
}
