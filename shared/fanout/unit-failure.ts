import type { Locator } from '../dump/entry.ts';
import { entryRecordOf } from '../pipeline/entry-record.ts';
import type { EntryRecord } from '../ports/verdict-store.ts';
import type { WorkUnit } from './work-units.ts';

/** Where a unit's entry lives in the dump: the same locator its entry would have had. */
export function unitLocator(unit: WorkUnit): Locator {
  switch (unit.kind) {
    case 'zip-member':
      return { path: unit.member.name };
    case 'mbox-range':
      return { path: unit.path, offset: unit.offset, length: unit.length };
    case 'object':
    case 'document':
      return unit.locator;
    case 'entry':
      return unit.entry.locator;
  }
}

/** The entry stored for a unit that could not be processed; an entry the splitter already decided stays as it was. */
export function unitFailureRecord(unit: WorkUnit, reason: string): EntryRecord {
  if (unit.kind === 'entry') return entryRecordOf(unit.entry);
  return { kind: 'error', locator: unitLocator(unit), sha256: null, detail: reason };
}
