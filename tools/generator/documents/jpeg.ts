import jpeg from 'jpeg-js';

/**
 * Builds a real JPEG (a small gradient, encoded by jpeg-js) carrying an EXIF APP1 segment with chosen camera,
 * times, software and GPS position: the photographs of a leak, as a phone or camera writes them.
 */
export interface ExifProperties {
  make?: string;
  model?: string;
  software?: string;
  /** DateTimeOriginal, written as the camera's local time without zone (EXIF has none): its UTC fields are used. */
  originalTime?: Date;
  /** Decimal degrees. */
  gps?: { latitude: number; longitude: number };
}

/** `shade` (0–255) changes the picture, so two photographs with the same EXIF can still differ in bytes. */
export function buildJpeg(properties: ExifProperties = {}, shade = 128, width = 32, height = 24): Buffer {
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = (y * width + x) * 4;
      pixels[at] = (shade + x * 4) & 0xff;
      pixels[at + 1] = (shade + y * 6) & 0xff;
      pixels[at + 2] = (255 - shade) & 0xff;
      pixels[at + 3] = 0xff;
    }
  }
  const encoded = jpeg.encode({ width, height, data: pixels }, 85).data;
  const exif = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff(properties)]);
  const app1 = Buffer.alloc(4);
  app1.writeUInt16BE(0xffe1, 0);
  app1.writeUInt16BE(exif.length + 2, 2);
  // EXIF goes right after the start-of-image marker, where cameras write it.
  return Buffer.concat([encoded.subarray(0, 2), app1, exif, encoded.subarray(2)]);
}

const ASCII = 2;
const SHORT = 3;
const LONG = 4;
const RATIONAL = 5;
const BYTE = 1;

interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  value: Buffer;
}

function tiff(p: ExifProperties): Buffer {
  const ascii = (tag: number, text: string): IfdEntry => {
    const value = Buffer.from(`${text}\0`, 'latin1');
    return { tag, type: ASCII, count: value.length, value };
  };
  const long = (tag: number, n: number): IfdEntry => {
    const value = Buffer.alloc(4);
    value.writeUInt32LE(n);
    return { tag, type: LONG, count: 1, value };
  };
  const exifEntries: IfdEntry[] = p.originalTime ? [ascii(0x9003, exifTime(p.originalTime))] : [];
  const gpsEntries: IfdEntry[] = p.gps
    ? [
        { tag: 0x0000, type: BYTE, count: 4, value: Buffer.from([2, 3, 0, 0]) },
        ascii(0x0001, p.gps.latitude < 0 ? 'S' : 'N'),
        { tag: 0x0002, type: RATIONAL, count: 3, value: degrees(p.gps.latitude) },
        ascii(0x0003, p.gps.longitude < 0 ? 'W' : 'E'),
        { tag: 0x0004, type: RATIONAL, count: 3, value: degrees(p.gps.longitude) },
      ]
    : [];
  const ifd0Entries = (exifAt: number, gpsAt: number): IfdEntry[] => [
    ...(p.make === undefined ? [] : [ascii(0x010f, p.make)]),
    ...(p.model === undefined ? [] : [ascii(0x0110, p.model)]),
    { tag: 0x0128, type: SHORT, count: 1, value: Buffer.from([2, 0, 0, 0]) }, // ResolutionUnit: inches
    ...(p.software === undefined ? [] : [ascii(0x0131, p.software)]),
    ...(exifEntries.length ? [long(0x8769, exifAt)] : []),
    ...(gpsEntries.length ? [long(0x8825, gpsAt)] : []),
  ];
  // Pointers are 4 bytes whatever their value, so IFD0's size is known before the offsets are.
  const exifAt = 8 + ifdSize(ifd0Entries(0, 0));
  const gpsAt = exifAt + (exifEntries.length ? ifdSize(exifEntries) : 0);
  const header = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]);
  return Buffer.concat([
    header,
    ifd(ifd0Entries(exifAt, gpsAt), 8),
    ...(exifEntries.length ? [ifd(exifEntries, exifAt)] : []),
    ...(gpsEntries.length ? [ifd(gpsEntries, gpsAt)] : []),
  ]);
}

function ifdSize(entries: readonly IfdEntry[]): number {
  return 2 + entries.length * 12 + 4 + entries.reduce((sum, e) => sum + (e.value.length > 4 ? e.value.length + (e.value.length % 2) : 0), 0);
}

/** One IFD at TIFF offset `at`: its entries, no next IFD, then the values too long to sit in an entry. */
function ifd(entries: readonly IfdEntry[], at: number): Buffer {
  const head = Buffer.alloc(2 + entries.length * 12 + 4);
  head.writeUInt16LE(entries.length, 0);
  const data: Buffer[] = [];
  let dataAt = at + head.length;
  entries.forEach((entry, i) => {
    const base = 2 + i * 12;
    head.writeUInt16LE(entry.tag, base);
    head.writeUInt16LE(entry.type, base + 2);
    head.writeUInt32LE(entry.count, base + 4);
    if (entry.value.length <= 4) {
      entry.value.copy(head, base + 8);
    } else {
      head.writeUInt32LE(dataAt, base + 8);
      const padded = entry.value.length % 2 ? Buffer.concat([entry.value, Buffer.alloc(1)]) : entry.value;
      data.push(padded);
      dataAt += padded.length;
    }
  });
  return Buffer.concat([head, ...data]);
}

/** Decimal degrees → three rationals (degrees, minutes, seconds to 1/10,000). */
function degrees(decimal: number): Buffer {
  const abs = Math.abs(decimal);
  const d = Math.floor(abs);
  const m = Math.floor((abs - d) * 60);
  const s = Math.round(((abs - d) * 60 - m) * 60 * 10000);
  const out = Buffer.alloc(24);
  [d, 1, m, 1, s, 10000].forEach((n, i) => out.writeUInt32LE(n, i * 4));
  return out;
}

/** EXIF's "YYYY:MM:DD HH:MM:SS". */
function exifTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 4)}:${iso.slice(5, 7)}:${iso.slice(8, 10)} ${iso.slice(11, 19)}`;
}
