// Lint rules that carry the project's style (DESIGN.md): promises are awaited or voided on purpose, switches
// over unions are exhaustive, configuration is read only in src/config, no console in the service, and no
// focused or skipped tests are committed. Formatting is not linted.
import tseslint from 'typescript-eslint';

const focusedOrSkipped = ['describe', 'test', 'it'].flatMap((object) =>
  ['only', 'skip'].map((property) => ({ object, property, message: 'No focused or skipped tests in commits.' })),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', '**/*.mjs', '**/*.js'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, parserOptions: { project: './tsconfig.json' } },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      'no-restricted-properties': ['error', ...focusedOrSkipped],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**', 'src/**/*.spec.ts'],
    rules: {
      'no-console': 'error',
      'no-restricted-properties': [
        'error',
        ...focusedOrSkipped,
        { object: 'process', property: 'env', message: 'Read settings through AppConfig (src/config), not process.env.' },
      ],
    },
  },
);
