/**
 * The differential harness: builds the seeded cases, has dkimpy sign them (one process), mutates them, has
 * dkimpy verify them (one process), and compares a verifier's per-signature answers with dkimpy's, each
 * disagreement either matched to an allowed class (allowed-disagreements.ts) or reported by a class derived
 * from the case's parameters.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicKeyRecord } from '../../shared/dkim/sign.ts';
import { dkimpySignBatch, dkimpySigningKey, dkimpyVerifyBatch, type SigningKeySpec } from '../helpers/dkimpy-batch.ts';
import { allowedDisagreement, type SignatureComparison } from './allowed-disagreements.ts';
import {
  DOMAINS,
  generateCase,
  joinParts,
  mutate,
  signingLinesep,
  splitSigned,
  unsignedMessage,
  type FuzzCase,
  type KeyChoice,
} from './fuzz-cases.ts';

/** dkimpy signs at this clock and both sides verify at it, so t= is never in the future nor x= past. */
export const FUZZ_CLOCK = Date.parse('2017-05-04T08:00:00Z') / 1000;

export interface FuzzKeys {
  choices: KeyChoice[];
  signing: Record<string, SigningKeySpec>;
  /** "selector._domainkey.domain" → TXT record, for every key under every domain. */
  records: Record<string, string>;
}

/** Keys made now, never committed: RSA 1024 and 2048, and Ed25519 when dkimpy can sign with it. */
export function makeFuzzKeys(withEd25519: boolean): FuzzKeys {
  const pairs = [
    { id: 'rsa1024', kind: 'rsa' as const, pair: generateKeyPairSync('rsa', { modulusLength: 1024 }) },
    { id: 'rsa2048', kind: 'rsa' as const, pair: generateKeyPairSync('rsa', { modulusLength: 2048 }) },
    ...(withEd25519 ? [{ id: 'ed25519', kind: 'ed25519' as const, pair: generateKeyPairSync('ed25519') }] : []),
  ];
  const records: Record<string, string> = {};
  for (const { id, pair } of pairs) for (const domain of DOMAINS) records[`${id}._domainkey.${domain}`] = publicKeyRecord(pair.publicKey);
  return {
    choices: pairs.map(({ id, kind }) => ({ id, kind })),
    signing: Object.fromEntries(pairs.map(({ id, pair }) => [id, dkimpySigningKey(pair.privateKey)])),
    records,
  };
}

export interface BuiltCase {
  fuzzCase: FuzzCase;
  /** The signed and mutated message both sides verify. */
  message: Buffer;
  /** The same with the header section repaired (`ws-before-colon`, `junk-header-line` undone), if it had either. */
  repaired: Buffer | null;
}

export interface DkimpyAnswers {
  parseError: string | null;
  signatures: boolean[];
  reasons: (string | null)[];
  repaired: boolean[] | null;
}

/** Cases [0, count) of `seed`, signed by dkimpy and mutated. A case dkimpy could not sign is left out, counted. */
export function buildCases(seed: string, count: number, keys: FuzzKeys): { cases: BuiltCase[]; unsignable: { index: number; error: string }[] } {
  const planned = Array.from({ length: count }, (_, index) => generateCase(seed, index, keys.choices));
  const jobs = planned.map((fuzzCase) => ({
    message: unsignedMessage(fuzzCase),
    linesep: signingLinesep(fuzzCase),
    // dkimpy prepends each signature: sign bottom first so the plan reads top to bottom.
    signatures: [...fuzzCase.signatures].reverse().map((s) => ({ key: s.key, domain: s.domain, selector: s.selector, canon: s.canon, headers: s.headers, hText: s.hText, length: s.length })),
  }));
  const signed = dkimpySignBatch(jobs, keys.signing, FUZZ_CLOCK);
  const cases: BuiltCase[] = [];
  const unsignable: { index: number; error: string }[] = [];
  signed.forEach((result, i) => {
    const fuzzCase = planned[i]!;
    if ('error' in result) {
      unsignable.push({ index: fuzzCase.index, error: result.error });
      return;
    }
    const parts = mutate(fuzzCase, splitSigned(fuzzCase, result.message));
    const message = joinParts(parts);
    const repaired = fuzzCase.mutations.some((m) => m.kind === 'ws-before-colon' || m.kind === 'junk-header-line') ? repairHeader(parts) : null;
    cases.push({ fuzzCase, message, repaired });
  });
  return { cases, unsignable };
}

