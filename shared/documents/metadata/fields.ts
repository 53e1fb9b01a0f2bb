import type { FileMetadata, MetadataField } from '../contract.ts';
import { MAX_FIELD_CHARS } from './limits.ts';

/** Collects a reader's fields: values trimmed and capped, empty ones left out. */
export class FieldSet {
  readonly fields: FileMetadata['fields'] = {};

  set(field: MetadataField, value: unknown): void {
    if (value === undefined || value === null) return;
    const text = (typeof value === 'string' ? value : String(value)).trim();
    if (text === '' || this.fields[field] !== undefined) return;
    this.fields[field] = text.length > MAX_FIELD_CHARS ? text.slice(0, MAX_FIELD_CHARS) : text;
  }

  /** A date: ISO 8601 (UTC) when it carries a zone, as written in ISO form when it has none, else as written. */
  setDate(field: MetadataField, value: unknown): void {
    this.set(field, typeof value === 'string' ? isoDate(value) : value instanceof Date ? validIso(value) : value);
  }
}

// One anchored pattern without overlapping quantifiers, on a trimmed value capped to 64 characters.
const ISO_LIKE = /^(\d{4})[-:](\d{2})[-:](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * W3CDTF (OOXML, ODF, XMP) and EXIF ("2017:03:02 10:20:30") dates. A value with a zone becomes UTC ISO 8601;
 * one without (ODF and EXIF write local time) stays the local time it says, in ISO form, since shifting it by
 * this machine's zone would invent a precision the file does not have.
 */
export function isoDate(value: string): string {
  const text = value.trim();
  if (text.length > 64) return text;
  const match = ISO_LIKE.exec(text);
  if (!match) return text;
  const [, y, mo, d, h, mi, s = '00', fraction = '', zone] = match;
  const local = `${y}-${mo}-${d}T${h}:${mi}:${s}${fraction}`;
  if (zone === undefined) return local;
  return validIso(new Date(`${local}${zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`)) ?? text;
}

function validIso(date: Date): string | undefined {
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** An ISO 8601 duration (ODF editing time, "PT2H5M0S", "P1DT2H") in whole minutes, or undefined. */
export function durationMinutes(value: string): number | undefined {
  const match = /^P(?:(\d{1,6})D)?(?:T(?:(\d{1,9})H)?(?:(\d{1,9})M)?(?:(\d{1,9})(?:\.\d{1,9})?S)?)?$/.exec(value.trim().slice(0, 64));
  if (!match) return undefined;
  const [, days = '0', hours = '0', minutes = '0', seconds = '0'] = match;
  return Number(days) * 1440 + Number(hours) * 60 + Number(minutes) + Math.floor(Number(seconds) / 60);
}

export function metadata(format: string, fields: FieldSet, parts: FileMetadata['parts'], notes: readonly string[]): FileMetadata {
  return { format, fields: fields.fields, parts, note: notes.length ? notes.join('; ') : null };
}
