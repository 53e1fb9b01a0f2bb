import { arcSelectors, arcAttestation, validateArcChain } from '../arc/validate-chain.ts';
import { readArcSets } from '../arc/arc-sets.ts';
import type { ArcEvidence } from '../arc/contract.ts';
import { BodyHashCache, checkHeadersOnly, checkSignature, type BodyReading, type SignatureCheck } from '../dkim/check-signature.ts';
import { asciiLowerCase } from '../dkim/ascii.ts';
import { indexFields, splitMessage, type SplitMessage } from '../dkim/header-fields.ts';
import { KEY_LOOKUP_DEADLINE_MS, MAX_SIGNATURES_CHECKED } from '../dkim/limits.ts';
import { keyRecordName } from '../dkim/key-record.ts';
import { PRIMARY_READING } from '../dump/mbox-quoting.ts';
import { parseSignatureField, type DkimSignature, type ParsedSignature } from '../dkim/signature-field.ts';
import { messageContext, type MessageContext } from '../message/message-context.ts';
import type { FoundKey, KeyLookup, KeyResolver } from '../ports/key-resolver.ts';
import { RULES_VERSION, type KeyEvidence, type MessageVerdict, type SignatureEvidence, type SignatureStatus, type VerdictReason } from '../verdict/contract.ts';
import { combine } from '../verdict/precedence.ts';
import { failureReason, passReasons } from '../verdict/signature-reasons.ts';

/** A message to verify: its bytes as stored, and (mbox) the other readings its `>From ` quoting allows. */
export interface MessageInput {
  bytes: Buffer;
  alternateReadings?: readonly { name: string; bytes: Buffer }[];
  /**
   * Present for an Outlook item (.pst, .msg; the containers' MessageEntry.outlook): Outlook re-serialises the
   * body, so `bytes` is a rebuild and only the original header section can be checked. `transportHeaders` is
   * that section (PR_TRANSPORT_MESSAGE_HEADERS), or null for an item without one (drafts, sent items). Such an
   * item is judged on its transport headers alone and is never `verified` (see verifyHeadersOnly).
   */
  outlook?: { transportHeaders: Buffer | null };
}

/** A verdict with the ARC chain's evidence (null: an Outlook item without transport headers, an unreadable message). */
export interface MessageVerification extends MessageVerdict {
  arc?: ArcEvidence | null;
}

/** The verifier port: whichever DKIM implementation is used sits behind this. */
export interface MessageVerifier {
  verify(message: MessageInput, at: Date): Promise<MessageVerification>;
}


/** How long a message's key lookups may take together; see KEY_LOOKUP_DEADLINE_MS. */
export interface VerifierOptions {
  keyLookupDeadlineMs?: number;
}

/**
 * Leakproof's own verifier: every DKIM-Signature checked independently, keys through `resolver`, the clock
 * an input. Pure but for key lookups, which the resolver answers (archive first, then DNS unless offline).
 */
export function createVerifier(resolver: KeyResolver, options: VerifierOptions = {}): MessageVerifier {
  return { verify: (message, at) => verifyMessage(message, resolver, at, options) };
}

/**
 * The header section a message is judged on: its own, or an Outlook item's transport headers (null when it has
 * none). What is displayed and examined beside the verdict must be the same section.
 */
export function judgedHeaderSection(message: MessageInput): Buffer | null {
  return message.outlook ? message.outlook.transportHeaders : message.bytes;
}