/** The message as dkimpy's parser would take it: no WSP before a colon, no line that is not a field. */
function repairHeader(parts: ReturnType<typeof splitSigned>): Buffer {
  const fields = parts.fields
    .filter((field) => field.text.includes(':'))
    .map((field) => ({ ...field, text: field.text.replace(/^([\x21-\x39\x3b-\x7e]+)[ \t]+:/, '$1:') }));
  return joinParts({ ...parts, fields });
}

export function dkimpyAnswers(cases: readonly BuiltCase[], keys: FuzzKeys): DkimpyAnswers[] {
  const repairedIndexes = cases.flatMap((built, i) => (built.repaired ? [i] : []));
  const messages = [...cases.map((built) => built.message), ...repairedIndexes.map((i) => cases[i]!.repaired!)];
  const results = dkimpyVerifyBatch(messages, keys.records, FUZZ_CLOCK);
  const repairedByCase = new Map(repairedIndexes.map((caseIndex, k) => [caseIndex, results[cases.length + k]!]));
  return cases.map((_, i) => {
    const result = results[i]!;
    const repaired = repairedByCase.get(i);
    return {
      parseError: result.parseError,
      signatures: result.signatures.map((s) => s.pass),
      reasons: result.signatures.map((s) => s.reason),
      repaired: repaired ? repaired.signatures.map((s) => s.pass) : null,
    };
  });
}

/** A verifier under test: per DKIM-Signature, top to bottom, did it verify? */
export type PerSignatureVerifier = (message: Buffer) => Promise<boolean[]>;

export interface Disagreement {
  comparison: SignatureComparison;
  /** The allowed class's id, or null: unexpected. */
  allowed: string | null;
  /** A class derived from the case's parameters, for grouping what is not allowed. */
  derivedClass: string;
  dkimpyReason: string | null;
}

export interface ComparisonReport {
  cases: number;
  signatures: number;
  agreements: number;
  disagreements: Disagreement[];
  /** Our verifier found a different number of signatures than the plan (never expected). */
  countMismatches: { index: number; ours: number; planned: number }[];
}

export async function compareWith(verifier: PerSignatureVerifier, cases: readonly BuiltCase[], answers: readonly DkimpyAnswers[]): Promise<ComparisonReport> {
  const report: ComparisonReport = { cases: cases.length, signatures: 0, agreements: 0, disagreements: [], countMismatches: [] };
  for (let i = 0; i < cases.length; i++) {
    const { fuzzCase, message } = cases[i]!;
    const dkimpy = answers[i]!;
    const ours = await verifier(message);
    const planned = fuzzCase.signatures.length;
    if (ours.length !== planned) report.countMismatches.push({ index: fuzzCase.index, ours: ours.length, planned });
    for (let s = 0; s < planned; s++) {
      report.signatures++;
      // A message dkimpy cannot parse verifies no signature, as the corpora record it.
      const comparison: SignatureComparison = {
        fuzzCase,
        signature: s,
        ours: ours[s] ?? false,
        dkimpy: dkimpy.parseError === null ? (dkimpy.signatures[s] ?? false) : false,
        dkimpyParseError: dkimpy.parseError,
        dkimpyRepaired: dkimpy.repaired ? (dkimpy.repaired[s] ?? false) : null,
      };
      if (comparison.ours === comparison.dkimpy) {
        report.agreements++;
        continue;
      }
      report.disagreements.push({
        comparison,
        allowed: allowedDisagreement(comparison)?.id ?? null,
        derivedClass: deriveClass(comparison),
        dkimpyReason: dkimpy.parseError ?? dkimpy.reasons[s] ?? null,
      });
    }
  }
  return report;
}

