/**
 * "Does bytes [start, end) hold this needle?", asked line after line down one buffer. Each native search's result
 * is kept until the scan passes it, so the whole walk costs one pass over the buffer, not one search per line
 * (a search from every line to the far end would be quadratic).
 */
export class NextOccurrence {
  private readonly buffer: Buffer;
  private readonly needle: number | Buffer;
  private next = -2;
  constructor(buffer: Buffer, needle: number | Buffer) {
    this.buffer = buffer;
    this.needle = needle;
  }
  within(start: number, end: number): boolean {
    if (this.next !== -1 && this.next < start) this.next = this.buffer.indexOf(this.needle, start);
    return this.next !== -1 && this.next < end;
  }
}
