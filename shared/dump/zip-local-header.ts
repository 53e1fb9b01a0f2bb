/** A zip local file header's fixed part: what tells where a member's name, extra field and data lie. */
export const LOCAL_HEADER_SIGNATURE = 0x04034b50;
export const LOCAL_HEADER_BYTES = 30;

/** The lengths of the name and the extra field that follow the fixed part, which `fixed` holds whole. */
export function variableLengths(fixed: Buffer): { nameLength: number; extraLength: number } {
  return { nameLength: fixed.readUInt16LE(26), extraLength: fixed.readUInt16LE(28) };
}