export async function verifyMessage(message: MessageInput, resolver: KeyResolver, at: Date, options: VerifierOptions = {}): Promise<MessageVerification> {
  const verifiedAt = at.toISOString();
  const outlook = message.outlook;
  const headerSection = judgedHeaderSection(message);
  const split = headerSection ? splitMessage(headerSection) : null;
  if (outlook && (split === null || split.fields.length === 0)) {
    const detail = split === null ? 'Outlook item without transport headers (a draft or a sent item?): no signature can be checked' : 'Outlook item whose transport headers hold no header field';
    return { verdict: 'unverified', reasons: ['no-transport-headers'], signatures: [], detail, verifiedAt, receivedAt: null, rulesVersion: RULES_VERSION, arc: null };
  }
  if (split === null || split.fields.length === 0) {
    return { verdict: 'error', reasons: ['parse-error'], signatures: [], detail: 'no header fields: not an RFC 5322 message', verifiedAt, receivedAt: null, rulesVersion: RULES_VERSION, arc: null };
  }
  const headersOnly = outlook !== undefined;
  const context = messageContext(split);
  const index = indexFields(split.fields);
  const parsed = (index.get('dkim-signature') ?? []).map((i) => parseSignatureField(split.fields[i]!));
  const checked = parsed.slice(0, MAX_SIGNATURES_CHECKED);
  const wellFormed = checked.flatMap((result) => (result.ok ? [result.signature] : []));
  const arcSets = readArcSets(split.fields, index);
  const arcSignatures = arcSets.state === 'sets' ? [arcSets.sets.at(-1)!.messageSignature] : [];
  const lookups = await lookupKeys([...wellFormed, ...arcSelectors(arcSets)], resolver, options.keyLookupDeadlineMs ?? KEY_LOOKUP_DEADLINE_MS);
  const readings = replayable(bodyReadings(message, split));
  const bodyHashes = new BodyHashCache([...wellFormed, ...arcSignatures]);
  const check = (signature: DkimSignature, keys: FoundKey[]) =>
    headersOnly ? checkHeadersOnly(signature, split.fields, keys, index) : checkSignature(signature, split.fields, readings, keys, bodyHashes, index);

  const inputs: EvidenceInputs = { lookups, check, context, at, hadReadings: (message.alternateReadings?.length ?? 0) > 0 };
  const signatures = parsed.map((result, i) =>
    i < MAX_SIGNATURES_CHECKED
      ? evidenceFor(result, i, inputs)
      : uncheckedEvidence(result, i, 'not-checked', 'over-limit', `signature ${i + 1} of the message: only the first ${MAX_SIGNATURES_CHECKED} are checked`),
  );
  const { verdict, reasons } = headersOnly ? reencodingDoubt(combine(signatures), headerSection!) : combine(signatures);
  const chain = validateArcChain(arcSets, { lookup: (d, s) => lookups.get(selectorId(d, s))!, checkMessageSignature: check });
  const arc: ArcEvidence = { ...chain, attestation: arcAttestation(chain, context.authorDomains) };
  // A sealer's word is recorded beside a verdict DKIM could not settle, never in place of one.
  const attested = arc.attestation !== null && (verdict === 'failed' || verdict === 'unverified');
  return {
    verdict,
    reasons: attested ? [...reasons, 'arc-attested'] : reasons,
    signatures,
    detail: attested ? `ARC: ${arc.attestation!.sealerDomain} (i=${arc.attestation!.instance}) attests dkim=pass for ${arc.attestation!.domain}: a third party's word, not proof` : null,
    verifiedAt,
    receivedAt: context.receivedAt?.toISOString() ?? null,
    rulesVersion: RULES_VERSION,
    arc,
  };
}

/**
 * Outlook keeps transport headers as text, not bytes: where the section holds 8-bit characters (a Latin-1 or
 * UTF-8 Subject written raw), the bytes read back may not be the ones signed, so a signature that fails over them
 * proves no alteration: `unverified` (headers-reencoded), never `failed`. A pass still holds: the bytes matched.
 */
function reencodingDoubt(combined: Pick<MessageVerdict, 'verdict' | 'reasons'>, headerSection: Buffer): Pick<MessageVerdict, 'verdict' | 'reasons'> {
  if (combined.verdict !== 'failed' || !headerSection.some((byte) => byte >= 0x80)) return combined;
  return { verdict: 'unverified', reasons: ['headers-reencoded'] };
}