/**
 * A class from the case's parameters: who passes, the signature's c=, the mutations (kind and whether they
 * touched a field this signature selects) and the unsigned message's features. Coarse enough to group.
 */
export function deriveClass({ fuzzCase, signature, ours }: SignatureComparison): string {
  const plan = fuzzCase.signatures[signature]!;
  const mutations = fuzzCase.mutations.map((m) => (m.signedBy === undefined ? m.kind : `${m.kind}(${m.name}${m.signedBy.includes(signature) ? ',signed' : ''})`));
  const parts = [
    ours ? 'ours-pass' : 'dkimpy-pass',
    `c=${plan.canon.join('/')}`,
    ...(plan.length ? ['l='] : []),
    ...(mutations.length > 0 ? mutations : ['unmutated']),
    ...fuzzCase.features.filter((f) => !['header-folded', 'header-trailing-wsp', 'body-trailing-wsp', 'body-ws-only-line'].includes(f)),
    `eol=${fuzzCase.eol === '\r\n' ? 'crlf' : fuzzCase.eol === '\n' ? 'lf' : 'mixed'}`,
  ];
  return parts.join(' ');
}

/** Counts per allowed class and per unexpected class, one line each, for the test output. */
export function summarise(report: ComparisonReport): string {
  const counts = new Map<string, number>();
  for (const d of report.disagreements) {
    const key = d.allowed ? `allowed  ${d.allowed}` : `UNEXPECTED ${d.derivedClass}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const lines = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => `  ${String(n).padStart(5)}  ${key}`);
  return [
    `differential vs dkimpy: ${report.cases} cases, ${report.signatures} signatures, ${report.agreements} agree, ${report.disagreements.length} disagree`,
    ...lines,
  ].join('\n');
}

/** A disagreement in full: enough to rebuild it (seed, index) and to read it. */
export function describeDisagreement(d: Disagreement, message: Buffer): string {
  const { fuzzCase, signature } = d.comparison;
  return [
    `case ${fuzzCase.seed}#${fuzzCase.index} signature ${signature}: ours ${d.comparison.ours ? 'pass' : 'fail'}, dkimpy ${d.comparison.dkimpy ? 'pass' : 'fail'} (${d.dkimpyReason ?? ''})`,
    `  class: ${d.derivedClass}`,
    `  signatures: ${JSON.stringify(fuzzCase.signatures)}`,
    `  mutations: ${JSON.stringify(fuzzCase.mutations)}`,
    `  message: ${JSON.stringify(message.toString('latin1').slice(0, 3000))}`,
  ].join('\n');
}

/** Writes each unexpected class's first case as .eml plus keys.json (for notes, never into the repo). */
export function writeExamples(directory: string, report: ComparisonReport, cases: readonly BuiltCase[], keys: FuzzKeys): string[] {
  mkdirSync(directory, { recursive: true });
  const byIndex = new Map(cases.map((built) => [built.fuzzCase.index, built]));
  const seen = new Set<string>();
  const written: string[] = [];
  writeFileSync(join(directory, 'keys.json'), JSON.stringify(keys.records, null, 1));
  for (const d of report.disagreements) {
    const key = d.allowed ?? d.derivedClass;
    if (seen.has(key)) continue;
    seen.add(key);
    const built = byIndex.get(d.comparison.fuzzCase.index)!;
    const name = `case-${built.fuzzCase.index}-sig${d.comparison.signature}`;
    writeFileSync(join(directory, `${name}.eml`), built.message);
    writeFileSync(join(directory, `${name}.txt`), `${describeDisagreement(d, built.message)}\n`);
    written.push(name);
  }
  return written;
}
