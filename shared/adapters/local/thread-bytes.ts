/**
 * Bytes crossing between the reading thread and the verification workers. postMessage clones a typed array's
 * whole ArrayBuffer, not just its view, unless the buffer is transferred; and a buffer's memory goes back to the
 * allocator only when the thread that last held it collects it, unless it is released here.
 */

/**
 * The bytes in an ArrayBuffer of their own, to be moved to another thread rather than cloned. A message read from
 * an mbox is a view into a 1 MiB read, and a small Buffer a view into Node's shared 8 KB pool: cloning the view
 * copies its whole buffer (every mbox message cost a megabyte of copying until this). The sender does not touch
 * the bytes after handing them over.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

export function transferable(bytes: Uint8Array): ArrayBuffer[] {
  return bytes.buffer instanceof ArrayBuffer ? [bytes.buffer] : [];
}

/**
 * Frees a message's memory now: detaches its ArrayBuffer, which drops the backing store at once. Otherwise it
 * waits for the worker's next garbage collection, which V8 schedules by heap size, not by the megabytes of
 * message bytes waiting: each worker's malloc arena grew to ~50 MB of dead messages. Only bytes that own their
 * whole buffer are released, and never one of Node's pooled slabs, which other small Buffers share; the caller
 * must hold no other view of them.
 */
export function release(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  // A detached buffer has no bytes left, so the size test also skips one released before.
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength <= Buffer.poolSize) return;
  if (bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) (buffer as Es2024ArrayBuffer).transfer(0);
}

/** ES2024's ArrayBuffer.prototype.transfer: Node 22 has it, the project's type library (ES2023) not yet. */
type Es2024ArrayBuffer = ArrayBuffer & { transfer(newByteLength: number): ArrayBuffer };
