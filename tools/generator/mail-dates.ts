/**
 * Date formats as mail software writes them. The leaked mailboxes are French, so times carry the Paris
 * offset (CET/CEST), the way the sending servers stamped them.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Paris offset in minutes east of UTC: CEST from the last Sunday of March to the last Sunday of October, 01:00 UTC. */
export function parisOffsetMinutes(date: Date): number {
  const year = date.getUTCFullYear();
  const start = lastSundayUtc(year, 2);
  const end = lastSundayUtc(year, 9);
  return date.getTime() >= start && date.getTime() < end ? 120 : 60;
}

function lastSundayUtc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0, 1));
  return last.getTime() - last.getUTCDay() * 86_400_000;
}

/** RFC 5322 date-time in Paris time, with the zone comment servers add: "Thu, 27 Apr 2017 10:15:03 +0200 (CEST)". */
export function rfc5322Date(date: Date, withComment = false): string {
  const offset = parisOffsetMinutes(date);
  const local = new Date(date.getTime() + offset * 60_000);
  const sign = offset >= 0 ? '+' : '-';
  const zone = `${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`;
  const text =
    `${DAYS[local.getUTCDay()]}, ${local.getUTCDate()} ${MONTHS[local.getUTCMonth()]} ${local.getUTCFullYear()} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())} ${zone}`;
  return withComment ? `${text} (${offset === 120 ? 'CEST' : 'CET'})` : text;
}

/** The asctime() form of an mbox "From " separator line, in UTC: "Thu Apr 27 08:15:03 2017". */
export function asctimeDate(date: Date): string {
  const day = String(date.getUTCDate()).padStart(2, ' ');
  return (
    `${DAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${day} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${date.getUTCFullYear()}`
  );
}

/** "2017-04" — the month folder a message is filed under. */
export function monthFolder(date: Date): string {
  return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

const MOIS = ['janv.', 'févr.', 'mars', 'avr.', 'mai', 'juin', 'juil.', 'août', 'sept.', 'oct.', 'nov.', 'déc.'];

/** How French mail clients date a quoted message: "13 janv. 2017 à 21:47". */
export function frenchQuoteDate(date: Date): string {
  const local = new Date(date.getTime() + parisOffsetMinutes(date) * 60_000);
  return `${local.getUTCDate()} ${MOIS[local.getUTCMonth()]} ${local.getUTCFullYear()} à ${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
}
