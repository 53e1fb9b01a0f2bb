/**
 * The differential fuzzer's seeded case generator. A case is a message built from parts (header fields with
 * varied folding, white space, name case and 8-bit bytes; a body that may be empty, unterminated, LF or
 * CRLF), a plan of 1–3 dkimpy signatures (c=, h= with over-signed, absent and mixed-case names, l=) and 0–2
 * mutations applied after signing. Everything is drawn from a PRNG forked per case, so case N of a seed is
 * the same on every machine and a failing case can be rebuilt from (seed, index) and printed.
 *
 * Strings here are "binary" strings: one char per byte (latin-1), so 8-bit bytes survive every edit.
 */
import { createPrng, type Prng } from '../../tools/generator/prng.ts';

export type Eol = '\r\n' | '\n';
export type Canon = 'simple' | 'relaxed';

export interface KeyChoice {
  id: string;
  kind: 'rsa' | 'ed25519';
}

/** One field of the message under construction: its text (name, colon, value, folds) and its line end. */
export interface Field {
  text: string;
  eol: string;
}

export interface SignaturePlan {
  key: string;
  keyKind: 'rsa' | 'ed25519';
  domain: string;
  selector: string;
  canon: [Canon, Canon];
  /** Lower-case names hashed, in h= order. */
  headers: string[];
  /** The h= text when written otherwise than dkimpy's "a : b" (mixed case, other spacing). */
  hText: string | null;
  length: boolean;
}

export type MutationKind =
  | 'body-byte'
  | 'signed-header'
  | 'unsigned-header'
  | 'relaxed-ws-header'
  | 'relaxed-ws-body'
  | 'relaxed-ws-fold'
  | 'append-body'
  | 'duplicate-above'
  | 'duplicate-below'
  | 'eol-flip'
  | 'signature-trailing-ws'
  | 'ws-before-colon'
  | 'junk-header-line';

export interface Mutation {
  kind: MutationKind;
  /** What exactly changed (the field, the variant), for the printout and the classes. */
  detail: string;
  /** The field's lower-case name, where the mutation touched or added one. */
  name?: string;
  /** Top-to-bottom indexes of the signatures whose h= selected the touched field when it was mutated. */
  signedBy?: number[];
}

export interface FuzzCase {
  seed: string;
  index: number;
  eol: Eol | 'mixed';
  /** Features of the unsigned message worth classifying by (e.g. a header value ending in VT). */
  features: string[];
  fields: Field[];
  /** The blank line between header and body ('' when the message has none), and the body. */
  separator: string;
  body: string;
  /** Top to bottom, as the fields will stand in the signed message (signed bottom first). */
  signatures: SignaturePlan[];
  /** Planned mutation kinds; `mutations` records what was actually done. */
  plannedMutations: MutationKind[];
  mutations: Mutation[];
  /** The body after the mutations, as verified. */
  finalBody?: string;
  /**
   * After the mutations: names of fields whose unfolded value, less SP/HTAB at its ends, begins or ends with
   * CR, VT or FF (white space to Python's bytes.strip(), not to RFC 5234's WSP).
   */
  ctlEdgeFields?: string[];
}

export const DOMAINS = ['example.com', 'mail.example.org', 'esp.example.net'] as const;

const ASCII_WORDS = ['meeting', 'notes', 'Budget', 'Q3', 'plan', 're:', 'the', 'draft', '(fwd)', 'ok', 'A.B', 'x=1;', 'tomorrow'];
const UTF8_WORDS = ['Grüße', 'naïve', 'déjà', 'voilà', 'Zürich', '日本語', 'Ελλάδα', 'à'].map((w) => Buffer.from(w, 'utf8').toString('latin1'));
const LATIN1_WORDS = ['caf\xe9', 'Stra\xdfe', '\xa3100', 'ni\xf1o', 'fa\xe7ade'];
const SPACES = [' ', ' ', ' ', ' ', '  ', '\t', ' \t ', '   '];
const AFTER_COLON = ['', ' ', ' ', ' ', ' ', '  ', '\t', ' \t'];
const FOLDS = [' ', '\t', '    ', '\t '];
const CONTROL_EDGES = ['\x0b', '\x0c'];
const ABSENT_NAMES = ['reply-to', 'cc', 'x-absent', 'in-reply-to', 'references', 'sender', 'list-id'];
/** Names dkimpy refuses to sign (its SHOULD_NOT list). */
const UNSIGNABLE = new Set(['received', 'return-path', 'comments', 'keywords', 'bcc', 'resent-bcc', 'dkim-signature']);
/** The fields whose every instance a `verified` verdict requires signed (README, Verdicts). */
export const PROTECTED = ['from', 'subject', 'date', 'to', 'cc'];

