import { describe, expect, it } from 'vitest';
import { matchUnit, type UnitCandidate } from '../../src/domain/match-unit.js';

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

  it('narrows by township with a path query', () => {
    expect(names('由旺镇 城关')).toEqual(['城关社区']);
    expect(names('由旺/城关社区')[0]).toBe('城关社区');
  });

  it('returns nothing for unknown or empty queries', () => {
    expect(names('北京')).toEqual([]);
    expect(names('  ')).toEqual([]);
  });
});
