// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const noSdk = {
  name: '@larksuiteoapi/node-sdk',
  message: 'Only src/lark/ may import the Lark SDK (docs/architecture.md §3).',
};
const noCron = { name: 'node-cron', message: 'Only src/scheduler/ may import node-cron.' };

export default tseslint.config(
  { ignores: ['node_modules/**', 'drizzle/**', 'data/**', 'coverage/**', 'dist/**', 'dist.*/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      // Chinese text uses the ideographic space (U+3000) on purpose.
      'no-irregular-whitespace': ['error', { skipStrings: true, skipTemplates: true, skipComments: true }],
    },
  },
  {
    // Plain Node scripts (build, launcher) run without TypeScript.
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: { console: 'readonly', process: 'readonly', SharedArrayBuffer: 'readonly' } },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/lark/**', 'src/scheduler/**', 'src/main.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noSdk, noCron] }] },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            noSdk,
            noCron,
            'koa',
            'postgres',
            '@electric-sql/pglite',
            'drizzle-orm',
            'node:fs',
            'node:net',
          ],
          patterns: ['../db/*', '../lark/*', '../http/*', '../storage/*'],
        },
      ],
    },
  },
  {
    files: ['src/usecases/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noSdk, noCron, 'koa'], patterns: ['../lark/*', '../http/*', '../scheduler/*'] },
      ],
    },
  },
);