function word(prng: Prng): string {
  const roll = prng.next();
  if (roll < 0.7) return prng.pick(ASCII_WORDS);
  if (roll < 0.9) return prng.pick(UTF8_WORDS);
  return prng.pick(LATIN1_WORDS);
}

function words(prng: Prng, min: number, max: number): string {
  const count = prng.int(min, max);
  let out = word(prng);
  for (let i = 1; i < count; i++) out += prng.pick(SPACES) + word(prng);
  return out;
}

function nameCase(prng: Prng, name: string): string {
  const roll = prng.next();
  if (roll < 0.7) return name;
  if (roll < 0.8) return name.toLowerCase();
  if (roll < 0.9) return name.toUpperCase();
  return [...name].map((c) => (prng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
}

interface FieldDraft {
  name: string;
  value: string;
}

function draftFields(prng: Prng): FieldDraft[] {
  const domain = prng.pick(DOMAINS);
  const drafts: FieldDraft[] = [];
  if (prng.chance(0.4)) drafts.push({ name: 'Received', value: `from relay.${domain} by mx.example.net; Thu, 4 May 2017 08:00:0${prng.int(0, 9)} +0000` });
  const display = prng.chance(0.3) ? `"${words(prng, 1, 2)}"` : words(prng, 1, 2);
  const body: FieldDraft[] = [
    { name: 'From', value: `${display} <alice@${domain}>` },
    ...(prng.chance(0.9) ? [{ name: 'To', value: `${words(prng, 1, 2)} <bob@press.example>` }] : []),
    ...(prng.chance(0.3) ? [{ name: 'Cc', value: `carol@press.example,${prng.pick(SPACES)}dan@press.example` }] : []),
    ...(prng.chance(0.9) ? [{ name: 'Subject', value: words(prng, 1, 9) }] : []),
    ...(prng.chance(0.9) ? [{ name: 'Date', value: `Thu, 04 May 2017 10:${String(prng.int(0, 59)).padStart(2, '0')}:00 +0200` }] : []),
    ...(prng.chance(0.8) ? [{ name: 'Message-ID', value: `<${prng.hex(12)}@${domain}>` }] : []),
    ...(prng.chance(0.5) ? [{ name: 'MIME-Version', value: '1.0' }, { name: 'Content-Type', value: `text/plain;${prng.pick(SPACES)}charset=utf-8` }] : []),
    ...(prng.chance(0.2) ? [{ name: 'Reply-To', value: `alice@${domain}` }] : []),
    ...(prng.chance(0.4) ? [{ name: 'X-Mailer', value: words(prng, 1, 3) }] : []),
    ...(prng.chance(0.3) ? [{ name: 'X-Note', value: words(prng, 2, 12) }] : []),
  ];
  // Mostly the usual order; sometimes shuffled (order matters for h= only through duplicates).
  if (prng.chance(0.2)) shuffle(prng, body);
  return [...drafts, ...body];
}

function shuffle<T>(prng: Prng, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = prng.int(0, i);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

function lineEnd(prng: Prng, eol: Eol | 'mixed'): string {
  return eol === 'mixed' ? prng.pick(['\r\n', '\n']) : eol;
}

function buildField(prng: Prng, draft: FieldDraft, eol: Eol | 'mixed', features: Set<string>): Field {
  let value = draft.value;
  if (prng.chance(0.15)) {
    value += prng.pick([' ', '\t', '  \t', '  ']);
    features.add('header-trailing-wsp');
  }
  if (prng.chance(0.006)) {
    // A value beginning or ending with a control byte that is not WSP: relaxed canonicalisation keeps it.
    const control = prng.pick(CONTROL_EDGES);
    value = prng.chance(0.5) ? value + control : control + value;
    features.add('header-ctl-edge');
  }
  if (prng.chance(0.02) && value.includes(' ')) {
    value = value.replace(' ', ' \r');
    features.add('header-lone-cr');
  }
  // Fold at white space: every space may become a line end followed by WSP.
  if (prng.chance(0.3)) {
    const foldChance = prng.next() * 0.6;
    value = value.replace(/ /g, (space) => (prng.chance(foldChance) ? lineEnd(prng, eol) + prng.pick(FOLDS) : space));
    if (value.includes('\n')) features.add('header-folded');
  }
  if (prng.chance(0.02)) {
    // obs-FWS: a continuation line of white space only (RFC 5322 §4.2).
    value = `${value}${lineEnd(prng, eol)} ${lineEnd(prng, eol)}\tend`;
    features.add('header-ws-only-line');
  }
  return { text: `${nameCase(prng, draft.name)}:${prng.pick(AFTER_COLON)}${value}`, eol: lineEnd(prng, eol) };
}

function bodyLine(prng: Prng, features: Set<string>): string {
  const roll = prng.next();
  if (roll < 0.12) return '';
  if (roll < 0.18) {
    features.add('body-ws-only-line');
    return prng.pick([' ', '\t', '  \t ', '   ']);
  }
  let line = words(prng, 1, 12);
  if (prng.chance(0.2)) {
    line += prng.pick([' ', '\t', '  ', ' \t']);
    features.add('body-trailing-wsp');
  }
  if (prng.chance(0.1)) line = prng.pick([' ', '\t', '  ']) + line;
  if (prng.chance(0.02)) {
    line = line.replace(' ', prng.pick(['\r', '\x0b', '\x0c', '\x00']));
    features.add('body-control-byte');
  }
  return line;
}

function buildBody(prng: Prng, eol: Eol | 'mixed', features: Set<string>): { separator: string; body: string } {
  const roll = prng.next();
  if (roll < 0.04) {
    features.add('body:no-separator');
    return { separator: '', body: '' };
  }
  const separator = lineEnd(prng, eol);
  if (roll < 0.1) {
    features.add('body:empty');
    return { separator, body: '' };
  }
  if (roll < 0.15) {
    features.add('body:only-line-ends');
    let body = '';
    for (let i = prng.int(1, 3); i > 0; i--) body += lineEnd(prng, eol);
    return { separator, body };
  }
  const lines: string[] = [];
  for (let i = prng.int(1, 8); i > 0; i--) lines.push(bodyLine(prng, features));
  let body = lines.map((line, i) => line + (i < lines.length - 1 ? lineEnd(prng, eol) : '')).join('');
  const ending = prng.next();
  if (ending < 0.15) {
    features.add('body:unterminated');
  } else if (ending < 0.3) {
    features.add('body:trailing-empty-lines');
    for (let i = prng.int(2, 4); i > 0; i--) body += lineEnd(prng, eol);
  } else {
    body += lineEnd(prng, eol);
  }
  return { separator, body };
}

function planSignature(prng: Prng, fields: Field[], keys: readonly KeyChoice[]): SignaturePlan {
  const key = prng.pick(keys);
  const present = [...new Set(fields.map((field) => nameOf(field)))].filter((name) => !UNSIGNABLE.has(name));
  const headers = ['from', ...present.filter((name) => name !== 'from' && prng.chance(0.7))];
  shuffle(prng, headers);
  if (prng.chance(0.3)) {
    // Over-signing: a name listed more often than it occurs forbids adding another instance.
    for (let i = prng.int(1, 2); i > 0; i--) headers.splice(prng.int(0, headers.length), 0, prng.pick(['from', 'subject', 'to', 'date', ...present]));
  }
  if (prng.chance(0.25)) {
    for (let i = prng.int(1, 2); i > 0; i--) {
      const absent = ABSENT_NAMES.filter((name) => !present.includes(name));
      headers.splice(prng.int(0, headers.length), 0, prng.pick(absent));
    }
  }
  const hText = prng.chance(0.25) ? headers.map((name) => nameCase(prng, name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase()))).join(prng.pick([':', ' : ', ': ', ' :'])) : null;
  return {
    key: key.id,
    keyKind: key.kind,
    domain: prng.pick(DOMAINS),
    selector: key.id,
    canon: [prng.pick(['simple', 'relaxed'] as const), prng.pick(['simple', 'relaxed'] as const)],
    headers,
    hText,
    length: prng.chance(0.2),
  };
}

const MUTATION_KINDS: readonly MutationKind[] = [
  'body-byte',
  'signed-header',
  'unsigned-header',
  'relaxed-ws-header',
  'relaxed-ws-body',
  'relaxed-ws-fold',
  'append-body',
  'duplicate-above',
  'duplicate-below',
  'eol-flip',
  'signature-trailing-ws',
];
/** Mutations that make dkimpy's parser reject the message: rarer, so most cases stay comparable. */
const REJECTED_KINDS: readonly MutationKind[] = ['ws-before-colon', 'junk-header-line'];

/** Case `index` of `seed`: the unsigned message and its plans. `keys` must be the same list every run. */
export function generateCase(seed: string, index: number, keys: readonly KeyChoice[]): FuzzCase {
  const prng = createPrng(`${seed}#${index}`);
  const eolRoll = prng.next();
  const eol: Eol | 'mixed' = eolRoll < 0.55 ? '\r\n' : eolRoll < 0.93 ? '\n' : 'mixed';
  const features = new Set<string>();
  const fields = draftFields(prng).map((draft) => buildField(prng, draft, eol, features));
  const { separator, body } = buildBody(prng, eol, features);
  const signatureCount = prng.chance(0.6) ? 1 : prng.chance(0.7) ? 2 : 3;
  const signatures = Array.from({ length: signatureCount }, () => planSignature(prng, fields, keys));
  const mutationCount = prng.chance(0.35) ? 0 : prng.chance(0.7) ? 1 : 2;
  const plannedMutations = Array.from({ length: mutationCount }, () => (prng.chance(0.06) ? prng.pick(REJECTED_KINDS) : prng.pick(MUTATION_KINDS)));
  return { seed, index, eol, features: [...features].sort(), fields, separator, body, signatures, plannedMutations, mutations: [] };
}

export function unsignedMessage(fuzzCase: FuzzCase): Buffer {
  return Buffer.from(fuzzCase.fields.map((field) => field.text + field.eol).join('') + fuzzCase.separator + fuzzCase.body, 'latin1');
}

/** The line end dkimpy should fold its DKIM-Signature with: the message's own. */
export function signingLinesep(fuzzCase: FuzzCase): Eol {
  return fuzzCase.eol === 'mixed' ? '\r\n' : fuzzCase.eol;
}

function unfoldedValue(field: Field): string {
  return (field.text + field.eol)
    .slice(field.text.indexOf(':') + 1)
    .replace(/\r?\n/g, '')
    .replace(/^[ \t]+|[ \t]+$/g, '');
}

export function nameOf(field: Field): string {
  const colon = field.text.indexOf(':');
  return colon < 0 ? '' : field.text.slice(0, colon).trimEnd().toLowerCase();
}

/** The message after signing, taken apart again so mutations can edit it. */
export interface SignedParts {
  /** The DKIM-Signature fields dkimpy prepended, one string each (with its line end). */
  signatureFields: string[];
  fields: Field[];
  separator: string;
  body: string;
}

export function splitSigned(fuzzCase: FuzzCase, signed: Buffer): SignedParts {
  const unsigned = unsignedMessage(fuzzCase);
  const prefix = signed.subarray(0, signed.length - unsigned.length).toString('latin1');
  const signatureFields = prefix.split(/(?=^DKIM-Signature:)/m).filter((text) => text !== '');
  return { signatureFields, fields: fuzzCase.fields.map((field) => ({ ...field })), separator: fuzzCase.separator, body: fuzzCase.body };
}

export function joinParts(parts: SignedParts): Buffer {
  return Buffer.from(parts.signatureFields.join('') + parts.fields.map((field) => field.text + field.eol).join('') + parts.separator + parts.body, 'latin1');
}

/** Top-to-bottom signature indexes whose h= selects fields[index] (RFC 6376 §5.4.2: instances from the bottom). */
export function signersOf(fields: readonly Field[], index: number, signatures: readonly SignaturePlan[]): number[] {
  const name = nameOf(fields[index]!);
  const below = fields.slice(index).filter((field) => nameOf(field) === name).length; // 1 = bottom-most
  return signatures.flatMap((signature, i) => (signature.headers.filter((h) => h === name).length >= below ? [i] : []));
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function changeLetter(prng: Prng, text: string, from: number): string | null {
  const positions: number[] = [];
  for (let i = from; i < text.length; i++) if (/[A-Za-z0-9]/.test(text[i]!)) positions.push(i);
  if (positions.length === 0) return null;
  const at = prng.pick(positions);
  const replacement = LETTERS[(LETTERS.indexOf(text[at]!.toLowerCase()) + 1 + prng.int(0, 20)) % 26]!;
  return text.slice(0, at) + (replacement === text[at] ? 'Q' : replacement) + text.slice(at + 1);
}

/**
 * Applies the case's planned mutations to the signed parts, recording each in `fuzzCase.mutations`.
 * Draws from its own PRNG stream, so the mutations do not shift the generation of later cases.
 */
export function mutate(fuzzCase: FuzzCase, parts: SignedParts): SignedParts {
  const prng = createPrng(`${fuzzCase.seed}#${fuzzCase.index}/mutations`);
  fuzzCase.mutations = [];
  for (const kind of fuzzCase.plannedMutations) fuzzCase.mutations.push(applyMutation(prng, kind, fuzzCase, parts));
  fuzzCase.finalBody = parts.body;
  fuzzCase.ctlEdgeFields = parts.fields.filter((field) => /^[\r\x0b\x0c]|[\r\x0b\x0c]$/.test(unfoldedValue(field))).map(nameOf);
  return parts;
}

function pickField(prng: Prng, parts: SignedParts, fuzzCase: FuzzCase, wanted: (signers: number[], field: Field) => boolean): number | null {
  const candidates = parts.fields.flatMap((field, i) => (wanted(signersOf(parts.fields, i, fuzzCase.signatures), field) ? [i] : []));
  return candidates.length === 0 ? null : prng.pick(candidates);
}

function fieldMutation(kind: MutationKind, parts: SignedParts, fuzzCase: FuzzCase, index: number, detail: string): Mutation {
  return { kind, detail, name: nameOf(parts.fields[index]!), signedBy: signersOf(parts.fields, index, fuzzCase.signatures) };
}

function applyMutation(prng: Prng, kind: MutationKind, fuzzCase: FuzzCase, parts: SignedParts): Mutation {
  const eol = signingLinesep(fuzzCase);
  switch (kind) {
    case 'body-byte': {
      const changed = changeLetter(prng, parts.body, 0);
      if (changed !== null) {
        parts.body = changed;
        return { kind, detail: 'a letter of the body changed' };
      }
      parts.body = 'X' + parts.body;
      if (parts.separator === '') parts.separator = eol;
      return { kind, detail: 'an X inserted at the start of a body without letters' };
    }
    case 'signed-header':
    case 'unsigned-header': {
      const index = pickField(prng, parts, fuzzCase, (signers) => (kind === 'signed-header' ? signers.length > 0 : signers.length === 0));
      if (index === null) {
        parts.fields.splice(prng.int(0, parts.fields.length), 0, { text: 'X-Added: unsigned', eol });
        return { kind, detail: 'X-Added field inserted', name: 'x-added', signedBy: [] };
      }
      const field = parts.fields[index]!;
      const mutation = fieldMutation(kind, parts, fuzzCase, index, `value of ${nameOf(field)} changed`);
      field.text = changeLetter(prng, field.text, field.text.indexOf(':') + 1) ?? `${field.text}x`;
      return mutation;
    }
    case 'relaxed-ws-header': {
      const index = prng.int(0, parts.fields.length - 1);
      const field = parts.fields[index]!;
      const colon = field.text.indexOf(':');
      const spaces = [...field.text.matchAll(/ /g)].map((m) => m.index!).filter((i) => i > colon);
      const variant = spaces.length > 0 ? prng.pick(['inner', 'after-colon', 'end']) : prng.pick(['after-colon', 'end']);
      const mutation = fieldMutation(kind, parts, fuzzCase, index, `white space added (${variant}) in ${nameOf(field)}`);
      if (variant === 'inner') {
        const at = prng.pick(spaces);
        field.text = field.text.slice(0, at) + prng.pick(['  ', ' \t', '\t']) + field.text.slice(at + 1);
      } else if (variant === 'after-colon') {
        field.text = field.text.slice(0, colon + 1) + prng.pick([' ', '\t', '  ']) + field.text.slice(colon + 1);
      } else {
        field.text += prng.pick([' ', '\t', ' \t']);
      }
      return mutation;
    }
    case 'relaxed-ws-fold': {
      const candidates = parts.fields.flatMap((field, i) => (/\S [^\s]/.test(field.text.slice(field.text.indexOf(':') + 1)) ? [i] : []));
      if (candidates.length === 0) return { kind, detail: 'no field to fold' };
      const index = prng.pick(candidates);
      const field = parts.fields[index]!;
      const colon = field.text.indexOf(':');
      const spaces = [...field.text.matchAll(/ /g)].map((m) => m.index!).filter((i) => i > colon + 1);
      const at = prng.pick(spaces);
      const mutation = fieldMutation(kind, parts, fuzzCase, index, `${nameOf(field)} folded`);
      field.text = field.text.slice(0, at) + eol + prng.pick(FOLDS) + field.text.slice(at + 1);
      return mutation;
    }
    case 'relaxed-ws-body': {
      const lines = parts.body.split(/(?<=\n)/);
      const textLines = lines.flatMap((line, i) => (/[^\s]/.test(line) ? [i] : []));
      if (textLines.length === 0) {
        parts.body += eol;
        return { kind, detail: 'an empty line appended at the end of the body' };
      }
      const i = prng.pick(textLines);
      const line = lines[i]!;
      const end = line.endsWith('\r\n') ? line.length - 2 : line.endsWith('\n') ? line.length - 1 : line.length;
      const variant = prng.pick(['line-end', 'inner']);
      const space = line.indexOf(' ');
      if (variant === 'inner' && space >= 0 && space < end) {
        lines[i] = line.slice(0, space) + prng.pick(['  ', '\t', ' \t ']) + line.slice(space + 1);
      } else {
        lines[i] = line.slice(0, end) + prng.pick([' ', '\t', '  ']) + line.slice(end);
      }
      parts.body = lines.join('');
      return { kind, detail: `white space added in a body line (${variant})` };
    }
    case 'append-body': {
      const terminated = parts.body === '' || parts.body.endsWith('\n');
      parts.body += `${terminated ? '' : eol}Appended after signing.${eol}`;
      if (parts.separator === '') parts.separator = eol;
      return { kind, detail: 'a line appended to the body' };
    }
    case 'duplicate-above':
    case 'duplicate-below': {
      const index = pickField(prng, parts, fuzzCase, (signers, field) => signers.length > 0 && PROTECTED.includes(nameOf(field)));
      if (index === null) return { kind, detail: 'no signed protected field to duplicate' };
      const field = parts.fields[index]!;
      const name = field.text.slice(0, field.text.indexOf(':'));
      const mutation = fieldMutation(kind, parts, fuzzCase, index, `${nameOf(field)} duplicated ${kind === 'duplicate-above' ? 'above' : 'below'}`);
      const forged = { text: `${name}: ${nameOf(field) === 'from' ? 'Mallory <mallory@attacker.example>' : 'forged value'}`, eol: field.eol };
      parts.fields.splice(kind === 'duplicate-above' ? index : index + 1, 0, forged);
      return mutation;
    }
    case 'eol-flip': {
      const whole = joinParts(parts).toString('latin1');
      const toLf = !/(^|[^\r])\n/.test(whole);
      const flip = (text: string) => (toLf ? text.replace(/\r\n/g, '\n') : text.replace(/\r?\n/g, '\r\n'));
      parts.signatureFields = parts.signatureFields.map(flip);
      parts.fields = parts.fields.map((field) => ({ text: flip(field.text), eol: flip(field.eol) }));
      parts.separator = flip(parts.separator);
      parts.body = flip(parts.body);
      return { kind, detail: toLf ? 'CRLF turned into LF' : 'LF turned into CRLF' };
    }
    case 'signature-trailing-ws': {
      const which = prng.int(0, parts.signatureFields.length - 1);
      parts.signatureFields[which] = parts.signatureFields[which]!.replace(/(\r?\n)$/, `${prng.pick([' ', '\t', '  '])}$1`);
      return { kind, detail: `white space added at the end of DKIM-Signature ${which}`, name: 'dkim-signature', signedBy: [which] };
    }
    case 'ws-before-colon': {
      const index = prng.pick(parts.fields.flatMap((field, i) => (nameOf(field) === '' ? [] : [i])));
      const field = parts.fields[index]!;
      const mutation = fieldMutation(kind, parts, fuzzCase, index, `white space before the colon of ${nameOf(field)}`);
      const colon = field.text.indexOf(':');
      field.text = field.text.slice(0, colon) + prng.pick([' ', '\t', '  ']) + field.text.slice(colon);
      return mutation;
    }
    case 'junk-header-line': {
      const at = prng.int(1, parts.fields.length);
      parts.fields.splice(at, 0, { text: 'this line is neither a field nor a continuation', eol });
      return { kind, detail: `a line that is not a field inserted before header ${at}` };
    }
  }
}
