/** Lark lets the bot change a card it sent for 14 days; older cards are left as they are. */
const CARD_EDITABLE_MS = 14 * 86_400_000;

/** The oldest send time of a card the bot can still change at `now`. */
export const editableSince = (now: Date): Date => new Date(now.getTime() - CARD_EDITABLE_MS);
