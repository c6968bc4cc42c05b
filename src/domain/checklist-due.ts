import type { DueRule } from './checklist.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * When a task from a checklist item is due. Fixed dates are the end of that day in China time
 * (UTC+8) in the campaign year; relative rules count back from the campaign deadline.
 */
export function resolveDueAt(rule: DueRule | undefined, campaign: { year: number; deadline: Date }): Date {
  if (!rule || 'days_before_campaign_deadline' in rule) {
    const days = rule?.days_before_campaign_deadline ?? 0;
    return new Date(campaign.deadline.getTime() - days * DAY_MS);
  }
  const mm = String(rule.month).padStart(2, '0');
  const lastDay = new Date(Date.UTC(campaign.year, rule.month, 0)).getUTCDate();
  const dd = String(Math.min(rule.day, lastDay)).padStart(2, '0');
  return new Date(`${campaign.year}-${mm}-${dd}T23:59:59+08:00`);
}
