import type { ItemKind } from '../../domain/archival-code.js';

/**
 * The values of the text columns that hold a status or a kind (typed with drizzle's `$type`, so a
 * misspelt value fails the type check; the database column stays `text`, no migration).
 */

/** inbound_events.status: the row is also the processing job. */
export type InboundEventStatus = 'pending' | 'processing' | 'done' | 'ignored' | 'dead';
/** inbound_events.source: how the event reached us. */
export type InboundEventSource = 'webhook' | 'ws' | 'reconcile' | 'card';
/** jobs.status */
export type JobStatus = 'pending' | 'processing' | 'done' | 'dead';
/** materials.status: domain/material-status.ts (with the word a person reads for each). */
export type { MaterialStatus } from '../../domain/material-status.js';
/** bursts.status: open until acknowledged. */
/** `split`: its materials were moved to one burst each (分开归档); it files nothing itself. */
export type BurstStatus = 'open' | 'closed' | 'split';
/** chat_bindings.status: ended = replaced by a later binding. */
export type BindingStatus = 'active' | 'paused' | 'ended';
/** units.status: a retired unit (撤并) is kept but no longer chased. */
export type UnitStatus = 'active' | 'retired';
/** filing_items.via: how the filing was made. */
export type FilingVia = 'reply' | 'code' | 'card' | 'cli';
/** filing_items.kind */
export type FilingItemKind = ItemKind;
/** schedule_runs.status: missed = the process was down that day (skipped, not caught up). */
export type ScheduleRunStatus = 'running' | 'done' | 'failed' | 'missed';
/** scheduled_sends.kind */
/** `unforwarded`: files sent to the bot in a direct chat, asked after once (build-reminders.ts). */
export type ScheduledSendKind = 'reminder' | 'escalation' | 'digest' | 'urge' | 'unforwarded';
/** scheduled_sends.receive_id_type: Lark's receive_id_type. */
export type ReceiveIdType = 'chat_id' | 'open_id';
/** scheduled_sends.msg_type: Lark's msg_type. */
export type ScheduledSendMsgType = 'interactive' | 'text' | 'post';
/** ops_alerts.pending_send: the notice decided and not yet known delivered. */
export type AlertSend = 'alert' | 'recovered';
/** scheduled_sends.status */
export type ScheduledSendStatus = 'pending' | 'sent' | 'expired' | 'failed';
/** archive_records.status: a withdrawn number is never reused. */
export type ArchiveRecordStatus = 'confirmed' | 'withdrawn';
