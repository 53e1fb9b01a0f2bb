/**
 * Caps on what one message's MIME structure can make the walker and the decoders do. Each protects a cost the
 * message's author controls; reaching one ends the walk (or the inventory) with a note saying which, never a
 * throw. Real mail sits far below each.
 */

/** Parts (containers and leaves) walked per message. Real mail has 1–30; 10,000 tiny parts is an attack. */
export const MAX_MIME_PARTS = 256;

/** Multipart nesting. Real mail nests 2–4 deep (mixed > alternative > related); 1,000 deep is an attack. */
export const MAX_MIME_DEPTH = 16;

/**
 * Decoded bytes per message, all parts together. A message is at most 32 MiB (MAX_MESSAGE_BYTES) and decoding
 * never grows base64 or quoted-printable, so this is a backstop against a walker that ever counts a byte twice.
 */
export const MAX_DECODED_BYTES = 64 * 1024 * 1024;

/**
 * A part's header section, read before its body. The root's is the message's own (read whole, as the verifier
 * does); a nested part's header section longer than this is not read, and the part is left out with a note.
 */
export const MAX_PART_HEADER_BYTES = 64 * 1024;

/**
 * A Content-Type or Content-Disposition value handed to libmime. Real ones, long RFC 2231 file names included,
 * are under 1 KB; libmime's parsing is linear but not cheap, so a 16 MB value is not read (the note says so).
 */
export const MAX_CONTENT_HEADER_CHARS = 8 * 1024;

/** RFC 2046 §5.1.1 allows 70 characters; a longer boundary is read as no boundary (and noted). */
export const MAX_BOUNDARY_CHARS = 200;

/** Decoded text returned by textPartsOf, all text parts together (bytes before charset decoding). */
export const MAX_TEXT_BYTES = 256 * 1024;
