import { AppError } from '../errors.js';
import type { BurstPresenter } from './acknowledge-burst.js';
import { CardActions } from './card-actions.js';
import type {
  DeclaredCardAction,
  DeclaredJob,
  Feature,
  RouteDeclaration,
  ServiceDeclaration,
  TimerDeclaration,
} from './feature.js';
import { CommandRegistry } from './handle-command.js';
import type { EventHooks } from './process-event.js';

/** Everything the features declared, merged: what the bot's workers, intake and timers run. */
export interface ComposedFeatures<Route extends RouteDeclaration = RouteDeclaration> {
  names: string[];
  jobs: ReadonlyMap<string, DeclaredJob>;
  cards: CardActions;
  commands: CommandRegistry;
  hooks: EventHooks;
  timers: TimerDeclaration[];
  services: ServiceDeclaration[];
  /** The web page routes, in the features' order. */
  routes: Route[];
  presentBurst?: BurstPresenter;
}

/** A route's identity: method and path with parameter names dropped (`GET /units/:`). */
const routeKey = (r: RouteDeclaration) => `${r.method.toUpperCase()} ${r.path.replace(/:\w+/g, ':')}`;

/**
 * Merges the features' declarations. Names are unique per kind (feature, job, card action,
 * command and each word that calls one, timer, service, page route by method and path): a duplicate
 * fails start-up, naming both features, instead of one silently replacing the other.
 */
export function composeFeatures<Route extends RouteDeclaration = RouteDeclaration>(
  features: readonly Feature<Route>[],
): ComposedFeatures<Route> {
  const owners = new Map<string, string>();
  const claim = (kind: string, name: string, feature: string, identity = name.toLowerCase()) => {
    const key = `${kind}\u0000${identity}`;
    const other = owners.get(key);
    if (other !== undefined)
      throw new AppError(
        'duplicate_declaration',
        `${kind} "${name}" is declared twice (features "${other}" and "${feature}"); names must be unique`,
      );
    owners.set(key, feature);
  };
  const jobs = new Map<string, DeclaredJob>();
  const cards = new Map<string, DeclaredCardAction>();
  const commands: Feature['commands'] & object = [];
  const timers: TimerDeclaration[] = [];
  const services: ServiceDeclaration[] = [];
  const routes: Route[] = [];
  const onMessage: NonNullable<Feature['onMessage']>[] = [];
  const onBotAdded: NonNullable<Feature['onBotAdded']>[] = [];
  const onBotRemoved: NonNullable<Feature['onBotRemoved']>[] = [];
  let presentBurst: BurstPresenter | undefined;

  // The built-in 帮助 holds its words and name.
  const builtIn = new CommandRegistry([]).commands;
  for (const c of builtIn) {
    claim('command', c.name, 'built-in');
    for (const w of c.words) claim('command word', w, 'built-in');
  }
  for (const f of features) {
    claim('feature', f.name, f.name);
    for (const j of f.jobs ?? []) {
      claim('job', j.name, f.name);
      jobs.set(j.name, j);
    }
    for (const a of f.cardActions ?? []) {
      claim('card action', a.name, f.name);
      cards.set(a.name, a);
    }
    for (const c of f.commands ?? []) {
      claim('command', c.name, f.name);
      for (const w of c.words) claim('command word', w, f.name);
      commands.push(c);
    }
    for (const t of f.timers ?? []) {
      claim('timer', t.name, f.name);
      timers.push(t);
    }
    for (const s of f.services ?? []) {
      claim('service', s.name, f.name);
      services.push(s);
    }
    for (const r of f.routes ?? []) {
      claim('page route', `${r.method} ${r.path}`, f.name, routeKey(r));
      routes.push(r);
    }
    if (f.presentBurst) {
      claim('burst presenter', 'presentBurst', f.name);
      presentBurst = f.presentBurst;
    }
    if (f.onMessage) onMessage.push(f.onMessage.bind(f));
    if (f.onBotAdded) onBotAdded.push(f.onBotAdded.bind(f));
    if (f.onBotRemoved) onBotRemoved.push(f.onBotRemoved.bind(f));
  }
  const registry = new CommandRegistry(commands);
  return {
    names: features.map((f) => f.name),
    jobs,
    cards: new CardActions(cards),
    commands: registry,
    hooks: {
      commands: registry,
      // Only the last hook may mark the event done: nothing may run after it.
      onMessage: async (deps, msg, log, use, finishIn) => {
        for (const [i, fn] of onMessage.entries())
          await fn(deps, msg, log, use, i === onMessage.length - 1 ? finishIn : undefined);
      },
      holdsUnclearText: features.some((f) => f.holdsUnclearText === true),
      onBotAdded: async (deps, e) => {
        for (const fn of onBotAdded) await fn(deps, e);
      },
      onBotRemoved: async (deps, e) => {
        for (const fn of onBotRemoved) await fn(deps, e);
      },
    },
    timers,
    services,
    routes,
    presentBurst,
  };
}
