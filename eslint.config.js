import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'coverage/', 'bench/results/', 'dist/', 'dist.building-*/', '.dist-test-*/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Tests read arbitrary JSON answers; `any` there keeps assertions short.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    files: ['bin/**/*.js', 'scripts/**/*.js', 'examples/**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // The console's script runs in the browser.
    files: ['src/console/assets/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
);
