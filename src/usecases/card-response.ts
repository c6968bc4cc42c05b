/** What a card callback answers (Lark shows the toast, and replaces the card when `card` is set). */
export interface CardResponse {
  toast?: { type: 'success' | 'error' | 'info' | 'warning'; content: string };
  card?: { type: 'raw'; data: object };
}

export const toast = (type: NonNullable<CardResponse['toast']>['type'], content: string): CardResponse => ({
  toast: { type, content },
});
