/**
 * A DNS resolver for mailauth that answers from keys.jsonl: the mailauth side of the benchmark (and the
 * generator's tests) must see exactly the keys leakproof ingest imports, and never the network.
 */
import { readFileSync } from 'node:fs';

interface KeyLine {
  domain: string;
  selector: string;
  value: string;
}

export type TxtResolver = (name: string, type: string) => Promise<string[][]>;

export function resolverFromKeyLines(lines: readonly KeyLine[]): TxtResolver {
  const records = new Map<string, string[]>();
  for (const { domain, selector, value } of lines) {
    const name = `${selector}._domainkey.${domain}`.toLowerCase();
    records.set(name, [...(records.get(name) ?? []), value]);
  }
  return async (name, type) => {
    const values = type === 'TXT' ? records.get(name.toLowerCase().replace(/\.$/, '')) : undefined;
    if (!values) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    // As DNS returns them: each record a list of character-strings of at most 255 bytes.
    return values.map((value) => value.match(/.{1,255}/g) ?? ['']);
  };
}

export function resolverFromKeysFile(path: string): TxtResolver {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as KeyLine);
  return resolverFromKeyLines(lines);
}
