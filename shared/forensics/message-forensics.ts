import { asciiLowerCase, trimWsp } from '../dkim/ascii.ts';
import { fieldValue, unfold, type HeaderField } from '../dkim/header-fields.ts';
import { MAX_DATE_CHARS, parseDate, withoutComments } from '../message/message-context.ts';
import { sameOrganization } from '../verdict/organizational-domain.ts';
import type { SignatureEvidence } from '../verdict/contract.ts';
import type { DateEvidence, ForensicFlag, MessageForensics, ReceivedHop, SignedTime } from './contract.ts';
import { receivedChain } from './received-chain.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How far apart two relays' clocks may be before a hop dated earlier than the one before it is flagged. */
export const CLOCK_SKEW_MS = 15 * 60 * 1000;
/** Longest X-Mailer / User-Agent kept, and longest Message-ID read. */
export const MAX_FORENSIC_TEXT = 256;
const MAX_MESSAGE_ID_CHARS = 1024;

/**
 * The time and header forensics of a message's header section (for an Outlook item, its transport headers),
 * beside its signatures' evidence. `at` is the verification clock: a hop dated after it is flagged. Every
 * field read is capped (see received-chain.ts, MAX_DATE_CHARS, MAX_FORENSIC_TEXT), so the cost is linear.
 */
export function messageForensics(fields: readonly HeaderField[], signatures: readonly SignatureEvidence[], at: Date): MessageForensics {
  const flags: string[] = [];
  const flag = (code: ForensicFlag, text: string) => flags.push(`${code}: ${text}`);
  const date = dateEvidence(fields.findLast((field) => field.key === 'date'));
  const dateMs = date?.parsed ? Date.parse(date.parsed) : null;

  const signedTimes = signatures
    .filter((signature) => signature.headerSignature === 'pass' && signature.t !== null)
    .map((signature): SignedTime => ({ signature: signature.index, d: signature.d, t: signature.t!, dateOffsetSeconds: dateMs === null ? null : Math.round(dateMs / 1000 - signature.t!) }));
  for (const signed of signedTimes) {
    if (signed.dateOffsetSeconds !== null && Math.abs(signed.dateOffsetSeconds) * 1000 > DAY_MS) {
      flag('date-far-from-signed-time', `Date is ${days(Math.abs(signed.dateOffsetSeconds) * 1000)} ${signed.dateOffsetSeconds < 0 ? 'before' : 'after'} the signed time t= of d=${signed.d}`);
    }
  }

  const received = receivedChain(fields);
  hopFlags(received.hops, at, flag);
  const first = received.hops[0];
  const firstAt = first?.at ? Date.parse(first.at) : null;
  if (dateMs !== null && firstAt !== null && firstAt - dateMs > DAY_MS) {
    flag('date-before-first-hop', `Date is ${days(firstAt - dateMs)} before the first hop (${first!.by ?? 'unknown relay'})`);
  }

  const messageIdHost = messageIdHostOf(fields.findLast((field) => field.key === 'message-id'));
  const infrastructure = [...signatures.flatMap((signature) => (signature.d ? [signature.d] : [])), ...(first ? [first.from, first.by] : [])]
    .filter((host): host is string => host !== null && !host.startsWith('['));
  const messageIdMatchesSender = messageIdHost === null || infrastructure.length === 0 ? null : infrastructure.some((host) => sameOrganization(host, messageIdHost));
  if (messageIdMatchesSender === false) {
    flag('message-id-host-mismatch', `Message-ID host ${messageIdHost} is of no organisation that signed or first relayed the message (${[...new Set(infrastructure)].slice(0, 4).join(', ')})`);
  }

  const mailerField = fields.findLast((field) => field.key === 'x-mailer') ?? fields.findLast((field) => field.key === 'user-agent');
  const mailer = mailerField ? trimWsp(cappedValue(mailerField, 2 * MAX_FORENSIC_TEXT)).slice(0, MAX_FORENSIC_TEXT) || null : null;
  return { flags, signedTimes, date, received, messageIdHost, messageIdMatchesSender, mailer };
}

/** Flags on the hops in the order they happened: a hop earlier than the one before it, a long gap, a future hop. */
function hopFlags(hops: readonly ReceivedHop[], at: Date, flag: (code: ForensicFlag, text: string) => void): void {
  let previous: { time: number; hop: number } | null = null;
  hops.forEach((hop, i) => {
    if (hop.at === null) return;
    const time = Date.parse(hop.at);
    if (time - at.getTime() > CLOCK_SKEW_MS) flag('hop-in-future', `hop ${i + 1} (${hop.by ?? 'unknown relay'}) is dated after the verification time`);
    if (previous !== null) {
      if (previous.time - time > CLOCK_SKEW_MS) flag('hop-out-of-order', `hop ${i + 1} (${hop.by ?? 'unknown relay'}) is dated ${days(previous.time - time)} before hop ${previous.hop + 1}`);
      else if (time - previous.time > DAY_MS) flag('hop-gap', `${days(time - previous.time)} between hop ${previous.hop + 1} and hop ${i + 1}`);
    }
    previous = { time, hop: i };
  });
}

function dateEvidence(field: HeaderField | undefined): DateEvidence | null {
  if (!field) return null;
  const value = fieldValue(field);
  if (value.length > MAX_DATE_CHARS) return { parsed: null, zone: null };
  const words = trimWsp(withoutComments(value)).split(/[ \t]+/);
  const last = words.at(-1) ?? '';
  const zone = /^([+-]\d{4}|[A-Za-z]{1,5})$/.test(last) && words.length > 1 ? last : null;
  return { parsed: parseDate(value)?.toISOString() ?? null, zone };
}

/** The start of a field's value, unfolded: at most `max` characters of the raw field are read. */
function cappedValue(field: HeaderField, max: number): string {
  return unfold(field.raw.toString('latin1', field.colon + 1, Math.min(field.raw.length, field.colon + 1 + max)));
}

function messageIdHostOf(field: HeaderField | undefined): string | null {
  if (!field || field.raw.length > MAX_MESSAGE_ID_CHARS) return null;
  const value = fieldValue(field);
  const at = value.lastIndexOf('@');
  if (at === -1) return null;
  const end = value.indexOf('>', at);
  const host = trimWsp(value.slice(at + 1, end === -1 ? value.length : end));
  return host && !/[\s<>@]/.test(host) ? asciiLowerCase(host) : null;
}

/** "3.5 days", "5 hours", "40 minutes". */
function days(ms: number): string {
  if (ms >= DAY_MS) return `${(ms / DAY_MS).toFixed(1)} days`;
  if (ms >= 60 * 60 * 1000) return `${(ms / 3_600_000).toFixed(1)} hours`;
  return `${Math.round(ms / 60_000)} minutes`;
}
