export interface CardButton {
  text: string;
  /** The value a click sends back (value.a names the action). */
  value: any;
}

/** Every button of a card (JSON 2.0), in order, with its text and callback value. */
export function cardButtons(card: unknown): CardButton[] {
  const out: CardButton[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, any>;
    if (o.tag === 'button') {
      const callback = (o.behaviors as any[] | undefined)?.find((b) => b?.type === 'callback');
      if (callback) out.push({ text: String(o.text?.content ?? ''), value: callback.value });
    }
    Object.values(o).forEach(walk);
  };
  walk(card);
  return out;
}

/** The callback value of the card's first button whose action is `action`. */
export function buttonValue(card: unknown, action: string): any {
  const b = cardButtons(card).find((x) => x.value?.a === action);
  if (!b) throw new Error(`the card has no "${action}" button`);
  return b.value;
}
