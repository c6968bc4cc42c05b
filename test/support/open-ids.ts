import { createHash } from 'node:crypto';

/**
 * An open_id shaped as Lark's (ou_ and 32 lowercase hex characters, as real ones are)
 * for a test person: the same label gives the same id.
 */
export const openIdOf = (label: string): string => `ou_${createHash('md5').update(label).digest('hex')}`;
