import type { FileMetadata } from '../contract.ts';
import { FieldSet, metadata } from './fields.ts';

type ExifrParse = typeof import('exifr').parse;
let exifr: Promise<ExifrParse> | undefined;

/** Only the blocks these fields live in: IFD0, the EXIF IFD, GPS. exifr reads no more of the file than they need. */
const OPTIONS = {
  tiff: true,
  exif: true,
  gps: true,
  ifd1: false,
  interop: false,
  makerNote: false,
  userComment: false,
  xmp: false,
  icc: false,
  iptc: false,
  jfif: false,
  ihdr: false,
  reviveValues: false,
  translateValues: false,
  pick: ['Make', 'Model', 'Software', 'DateTimeOriginal', 'CreateDate', 'ModifyDate', 'GPSLatitude', 'GPSLatitudeRef', 'GPSLongitude', 'GPSLongitudeRef'],
};

/** Images (JPEG, TIFF, HEIC, PNG, …): EXIF camera, original time, software and GPS position, with exifr. */
export async function readExif(bytes: Uint8Array): Promise<FileMetadata> {
  const fields = new FieldSet();
  const notes: string[] = [];
  try {
    // exifr is CommonJS in its Node build: Node's ESM loader names its exports, esbuild's bundle only gives `default`.
    exifr ??= import('exifr').then((module) => module.parse ?? (module as unknown as { default: { parse: ExifrParse } }).default.parse);
    const parse = await exifr;
    const tags = ((await parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length), OPTIONS)) ?? {}) as Record<string, unknown>;
    const camera = [tags.Make, tags.Model].filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
    // Phones repeat the make in the model ("Apple" + "iPhone 7", but "Canon" + "Canon EOS 5D").
    fields.set('camera', camera.length === 2 && camera[1]!.startsWith(camera[0]!) ? camera[1] : camera.join(' '));
    fields.setDate('originalTime', tags.DateTimeOriginal ?? tags.CreateDate);
    fields.setDate('modified', tags.ModifyDate);
    fields.set('software', tags.Software);
    const latitude = degrees(tags.GPSLatitude, tags.GPSLatitudeRef);
    const longitude = degrees(tags.GPSLongitude, tags.GPSLongitudeRef);
    if (latitude !== undefined && longitude !== undefined) fields.set('gps', `${latitude},${longitude}`);
  } catch (error) {
    notes.push(`EXIF unreadable: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 160)}`);
  }
  return metadata('exif', fields, null, notes);
}

/** [degrees, minutes, seconds] and a reference (N/S, E/W) → signed decimal degrees to 6 places. */
function degrees(value: unknown, reference: unknown): number | undefined {
  if (!Array.isArray(value) || value.length !== 3 || !value.every((n) => typeof n === 'number' && Number.isFinite(n))) return undefined;
  const [d, m, s] = value as [number, number, number];
  const decimal = d + m / 60 + s / 3600;
  const signed = reference === 'S' || reference === 'W' ? -decimal : decimal;
  return Math.abs(signed) > 180 ? undefined : Math.round(signed * 1e6) / 1e6;
}
