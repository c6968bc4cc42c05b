import { pino, type Logger as PinoLogger } from 'pino';

export type Logger = PinoLogger;

/**
 * JSON logs. Secrets never reach the logger: we log ids and codes, never tokens, decrypted bodies
 * or file contents; the redact list is a second line of defence.
 */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { app: 'archive-bot' },
      redact: {
        paths: ['*.appSecret', '*.encryptKey', '*.tenant_access_token', '*.authorization', '*.Authorization'],
        censor: '[redacted]',
      },
    },
    destination as any,
  );
}

/** A logger that prints nothing (tests that do not look at logs). */
export const silentLogger = (): Logger => pino({ level: 'silent' });
