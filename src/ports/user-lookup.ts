/**
 * Finding people's open_ids from what an office knows about them (Lark:
 * `POST /contact/v3/users/batch_get_id`, scope `contact:user.id:readonly`). The adapter is
 * `LarkChatGateway`; tests run it against the fake Lark.
 */
export interface UserLookup {
  /**
   * open_ids by mobile and by email, keyed as given. A mobile or email Lark does not know (or that
   * is outside the app's contact range, or belongs to someone who left) is simply absent.
   */
  findOpenIds(input: { mobiles: string[]; emails: string[] }): Promise<{
    byMobile: Map<string, string>;
    byEmail: Map<string, string>;
  }>;
}
