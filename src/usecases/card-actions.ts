import { STALE_BUTTON, staleResend } from '../domain/card-action-type.js';
import { chatTypeOf } from '../db/repos/chats.js';
import { chatWhere } from '../domain/export-again.js';
import type { CardAction } from '../domain/incoming.js';
import { CARD_ACTION_JOB, type JobPayload } from '../domain/job-types.js';
import { enqueueJob } from '../db/repos/jobs.js';
import {
  DomainError,
  RefusalWithCard,
  LarkApiError,
  LarkNetworkError,
  resourceProblem,
  transactionConflict,
} from '../errors.js';
import type { Logger } from '../logger.js';
import { toast, type CardResponse } from './card-response.js';
import type { BotDeps } from './deps.js';
import type { DeclaredCardAction } from './feature.js';
import { replyText } from './reply-text.js';

export type { CardResponse } from './card-response.js';

/**
 * How long a click's handler may run before the callback is answered with 「处理中」 instead. Lark
 * waits 3 s for the answer; the webhook gives the database 2.5 s (RECORD_TIME_LIMIT_MS) in all, and
 * the audit row is written before the handler starts.
 */
export const CARD_ANSWER_DEADLINE_MS = 2000;
/** Runs of one click when PostgreSQL rolls it back for colliding with another transaction. */
const CONFLICT_ATTEMPTS = 3;

export const STILL_WORKING = '处理中，完成后会更新这张卡片';
/** A click that could not wait for a passing failure (nothing to record it in): said plainly, no 操作失败. */
const TRY_AGAIN = '网络不稳定，这次没有办成，请稍后再点一次';
/**
 * A tap answered 「处理中」 whose job died with its process on the last attempt: whether the work was
 * done is not known here, and tapping again is safe (handlers are idempotent).
 */
export const TAP_INTERRUPTED = '刚才的操作被中断，请再点一次（已办成的不会重复办理）';

/**
 * A failure that passes by itself: the database briefly unreachable or out of connections, Lark's
 * network or a 5xx / rate limit. Such a click waits and runs again; it is not the officer's mistake
 * and not a bug, so it never answers 「操作失败」.
 */
function passing(err: unknown): boolean {
  if (resourceProblem(err)) return true;
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof LarkNetworkError) return true;
    if (e instanceof LarkApiError) return e.isRetryable;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

export interface CardCallback {
  /** Lark's identity of this callback (its event id). */
  callbackId: string;
  /** Wakes the job worker after the overrun job is enqueued. */
  wakeJobs(): void;
  /** Default CARD_ANSWER_DEADLINE_MS. */
  deadlineMs?: number;
}

/**
 * Answers card button clicks: finds the declared action by `value.a` (the name our cards put in
 * every button), parses the value with its schema and runs the handler. An unknown action or a
 * value that does not match (forged, or from an older card) gets a toast and changes nothing.
 *
 * Lark waits 3 s for the answer. Handlers mostly touch the database, but some ask Lark (is the
 * clicker in the chat?) and a rate-limited Lark may take longer. A handler still running at the
 * deadline keeps running; the click is answered 「处理中」, and a `card-action` job puts the outcome
 * on the card when it is done (running the click again if this process died meanwhile: handlers are
 * idempotent, e.g. a burst is filed at most once).
 */
export class CardActions {
  /** Handlers that overran their deadline, by callback id (the job awaits them). */
  private readonly overrun = new Map<string, Promise<CardResponse>>();

  constructor(private readonly actions: ReadonlyMap<string, DeclaredCardAction>) {}

  has(name: string): boolean {
    return this.actions.has(name);
  }

  /**
   * Answers one click. With `callback`, a handler that overruns its deadline is answered 「处理中」
   * and finished by a job; without, the answer waits for the handler.
   */
  async handle(deps: BotDeps, action: CardAction, callback?: CardCallback): Promise<CardResponse> {
    const run = this.run(
      deps,
      callback ? { ...action, callbackId: callback.callbackId } : action,
      deps.logger,
    );
    if (!callback || !action.messageId) return run.catch(() => toast('error', TRY_AGAIN));
    const ms = callback.deadlineMs ?? CARD_ANSWER_DEADLINE_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'overrun'>((resolve) => {
      timer = setTimeout(() => resolve('overrun'), ms);
      timer.unref();
    });
    const first = await Promise.race([run.catch(() => 'passing' as const), deadline]).finally(() =>
      clearTimeout(timer),
    );
    if (first !== 'overrun' && first !== 'passing') return first;
    if (first === 'overrun') {
      this.overrun.set(callback.callbackId, run);
      // Another instance may take the job (and run the click again): forget the promise in time.
      const forget = () => setTimeout(() => this.overrun.delete(callback.callbackId), 600_000).unref();
      void run.then(forget, forget);
    }
    const now = deps.clock.now();
    try {
      await enqueueJob(
        deps.db,
        {
          type: CARD_ACTION_JOB,
          key: callback.callbackId,
          payload: {
            callbackId: callback.callbackId,
            action: {
              operatorOpenId: action.operatorOpenId,
              value: action.value,
              ...(action.formValue ? { formValue: action.formValue } : {}),
              ...(action.option !== undefined ? { option: action.option } : {}),
              messageId: action.messageId,
              ...(action.chatId ? { chatId: action.chatId } : {}),
            },
          },
          runAt: now,
          maxAttempts: 3,
        },
        now,
      );
    } catch (err) {
      // The database is gone altogether: the click cannot wait anywhere. An overrun still finishes
      // in this process; a passing failure is said as what it is.
      if (first === 'overrun' || !passing(err)) throw err;
      deps.logger.warn({ callbackId: callback.callbackId, err }, 'card action could not be queued to wait');
      return toast('error', TRY_AGAIN);
    }
    callback.wakeJobs();
    if (first === 'passing') {
      deps.metrics.inc(
        'card_actions_waiting_total',
        {},
        1,
        'Card clicks answered 处理中 because the database or Lark failed for a moment (run again by a job)',
      );
      deps.logger.warn(
        { callbackId: callback.callbackId },
        'card action failed for a moment; queued to run again',
      );
    } else {
      deps.metrics.inc('card_actions_deferred_total', {}, 1, 'Card clicks answered 处理中 (handler overran)');
      deps.logger.warn(
        { callbackId: callback.callbackId, deadlineMs: ms },
        'card action overran its deadline',
      );
    }
    return toast('info', STILL_WORKING);
  }

