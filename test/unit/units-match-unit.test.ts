import { describe, expect, it } from 'vitest';
import { matchUnit, unitsNamedIn, type UnitCandidate } from '../../src/domain/match-unit.js';

const u = (id: number, code: string, name: string, kind: string, fullName: string): UnitCandidate => ({
  id,
  code,
  name,
  kind,
  fullName,
});

const UNITS = [
  u(1, '5305', '施甸县', 'county', '施甸县'),
  u(2, '530501', '城关镇', 'township', '施甸县/城关镇'),
  u(3, '53050101', '城关村', 'village', '施甸县/城关镇/城关村'),
  u(4, '530502', '由旺镇', 'township', '施甸县/由旺镇'),
  u(5, '53050201', '城关社区', 'village', '施甸县/由旺镇/城关社区'),
  u(6, '53050202', '木榔村', 'village', '施甸县/由旺镇/木榔村'),
];

const names = (q: string) => matchUnit(q, UNITS).map((m) => m.unit.name);

describe('matchUnit', () => {
  it('matches an exact code first', () => {
    expect(matchUnit('53050202', UNITS)[0]).toMatchObject({ unit: { name: '木榔村' }, match: 'code' });
  });

  it('ranks the exact name over partial names', () => {
    expect(names('城关村')).toEqual(['城关村', '城关社区', '城关镇']);
  });

  it('matches a name without its suffix, villages first', () => {
    expect(names('城关')[0]).toBe('城关村');
    expect(names('木榔')).toEqual(['木榔村']);
  });

  it('reads a name written after its township’s (or county’s), as the bot writes two alike apart', () => {
    // As well named as the name alone (a command reads it as 城关村, not as words it merely holds).
    const [best] = matchUnit('城关镇城关村', UNITS);
    expect(best).toMatchObject({ unit: { name: '城关村' }, match: 'full_name' });
    expect(best!.score).toBeGreaterThanOrEqual(80);
    expect(names('由旺城关社区')[0]).toBe('城关社区');
    expect(names('施甸县由旺镇木榔村')[0]).toBe('木榔村');
    // Another township's name before it is not that unit.
    expect(names('由旺镇城关村')).toEqual([]);
  });

  it('narrows by township with a path query', () => {
    expect(names('由旺镇 城关')).toEqual(['城关社区']);
    expect(names('由旺/城关社区')[0]).toBe('城关社区');
  });

  it('returns nothing for unknown or empty queries', () => {
    expect(names('北京')).toEqual([]);
    expect(names('  ')).toEqual([]);
  });
});

describe('unitsNamedIn (the one-tap 绑定 of a group named for its unit)', () => {
  const named = (chat: string, units = UNITS) => unitsNamedIn(chat, units).map((x) => x.fullName);
  const MORE = [
    ...UNITS,
    u(7, '530503', '仁和镇', 'township', '施甸县/仁和镇'),
    u(8, '53050301', '木榔村', 'village', '施甸县/仁和镇/木榔村'),
  ];

  it('offers the village a group is named for', () => {
    expect(named('城关村工作群')).toEqual(['施甸县/城关镇/城关村']);
    expect(named('木榔 村务群')).toEqual(['施甸县/由旺镇/木榔村']);
  });

  it('takes 「城关镇…」 for the township, not for 城关村 or 城关社区 (the base followed by another suffix)', () => {
    expect(named('城关镇工作群')).toEqual(['施甸县/城关镇']);
  });

  it('lets the township in the name choose between two villages of one name, and offers both when it is not there', () => {
    expect(named('仁和镇木榔村档案群', MORE)).toEqual(['施甸县/仁和镇/木榔村']);
    expect(named('木榔村档案群', MORE)).toEqual(['施甸县/由旺镇/木榔村', '施甸县/仁和镇/木榔村']);
  });

  it('offers nothing for a name that names no unit, or names more than it can tell apart', () => {
    expect(named('周例会')).toEqual([]);
    expect(named('群')).toEqual([]);
    const many = Array.from({ length: 4 }, (_, i) => u(20 + i, `9${i}`, '新村', 'village', `县/镇${i}/新村`));
    expect(unitsNamedIn('新村群', many)).toEqual([]);
  });
});
