/**
 * How a person is named to people: their name when the bot has learnt it (people table), else
 * 「未登记姓名的成员（…a1b2）」 — never the raw open_id (ou_…), which means nothing to a reader; the
 * tail tells two such people apart and lets an administrator find them.
 */
export function personName(names: ReadonlyMap<string, string>, openId: string): string {
  const name = names.get(openId)?.trim();
  return name ? name : unnamedPerson(openId);
}

export const unnamedPerson = (openId: string): string => `未登记姓名的成员（…${openId.slice(-4)}）`;
