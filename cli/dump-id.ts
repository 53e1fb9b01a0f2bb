/** Finds a dump by its id or an unambiguous prefix of it (as git does with commits); undefined when none is asked for. */
export async function findDumpId(store: { listDumps(): Promise<readonly { id: string }[]> }, prefix: string | undefined): Promise<string | undefined> {
  if (prefix === undefined) return undefined;
  const matches = (await store.listDumps()).filter((dump) => dump.id.startsWith(prefix.toLowerCase()));
  if (matches.length === 1) return matches[0]!.id;
  throw new Error(matches.length === 0 ? `no dump with id ${prefix}` : `dump id ${prefix} is ambiguous (${matches.length} dumps)`);
}
