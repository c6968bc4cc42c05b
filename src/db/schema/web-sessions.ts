import { index, pgTable, text, timestamptz } from './columns.js';

/**
 * One row per web sign-in (the pages' session cookie names its id). A cookie is honoured only while its
 * row is there, unexpired and not ended: 退出 ends that session, and `units people remove` ends every
 * session of the person, whatever copies of the cookie exist. Expired rows are deleted at the next sign-in.
 */
export const webSessions = pgTable(
  'web_sessions',
  {
    /** SHA-256 (hex) of the random session id the signed cookie carries (repos/web-sessions.ts keptId). */
    id: text('id').primaryKey(),
    openId: text('open_id').notNull(),
    createdAt: timestamptz('created_at').notNull(),
    expiresAt: timestamptz('expires_at').notNull(),
    /** Set by 退出 or when the person is removed; the cookie no longer works. */
    endedAt: timestamptz('ended_at'),
  },
  (t) => [
    index('web_sessions_open_id_idx').on(t.openId),
    index('web_sessions_expires_at_idx').on(t.expiresAt),
  ],
);
