import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineCardAction } from '../../src/domain/card-action-type.js';
import { defineJob } from '../../src/domain/job-type.js';
import {
  cardAction,
  jobHandler,
  type CommandDeclaration,
  type Feature,
  type RouteDeclaration,
} from '../../src/usecases/feature.js';
import { composeFeatures } from '../../src/usecases/feature-registry.js';

const command = (name: string, words: string[]): CommandDeclaration => ({
  name,
  words,
  who: 'everyone',
  usage: words[0]!,
  help: name,
  handle: async () => {},
});
const JOB = defineJob({ name: 'thing', payload: z.object({ n: z.number() }) });
const ACTION = defineCardAction({ name: 'press', value: z.object({ i: z.number() }) });

describe('composeFeatures: one registry, duplicate names refused', () => {
  it('merges declarations and generates the command list (帮助 built in, last)', () => {
    const composed = composeFeatures([
      {
        name: 'a',
        commands: [command('one', ['一'])],
        jobs: [jobHandler({ type: JOB, handle: async () => {} })],
      },
      { name: 'b', cardActions: [cardAction({ type: ACTION, handle: async () => ({}) })] },
    ]);
    expect(composed.commands.commands.map((c) => c.name)).toEqual(['one', 'help']);
    expect([...composed.jobs.keys()]).toEqual(['thing']);
    expect(composed.cards.has('press')).toBe(true);
    expect(composed.routes).toEqual([]);
  });

  it.each<[string, Feature<RouteDeclaration>[], string]>([
    ['feature', [{ name: 'a' }, { name: 'a' }], 'feature "a" is declared twice (features "a" and "a")'],
    [
      'command word',
      [
        { name: 'a', commands: [command('export', ['导出'])] },
        { name: 'b', commands: [command('export2', ['导出'])] },
      ],
      'command word "导出" is declared twice (features "a" and "b")',
    ],
    [
      'a built-in word',
      [{ name: 'a', commands: [command('menu', ['菜单'])] }],
      'command word "菜单" is declared twice (features "built-in" and "a")',
    ],
    [
      'job',
      [
        { name: 'a', jobs: [jobHandler({ type: JOB, handle: async () => {} })] },
        { name: 'b', jobs: [jobHandler({ type: JOB, handle: async () => {} })] },
      ],
      'job "thing" is declared twice (features "a" and "b")',
    ],
    [
      'card action',
      [
        { name: 'a', cardActions: [cardAction({ type: ACTION, handle: async () => ({}) })] },
        { name: 'b', cardActions: [cardAction({ type: ACTION, handle: async () => ({}) })] },
      ],
      'card action "press" is declared twice (features "a" and "b")',
    ],
    [
      'page route (the same shape under another parameter name)',
      [
        { name: 'a', routes: [{ method: 'GET', path: '/units/:id' }] },
        {
          name: 'b',
          routes: [
            { method: 'POST', path: '/units/:id' },
            { method: 'GET', path: '/units/:unit' },
          ],
        },
      ],
      'page route "GET /units/:unit" is declared twice (features "a" and "b")',
    ],
  ])('a duplicate %s fails with a clear message', (_kind, features, message) => {
    expect(() => composeFeatures(features)).toThrow(message);
  });

  it('a button value comes from its declaration and parses back; a forged one does not', () => {
    const value = ACTION.value({ i: 3 });
    expect(value).toEqual({ a: 'press', i: 3 });
    expect(ACTION.parse(value)).toEqual({ i: 3 });
    expect(ACTION.parse({ a: 'press', i: 'x' })).toBeUndefined();
    expect(ACTION.parse({ a: 'other', i: 3 })).toBeUndefined();
  });
});
