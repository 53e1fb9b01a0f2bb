/** "250m", "1g", "50k", "1536000" → bytes (powers of 1000 for m/g, as "a 250 MB dump" means; k is 1024). */
export function parseByteSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(text.trim());
  if (!match) throw new Error(`not a size: "${text}" (try 250m, 1g, 50k)`);
  const unit = match[2]!.toLowerCase();
  const factor = unit === 'g' ? 1e9 : unit === 'm' ? 1e6 : unit === 'k' ? 1024 : 1;
  return Math.round(Number(match[1]) * factor);
}
