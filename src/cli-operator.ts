import { AsyncLocalStorage } from 'node:async_hooks';
import { processUserName } from './process-user.js';

/**
 * Who at the machine ran a command-line action: the operating-system user of the process and, run
 * through sudo, the user who ran sudo (SUDO_USER). The audit trail names the actor of every command
 * only `cli`; this says which administrator it was.
 */
interface CliOperator {
  osUser: string;
  sudoUser?: string;
}

const running = new AsyncLocalStorage<CliOperator>();

/** This process's operator, SUDO_USER read from the command's environment (when it is not the user itself). */
export function cliOperatorOf(env: Readonly<Record<string, string | undefined>>): CliOperator {
  const osUser = processUserName();
  const sudoUser = env.SUDO_USER?.trim();
  return sudoUser && sudoUser !== osUser ? { osUser, sudoUser } : { osUser };
}

/**
 * Runs a command as `operator`: every audit row written with source `cli` inside it records them
 * (db/repos/audit.ts `auditDetails`). Carried by the async context, not passed down: the CLI reaches
 * some twenty use cases, each writing its own audit rows, that know the operator only as `cli`.
 */
export const asCliOperator = <T>(operator: CliOperator, fn: () => Promise<T>): Promise<T> =>
  running.run(operator, fn);

/** The operator of the command running in this async context, if any. */
export const currentCliOperator = (): CliOperator | undefined => running.getStore();
