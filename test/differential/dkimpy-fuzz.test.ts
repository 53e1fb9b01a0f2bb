/**
 * Differential fuzzing against dkimpy (Debian's python3-dkim): FUZZ_CASES seeded messages, signed by dkimpy
 * with varied c=, h=, l=, keys and 1–3 signatures, then mutated; every signature's pass/fail from our verifier
 * must equal dkimpy's, except in the classes listed in allowed-disagreements.ts, where RFC 6376 says dkimpy
 * is wrong. Skipped when python3-dkim is missing.
 *
 * Reproduce a case: generateCase(FUZZ_SEED, index, keys.choices) rebuilds it (keys differ per run, the case
 * does not); set LEAKPROOF_DIFF_EXAMPLES=<dir> to write one .eml per disagreement class with keys.json.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { MessageVerdict } from '../../shared/verdict/contract.ts';
import { verifyMessage } from '../../shared/verify/verify-message.ts';
import { dkimpyBatchAvailable, dkimpyEd25519Available } from '../helpers/dkimpy-batch.ts';
import { staticResolver } from '../helpers/keys.ts';
import { generateCase, PROTECTED } from './fuzz-cases.ts';
import {
  buildCases,
  compareWith,
  describeDisagreement,
  dkimpyAnswers,
  FUZZ_CLOCK,
  makeFuzzKeys,
  summarise,
  writeExamples,
  type BuiltCase,
  type DkimpyAnswers,
  type FuzzKeys,
} from './harness.ts';

export const FUZZ_CASES = 2000;
export const FUZZ_SEED = 'leakproof-differential-1';
/** The can-it-fail check runs a stub over this many cases (every answer "pass"). */
const STUB_CASES = 300;

describe.skipIf(!dkimpyBatchAvailable)('differential fuzzing against dkimpy', () => {
  let keys: FuzzKeys;
  let cases: BuiltCase[];
  let answers: DkimpyAnswers[];
  let unsignable: { index: number; error: string }[];

  beforeAll(() => {
    keys = makeFuzzKeys(dkimpyEd25519Available);
    ({ cases, unsignable } = buildCases(FUZZ_SEED, FUZZ_CASES, keys));
    answers = dkimpyAnswers(cases, keys);
  });

  it('builds the same case from the same seed and index, and dkimpy signs every one', () => {
    expect(generateCase(FUZZ_SEED, 17, keys.choices)).toEqual(generateCase(FUZZ_SEED, 17, keys.choices));
    expect(generateCase(FUZZ_SEED, 17, keys.choices)).not.toEqual(generateCase(FUZZ_SEED, 18, keys.choices));
    expect(unsignable).toEqual([]);
    expect(cases).toHaveLength(FUZZ_CASES);
  });

  it(`agrees with dkimpy on every signature of ${FUZZ_CASES} messages, but where RFC 6376 says dkimpy is wrong`, async () => {
    const resolver = staticResolver(keys.records);
    const at = new Date(FUZZ_CLOCK * 1000);
    const verdicts = new Map<Buffer, MessageVerdict>();
    const report = await compareWith(
      async (message) => {
        const verdict = await verifyMessage({ bytes: message }, resolver, at);
        verdicts.set(message, verdict);
        return verdict.signatures.map((signature) => signature.status === 'pass');
      },
      cases,
      answers,
    );
    console.log(summarise(report));
    if (process.env.LEAKPROOF_DIFF_EXAMPLES) writeExamples(process.env.LEAKPROOF_DIFF_EXAMPLES, report, cases, keys);

    expect(report.signatures).toBeGreaterThanOrEqual(FUZZ_CASES);
    expect(report.countMismatches).toEqual([]);
    const byIndex = new Map(cases.map((built) => [built.fuzzCase.index, built]));
    const unexpected = report.disagreements.filter((d) => d.allowed === null);
    const shown = unexpected.slice(0, 5).map((d) => describeDisagreement(d, byIndex.get(d.comparison.fuzzCase.index)!.message));
    expect.soft(unexpected.length, `${summarise(report)}\n\n${shown.join('\n\n')}`).toBe(0);

    // Where we pass and dkimpy does not over an extra From or a line that is no field, our pass must not become
    // `verified`: the verdict must admit the unsigned instance or the line that readers take differently.
    const admitted = (kinds: string[], names: readonly string[] | null) =>
      cases.filter((built) => built.fuzzCase.mutations.some((m) => kinds.includes(m.kind) && (names === null || names.includes(m.name ?? ''))));
    const duplicated = admitted(['duplicate-above', 'duplicate-below'], PROTECTED);
    const junk = admitted(['junk-header-line'], null);
    expect(duplicated.length).toBeGreaterThan(50);
    expect(junk.length).toBeGreaterThan(10);
    const verifiedAnyway = [...duplicated, ...junk].filter((built) => verdicts.get(built.message)!.verdict === 'verified').map((built) => built.fuzzCase.index);
    expect(verifiedAnyway).toEqual([]);
  });

  it('can fail: a verifier that passes every signature disagrees outside the allow-list', async () => {
    const some = cases.slice(0, STUB_CASES);
    const report = await compareWith(async (message) => cases.find((built) => built.message === message)!.fuzzCase.signatures.map(() => true), some, answers.slice(0, STUB_CASES));
    const unexpected = report.disagreements.filter((d) => d.allowed === null);
    expect(unexpected.length).toBeGreaterThan(STUB_CASES / 10);
    // And the classes it lands in are the mutations that break signatures.
    expect(new Set(unexpected.map((d) => d.derivedClass.split(' ')[0]))).toEqual(new Set(['ours-pass']));
  });
});
