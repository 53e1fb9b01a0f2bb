import { BodyHashCache, checkSignature, type BodyReading, type SignatureCheck } from '../dkim/check-signature.ts';
import { splitMessage, type SplitMessage } from '../dkim/header-fields.ts';
import { keyRecordName } from '../dkim/key-record.ts';
import { PRIMARY_READING } from '../dump/mbox-quoting.ts';
import { parseSignatureField, type DkimSignature, type ParsedSignature } from '../dkim/signature-field.ts';
import { messageContext, type MessageContext } from '../message/message-context.ts';
import type { FoundKey, KeyLookup, KeyResolver } from '../ports/key-resolver.ts';
import { RULES_VERSION, type KeyEvidence, type MessageVerdict, type SignatureEvidence } from '../verdict/contract.ts';
import { combine } from '../verdict/precedence.ts';
import { failureReason, passReasons } from '../verdict/signature-reasons.ts';

/** A message to verify: its bytes as stored, and (mbox) the other readings its `>From ` quoting allows. */
export interface MessageInput {
  bytes: Buffer;
  alternateReadings?: readonly { name: string; bytes: Buffer }[];
}

/** The verifier port: whichever DKIM implementation is used sits behind this. */
export interface MessageVerifier {
  verify(message: MessageInput, at: Date): Promise<MessageVerdict>;
}


/**
 * Leakproof's own verifier: every DKIM-Signature checked independently, keys through `resolver`, the clock
 * an input. Pure but for key lookups, which the resolver answers (archive first, then DNS unless offline).
 */
export function createVerifier(resolver: KeyResolver): MessageVerifier {
  return { verify: (message, at) => verifyMessage(message, resolver, at) };
}

export async function verifyMessage(message: MessageInput, resolver: KeyResolver, at: Date): Promise<MessageVerdict> {
  const verifiedAt = at.toISOString();
  const split = splitMessage(message.bytes);
  if (split.fields.length === 0) {
    return { verdict: 'error', reasons: ['parse-error'], signatures: [], detail: 'no header fields: not an RFC 5322 message', verifiedAt, receivedAt: null, rulesVersion: RULES_VERSION };
  }
  const context = messageContext(split.fields);
  const parsed = split.fields.filter((field) => field.key === 'dkim-signature').map(parseSignatureField);
  const lookups = await lookupKeys(parsed, resolver);
  const readings = replayable(bodyReadings(message, split));
  const bodyHashes = new BodyHashCache();

  const inputs: EvidenceInputs = {
    lookups,
    check: (signature, keys) => checkSignature(signature, split.fields, readings, keys, bodyHashes),
    context,
    at,
    hadReadings: (message.alternateReadings?.length ?? 0) > 0,
  };
  const signatures = parsed.map((result, index) => evidenceFor(result, index, inputs));
  const { verdict, reasons } = combine(signatures);
  return { verdict, reasons, signatures, detail: null, verifiedAt, receivedAt: context.receivedAt?.toISOString() ?? null, rulesVersion: RULES_VERSION };
}

async function lookupKeys(parsed: readonly ParsedSignature[], resolver: KeyResolver): Promise<Map<string, KeyLookup>> {
  const lookups = new Map<string, KeyLookup>();
  for (const result of parsed) {
    if (!result.ok) continue;
    const id = selectorId(result.signature.d, result.signature.s);
    if (!lookups.has(id)) lookups.set(id, await resolver.resolve(result.signature.d.toLowerCase(), result.signature.s.toLowerCase()));
  }
  return lookups;
}

function selectorId(domain: string, selector: string): string {
  return keyRecordName(domain, selector).toLowerCase();
}

/** The primary reading, then the others, each built only when a body hash has failed on all before it. */
function* bodyReadings(message: MessageInput, split: SplitMessage): Generator<BodyReading> {
  yield { name: PRIMARY_READING, body: message.bytes.subarray(split.bodyStart) };
  for (const alternate of message.alternateReadings ?? []) {
    const bytes = alternate.bytes;
    yield { name: alternate.name, body: bytes.subarray(splitMessage(bytes).bodyStart) };
  }
}

/** What judging one signature needs from the message as a whole. */
interface EvidenceInputs {
  lookups: Map<string, KeyLookup>;
  check: (signature: DkimSignature, keys: FoundKey[]) => SignatureCheck;
  context: MessageContext;
  at: Date;
  /** The message came with other mbox readings, so the evidence says which one verified. */
  hadReadings: boolean;
}

function evidenceFor(result: ParsedSignature, index: number, { lookups, check, context, at, hadReadings }: EvidenceInputs): SignatureEvidence {
  const tags = result.ok ? result.signature : result.tags;
  const base = { index, d: tags.d, s: tags.s, a: tags.a, c: tags.c, h: tags.h, l: tags.l, t: tags.t, x: tags.x };
  const notChecked = { bodyHash: 'not-checked', headerSignature: 'not-checked', bodyLength: null, key: null, mboxReading: null } as const;
  if (!result.ok) return { ...base, ...notChecked, status: 'permerror', reasons: [failureReason('permerror')], detail: result.detail };

  const lookup = lookups.get(selectorId(result.signature.d, result.signature.s))!;
  if (lookup.status !== 'found') {
    const status = lookup.status === 'none' ? 'key-unavailable' : 'dns-error';
    return { ...base, ...notChecked, status, reasons: [status], detail: lookup.detail };
  }
  const outcome = check(result.signature, lookup.keys);
  return {
    ...base,
    status: outcome.status,
    bodyHash: outcome.bodyHash,
    headerSignature: outcome.headerSignature,
    bodyLength: outcome.canonicalBodyLength,
    key: outcome.key ? keyEvidence(outcome) : null,
    mboxReading: hadReadings && outcome.bodyHash === 'pass' ? (outcome.reading ?? PRIMARY_READING) : null,
    reasons: outcome.status === 'pass' ? passReasons(result.signature, outcome, context, at) : [failureReason(outcome.status)],
    detail: outcome.detail,
  };
}

function keyEvidence(outcome: SignatureCheck): KeyEvidence {
  const key = outcome.key!;
  const usable = outcome.parsedKey?.status === 'usable' ? outcome.parsedKey : null;
  return {
    source: key.via,
    record: key.value,
    keyType: usable?.keyType ?? null,
    bits: usable?.bits ?? null,
    firstSeenAt: key.firstSeenAt,
    lastSeenAt: key.lastSeenAt,
    origin: key.source,
    compromisedAt: key.compromisedAt ?? null,
  };
}

/** An iterable over a generator that builds each item once, however many signatures iterate it. */
function replayable<T>(items: Iterator<T>): Iterable<T> {
  const built: T[] = [];
  return {
    *[Symbol.iterator]() {
      for (let i = 0; ; i++) {
        if (i === built.length) {
          const next = items.next();
          if (next.done) return;
          built.push(next.value);
        }
        yield built[i]!;
      }
    },
  };
}