  /**
   * The `card-action` job: waits for the overrun handler (or, when this process no longer has it or
   * it failed for a moment, runs the click again) and puts the outcome on the card. A passing failure
   * throws, so the job is tried again (the worker waits for the database); on the last attempt the
   * officer is told to tap again instead.
   */
  async finish(
    deps: BotDeps,
    p: JobPayload<typeof CARD_ACTION_JOB>,
    log: Logger,
    attempt: { last: boolean } = { last: false },
  ): Promise<void> {
    const running = this.overrun.get(p.callbackId);
    this.overrun.delete(p.callbackId);
    let res: CardResponse;
    try {
      res = await (running ?? this.run(deps, { ...p.action, callbackId: p.callbackId }, log));
    } catch (err) {
      if (!attempt.last || resourceProblem(err)) throw err;
      log.warn(
        { callbackId: p.callbackId, err },
        'card action kept failing; the officer is asked to tap again',
      );
      res = toast('error', TRY_AGAIN);
    }
    try {
      await this.deliverLate(deps, p.action, p.callbackId, res);
    } catch (err) {
      // Lark refuses the update for good (the card too old, recalled …) on the last attempt: the card
      // would say 「处理中」 forever, so the officer is told in the chat instead.
      if (!attempt.last || resourceProblem(err)) throw err;
      log.warn(
        { callbackId: p.callbackId, err },
        'card action outcome could not be shown; asked to tap again',
      );
      await replyText(deps.gateway, p.action.messageId, TAP_INTERRUPTED, `died-${p.callbackId}`.slice(0, 50));
    }
  }

  /**
   * The `card-action` job died with its worker on the last attempt (killed or crashed each time): the
   * card still says 「处理中」, so the officer is told in the chat to tap again.
   */
  async died(deps: BotDeps, p: JobPayload<typeof CARD_ACTION_JOB>, log: Logger): Promise<void> {
    log.warn(
      { callbackId: p.callbackId },
      'card action died with its process; the officer is asked to tap again',
    );
    await replyText(deps.gateway, p.action.messageId, TAP_INTERRUPTED, `died-${p.callbackId}`.slice(0, 50));
  }

  private async run(deps: BotDeps, action: CardAction, log: Logger): Promise<CardResponse> {
    const name = typeof action.value.a === 'string' ? action.value.a : '';
    const declared = this.actions.get(name);
    if (!declared) {
      deps.metrics.inc('card_actions_total', { action: 'unknown', result: 'refused' });
      return { toast: { type: 'error', content: STALE_BUTTON } };
    }
    const parsed = declared.parse(action);
    if (!parsed) {
      deps.metrics.inc('card_actions_total', { action: name, result: 'refused' });
      // A command to send again is written as the chat tapped in needs it: with the @ in a group (a chat
      // not known is taken for one, as chatWhere takes it).
      const content = declared.resend
        ? staleResend(
            declared.resend,
            chatWhere(action.chatId ? await chatTypeOf(deps.db, action.chatId) : 'p2p'),
          )
        : declared.stale;
      return { toast: { type: 'error', content } };
    }
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await declared.handle(deps, parsed);
        deps.metrics.inc('card_actions_total', { action: name, result: 'ok' });
        return res;
      } catch (err) {
        // A tap and other work (a recall, another tap) locking the same rows in opposite orders:
        // PostgreSQL rolls one transaction back. Handlers are idempotent (see above), so the tap
        // runs again instead of answering 操作失败 for a collision the officer cannot see.
        if (attempt < CONFLICT_ATTEMPTS && transactionConflict(err)) {
          deps.metrics.inc(
            'card_actions_retried_total',
            { action: name },
            1,
            'Card clicks run again after a database deadlock or serialization failure',
          );
          log.warn(
            { action: name, attempt },
            'card action collided with another transaction; running it again',
          );
          continue;
        }
        deps.metrics.inc('card_actions_total', { action: name, result: 'error' });
        if (err instanceof RefusalWithCard)
          return { toast: { type: 'info', content: err.message }, card: { type: 'raw', data: err.card } };
        if (err instanceof DomainError) return { toast: { type: 'error', content: err.message } };
        // Waits and runs again (handle, finish): the officer hears 「处理中」, then the outcome.
        if (passing(err)) throw err;
        log.error({ action: name, err }, 'card action failed');
        return { toast: { type: 'error', content: '操作失败，请稍后再试。' } };
      }
    }
  }

  /** The late outcome: the card replaced (Lark's card update), or the toast said in the chat. */
  private async deliverLate(
    deps: BotDeps,
    action: { messageId: string },
    callbackId: string,
    res: CardResponse,
  ): Promise<void> {
    if (res.card) await deps.gateway.patchCard({ messageId: action.messageId, card: res.card.data });
    else if (res.toast)
      await replyText(deps.gateway, action.messageId, res.toast.content, `late-${callbackId}`.slice(0, 50));
  }
}
