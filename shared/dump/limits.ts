/** Bounds that keep a hostile or broken dump from exhausting memory or recursing forever. */

/**
 * Messages are held whole, one at a time; anything claiming to be a larger message (a mis-named video, a zip
 * bomb, an mbox with no "From " lines) is reported as an error instead of being read into memory.
 */
export const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;

/** Containers inside containers ("a.zip!/b.zip!/c.zip!/…") deeper than this are not opened: zip quines exist. */
export const MAX_CONTAINER_DEPTH = 10;