/**
 * Looks up every selector the message names at once, under one deadline: 20 selectors behind a silent name
 * server cost one timeout, not twenty. A lookup still running at the deadline is a `dns-error` here.
 */
async function lookupKeys(signatures: readonly { d: string; s: string }[], resolver: KeyResolver, deadlineMs: number): Promise<Map<string, KeyLookup>> {
  const selectors = new Map(signatures.map((signature) => [selectorId(signature.d, signature.s), signature] as const));
  if (selectors.size === 0) return new Map();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<KeyLookup>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'error', detail: `key lookup took longer than ${deadlineMs} ms (per-message deadline)` }), deadlineMs);
  });
  try {
    const answers = await Promise.all(
      [...selectors.values()].map((signature) =>
        Promise.race([resolver.resolve(asciiLowerCase(signature.d), asciiLowerCase(signature.s)), deadline]),
      ),
    );
    return new Map([...selectors.keys()].map((id, i) => [id, answers[i]!]));
  } finally {
    clearTimeout(timer);
  }
}

function selectorId(domain: string, selector: string): string {
  return asciiLowerCase(keyRecordName(domain, selector));
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
  if (!result.ok && result.overLimit) return uncheckedEvidence(result, index, 'not-checked', 'over-limit', result.detail);
  // A signature that fails its syntax checks before any key is used says nothing about alteration (RFC 6376
  // §6.1.1): unproven, not altered. `failed` is for well-formed signatures a key was found for.
  if (!result.ok) return uncheckedEvidence(result, index, 'permerror', 'malformed-signature', result.detail);

  const lookup = lookups.get(selectorId(result.signature.d, result.signature.s))!;
  if (lookup.status !== 'found') {
    const status = lookup.status === 'none' ? 'key-unavailable' : 'dns-error';
    return uncheckedEvidence(result, index, status, status, lookup.detail);
  }
  const outcome = check(result.signature, lookup.keys);
  return {
    ...tagsOf(result, index),
    status: outcome.status,
    bodyHash: outcome.bodyHash,
    headerSignature: outcome.headerSignature,
    bodyLength: outcome.canonicalBodyLength,
    key: outcome.key ? keyEvidence(outcome) : null,
    mboxReading: hadReadings && outcome.bodyHash === 'pass' ? (outcome.reading ?? PRIMARY_READING) : null,
    reasons: signatureReasons(result.signature, outcome, context, at),
    detail: outcome.detail,
  };
}

function signatureReasons(signature: DkimSignature, outcome: SignatureCheck, context: MessageContext, at: Date): VerdictReason[] {
  // A domain testing DKIM (t=y) asks verifiers to treat its mail as unsigned (RFC 6376 §3.6.1), pass or fail.
  if (outcome.parsedKey?.status === 'usable' && outcome.parsedKey.testing) return ['key-testing'];
  // Headers only: every header rule still applies to the transport headers, and the body is unproven.
  if (outcome.status === 'headers-pass') return ['headers-only', ...passReasons(signature, outcome, context, at)];
  return outcome.status === 'pass' ? passReasons(signature, outcome, context, at) : [failureReason(outcome.status)];
}

/** The tags of a signature as written, with its place among the message's signatures. */
function tagsOf(result: ParsedSignature, index: number) {
  const tags = result.ok ? result.signature : result.tags;
  return { index, d: tags.d, s: tags.s, a: tags.a, c: tags.c, h: tags.h, l: tags.l, t: tags.t, x: tags.x };
}

/** A signature judged before any key was used: its tags, what stopped it, nothing checked. */
function uncheckedEvidence(result: ParsedSignature, index: number, status: SignatureStatus, reason: VerdictReason, detail: string): SignatureEvidence {
  return {
    ...tagsOf(result, index),
    status, bodyHash: 'not-checked', headerSignature: 'not-checked', bodyLength: null, key: null, mboxReading: null,
    reasons: [reason],
    detail,
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
    testing: usable?.testing ?? false,
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
