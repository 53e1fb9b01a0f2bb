/** The octets RFC 5322 and RFC 6376 give meaning to, by name. */
export const LF = 0x0a;
export const CR = 0x0d;
export const SP = 0x20;
export const HTAB = 0x09;
export const COLON = 0x3a;
