import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import { redactValue, scrubTokens, serializeError } from './log-redaction.js';

export type Logger = PinoLogger;

export interface LoggerOptions {
  /** Values that must never appear in a line (app secret, encrypt key, verification token). */
  secrets?: readonly (string | undefined)[];
}

/**
 * JSON logs that carry no secrets and no content (see log-redaction.ts): every logged object is
 * walked at any depth (content and credential keys replaced, errors reduced to type, code,
 * scrubbed message and stack), and each finished line is scrubbed once more for token shapes and
 * the configured secret values, so a message string cannot carry them either.
 */
export function createLogger(level: string, destination?: DestinationStream, o: LoggerOptions = {}): Logger {
  const secrets = (o.secrets ?? []).filter((s): s is string => typeof s === 'string' && s.length >= 4);
  return pino(
    {
      level,
      base: { app: 'archive-bot' },
      serializers: { err: (e: unknown) => serializeError(e, secrets) },
      formatters: { log: (obj) => redactValue(obj, secrets) as Record<string, unknown> },
      hooks: { streamWrite: (line) => scrubTokens(line, secrets) },
    },
    destination,
  );
}

/** A logger that prints nothing (tests that do not look at logs). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
