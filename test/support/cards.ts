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

export interface CardMenu {
  placeholder: string;
  /** The value a choice sends back, with the chosen option's value as `option`. */
  value: any;
  options: { text: string; value: string }[];
}

/** Every select menu of a card (JSON 2.0), in order. */
export function cardMenus(card: unknown): CardMenu[] {
  const out: CardMenu[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, any>;
    if (o.tag === 'select_static') {
      const callback = (o.behaviors as any[] | undefined)?.find((b) => b?.type === 'callback');
      out.push({
        placeholder: String(o.placeholder?.content ?? ''),
        value: callback?.value,
        options: (o.options as any[]).map((x) => ({
          text: String(x.text?.content ?? ''),
          value: String(x.value),
        })),
      });
    }
    Object.values(o).forEach(walk);
  };
  walk(card);
  return out;
}

/** Every button element of a card as drawn (text, width, callback value). */
export function cardButtonElements(card: unknown): { text: string; width?: string; value?: any }[] {
  const out: { text: string; width?: string; value?: any }[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, any>;
    if (o.tag === 'button') {
      const callback = (o.behaviors as any[] | undefined)?.find((b) => b?.type === 'callback');
      out.push({ text: String(o.text?.content ?? ''), width: o.width, value: callback?.value });
    }
    Object.values(o).forEach(walk);
  };
  walk(card);
  return out;
}

/** Every open_url button in a card (JSON 2.0), as [text, url]. */
export function cardLinks(card: unknown): [string, string][] {
  const out: [string, string][] = [];
  const walk = (x: any) => {
    if (!x || typeof x !== 'object') return;
    if (x.tag === 'button')
      for (const b of x.behaviors ?? [])
        if (b.type === 'open_url') out.push([x.text?.content, b.default_url]);
    for (const v of Object.values(x)) walk(v);
  };
  walk(card);
  return out;
}

/** Every markdown link in a card (JSON 2.0), as [text, url]: `[text](url)` inside markdown elements. */
export function cardMarkdownLinks(card: unknown): [string, string][] {
  const out: [string, string][] = [];
  const walk = (x: any) => {
    if (!x || typeof x !== 'object') return;
    if (x.tag === 'markdown' && typeof x.content === 'string')
      for (const m of x.content.matchAll(/\[([^\]]*)\]\(([^)\s]+)\)/g)) out.push([m[1]!, m[2]!]);
    for (const v of Object.values(x)) walk(v);
  };
  walk(card);
  return out;
}
