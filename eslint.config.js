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
  ...layerRules(),
);

/**
 * Layers (docs/architecture.md §3): imports flow downwards only.
 *   kernel (errors, logger, metrics, config …) and domain/ ← ports/ ← db/ storage/ media/ cards/ archive/
 *   ← usecases/ ← adapters (lark/ http/ scheduler/ worker/ ops/) ← wiring/ cli/ ← bot.ts main.ts
 * Each folder lists what it may not import; a relative path that climbs (`../`, `../../`) into a
 * forbidden top-level folder or root module is refused. Packages: only lark/ imports the Lark SDK,
 * only scheduler/ node-cron; domain/ imports nothing with I/O.
 */
function layerRules() {
  const COMPOSITION = ['bot', 'main', 'app', 'features', 'settings', 'env'];
  const upTo = (folders, rootModules = COMPOSITION) => ({
    regex: `^(\\.\\./)+(${folders.join('|')})/|^(\\.\\./)+(${rootModules.join('|')})\\.js$`,
    message: 'This import runs upward across the layers (docs/architecture.md §3, eslint.config.js).',
  });
  const ADAPTERS = ['lark', 'http', 'scheduler', 'worker', 'ops'];
  const TOP = ['wiring', 'cli'];
  const rule = (files, folders, paths = [noSdk, noCron], rootModules = COMPOSITION) => ({
    files,
    rules: { 'no-restricted-imports': ['error', { paths, patterns: [upTo(folders, rootModules)] }] },
  });
  const io = ['koa', 'postgres', '@electric-sql/pglite', 'drizzle-orm', 'node:fs', 'node:net'];
  return [
    // Everything but lark/ and scheduler/ stays off the SDK and node-cron.
    {
      files: ['src/**/*.ts'],
      rules: { 'no-restricted-imports': ['error', { paths: [noSdk, noCron] }] },
    },
    {
      // The kernel: small shared modules every layer may use; they use only each other.
      files: [
        'errors',
        'logger',
        'log-redaction',
        'metrics',
        'config',
        'readiness',
        'process-identity',
        'process-user',
        'cli-operator',
        'time-limit',
        'version',
        'package-root',
      ].map((m) => `src/${m}.ts`),
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [noSdk, noCron],
            patterns: [
              {
                regex: `^\\./(?!lark/app-id\\.js$)[\\w-]+/|^\\./(${COMPOSITION.join('|')})\\.js$`,
                message: 'Kernel modules import only each other (and lark/app-id.ts, the one app-id rule).',
              },
            ],
          },
        ],
      },
    },
    {
      files: ['src/domain/**/*.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [noSdk, noCron, ...io],
            patterns: [
              {
                regex: '^\\.\\./(?!errors\\.js$)',
                message: 'domain/ imports only domain/ and errors.ts: pure rules, no I/O.',
              },
            ],
          },
        ],
      },
    },
    {
      files: ['src/ports/**/*.ts'],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: [noSdk, noCron],
            patterns: [
              {
                regex: '^\\.\\./(?!domain/|errors\\.js$)',
                message: 'ports/ import only domain/ and errors.ts.',
              },
            ],
          },
        ],
      },
    },
    // Below the use cases: repositories, blob storage, media, card builders, archive format writers.
    rule(
      [
        'src/db/**/*.ts',
        'src/storage/**/*.ts',
        'src/media/**/*.ts',
        'src/cards/**/*.ts',
        'src/archive/**/*.ts',
      ],
      ['usecases', ...ADAPTERS, ...TOP],
    ),
    rule(['src/usecases/**/*.ts'], [...ADAPTERS, ...TOP], [noSdk, noCron, 'koa']),
    // Adapters: lark/ is the edge to Lark (ports only, no use cases or database); worker/ runs rows.
    rule(
      ['src/lark/**/*.ts'],
      [
        'usecases',
        'db',
        'storage',
        'media',
        'cards',
        'archive',
        'http',
        'scheduler',
        'worker',
        'ops',
        ...TOP,
      ],
      [noCron],
    ),
    rule(
      ['src/worker/**/*.ts'],
      ['usecases', 'cards', 'archive', ...ADAPTERS.filter((a) => a !== 'worker'), ...TOP],
    ),
    rule(['src/http/**/*.ts'], ['scheduler', 'worker', 'ops', ...TOP]),
    rule(['src/scheduler/**/*.ts'], ['lark', 'http', 'worker', 'ops', ...TOP], [noSdk]),
    rule(['src/ops/**/*.ts'], ['http', 'scheduler', 'worker', ...TOP]),
    rule(['src/wiring/**/*.ts'], ['cli'], [noSdk, noCron], ['bot', 'main']),
    rule(
      ['src/cli/**/*.ts'],
      ['wiring', 'http', 'worker'],
      [noSdk, noCron],
      ['bot', 'main', 'app', 'features'],
    ),
  ];
}
