/** @packageDocumentation Shared pieces of tinyzh. */
export const VERSION = "0.1.0";
