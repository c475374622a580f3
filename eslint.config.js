// Lint: type-aware rules for the whole project, plus the purity fence around workflows.
import tseslint from 'typescript-eslint';

const FORBIDDEN_IN_WORKFLOWS = [
  'pg',
  'pg-*',
  'ws',
  'twilio',
  'twilio/*',
  'openai',
  'openai/*',
  'node:*',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.data/**', 'dist/**', 'eslint.config.js', 'test/fixtures/**'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      // Async functions that return values are a fine way to satisfy a Promise interface.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: FORBIDDEN_IN_WORKFLOWS,
              message: 'Workflows must stay deterministic: no I/O modules.',
            },
            {
              group: ['../activities/*', '../activities'],
              allowTypeImports: true,
              message: 'Import activities into workflows with `import type` only.',
            },
          ],
          paths: ['fs', 'path', 'crypto', 'http', 'https', 'net', 'child_process', 'os'].map(
            (name) => ({
              name,
              message: 'Workflows must stay deterministic: no Node built-ins.',
            }),
          ),
        },
      ],
    },
  },
  {
    // Tests and simulators read loosely typed JSON on purpose; keep the fence where it matters.
    files: ['test/**/*.ts', 'simulators/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
    },
  },
);
