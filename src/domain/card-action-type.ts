import type { z } from 'zod';
import { sentAs } from './export-again.js';

/** The `value` a card button carries: the action's name under `a`, then its own fields. */
export type ButtonValue = { a: string } & Record<string, unknown>;

/**
 * A kind of card button: its name and the schema of the value it carries. Card builders take the
 * button's value from here (`type.value({...})`) and the handler receives it parsed by the same
 * schema, so a button and its handler cannot drift apart.
 */
export interface CardActionType<V> {
  readonly name: string;
  readonly schema: z.ZodType<V>;
  /** The toast for a click whose value does not match (a forged button, or one from an older card). */
  readonly stale: string;
  /**
   * The chat command that draws the card again, when the toast names it (「请重新发送「确认归档」」): sent
   * in a group it needs the @, so the toast is worded for the chat tapped in (staleText).
   */
  readonly resend?: string;
  /** The button's callback value. */
  value(v: V): ButtonValue;
  /** The value of a click, or undefined when it does not match (forged, or from an older card). */
  parse(raw: Record<string, unknown>): V | undefined;
}

export function defineCardAction<S extends z.ZodType>(d: {
  name: string;
  value: S;
  stale?: string;
  resend?: string;
}): CardActionType<z.output<S>> {
  type V = z.output<S>;
  return {
    name: d.name,
    schema: d.value as z.ZodType<V>,
    stale: d.resend ? staleResend(d.resend, 'direct') : (d.stale ?? STALE_BUTTON),
    ...(d.resend ? { resend: d.resend } : {}),
    value: (v: V) => ({ a: d.name, ...(v as object) }),
    parse: (raw) => {
      if (raw.a !== d.name) return undefined;
      const res = d.value.safeParse(raw);
      return res.success ? (res.data as V) : undefined;
    },
  };
}

export const STALE_BUTTON = '这个按钮已失效，请重新发送指令。';

/** 「这个按钮已失效，请重新发送「@归档助手 确认归档」」 in a group, without the @ in a direct chat. */
export const staleResend = (command: string, where: 'group' | 'direct'): string =>
  `这个按钮已失效，请重新发送「${sentAs(command, where)}」`;

/** The value type a card action declares. */
export type CardActionValue<T> = T extends CardActionType<infer V> ? V : never;
