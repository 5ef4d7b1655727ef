// Lint for src, tests and benchmarks (npm run lint; .ci/run runs it). typescript-eslint's recommended
// rules with type information, plus the project's own: no `any`, no unused code, no floating promises.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'dist-bench/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: path.dirname(fileURLToPath(import.meta.url)) },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      // Async functions that implement a Promise-returning interface (stage projections, test doubles)
      // read better as `async` than as Promise.resolve(...) even when they await nothing.
      '@typescript-eslint/require-await': 'off',
      // domhandler's node types are a string enum that the HTML walkers compare with its string values.
      '@typescript-eslint/no-unsafe-enum-comparison': 'off',
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // jest's asymmetric matchers (expect.stringMatching, expect.anything...) are typed any.
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
