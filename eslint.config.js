import js from '@eslint/js'
import prettier from 'eslint-config-prettier'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'test-output/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-throw-literal': 'error',
    },
  },
  {
    // The core runs in browsers too and never does I/O: no Node built-ins, no globals of Node's.
    files: ['packages/core/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'The core is pure and browser-safe: no Node built-ins.' },
          ],
          paths: [
            'fs',
            'path',
            'crypto',
            'os',
            'net',
            'http',
            'https',
            'child_process',
            'buffer',
          ].map((name) => ({
            name,
            message: 'The core is pure and browser-safe: no Node built-ins.',
          })),
        },
      ],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require', 'fetch'],
    },
  },
  prettier,
)
