import { filingTitle } from './checklist-filing.js';

/**
 * A burst's caption is the texts its sender wrote around it, one per line, cut at CAPTION_MAX_CHARS
 * (usecases/acknowledge-burst.ts). When one of those messages is recalled (撤回), its words must leave
 * the caption, and the 题名 taken from it, while the other texts stay.
 */
export const CAPTION_MAX_CHARS = 2000;

/**
 * The caption without one occurrence of `text` as a whole line-joined piece (or, cut off at the end,
 * its beginning): null when nothing is left, undefined when the caption does not hold it (it was not
 * made from this message).
 */
export function captionWithout(caption: string, text: string): string | null | undefined {
  if (text === '') return undefined;
  const startsPiece = (i: number) => i === 0 || caption[i - 1] === '\n';
  let at = -1;
  let end = -1;
  for (let i = caption.indexOf(text); i >= 0; i = caption.indexOf(text, i + 1))
    if (startsPiece(i) && (i + text.length === caption.length || caption[i + text.length] === '\n')) {
      at = i;
      end = i + text.length;
      break;
    }
  if (at < 0 && caption.length >= CAPTION_MAX_CHARS) {
    // The caption was cut inside this text: its last piece is the text's beginning.
    const i = caption.lastIndexOf('\n') + 1;
    if (text.startsWith(caption.slice(i)) && caption.length > i) {
      at = i;
      end = caption.length;
    }
  }
  if (at < 0) return undefined;
  const rest =
    end < caption.length
      ? caption.slice(0, at) + caption.slice(end + 1)
      : caption.slice(0, Math.max(0, at - 1));
  return rest === '' ? null : rest;
}

/**
 * The 题名 a filing gets once a recalled text left its burst's caption, when its 题名 was taken from
 * that caption (filingTitle); undefined when it was not (someone wrote it) or does not change.
 */
export function titleWithout(
  title: string,
  captions: { before: string; after: string | null },
  task: { title: string; householdName?: string | null },
): string | undefined {
  if (title !== filingTitle(captions.before, task)) return undefined;
  const next = filingTitle(captions.after, task);
  return next === title ? undefined : next;
}
