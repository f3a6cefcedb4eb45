// Lint: typescript-eslint's recommended rules on every TypeScript file, plus the dependency direction
// of the design (tests/contract/import-boundaries.unit.test.ts checks it precisely, resolving paths;
// this rule says it in the editor). Formatting is prettier's job, not eslint's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Relative imports that leave `folder` for a sibling it must not depend on. */
function forbid(folder, others, allowed = `itself, contract/ and common/`) {
  return {
    files: [`${folder}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: `^(\\.\\./)+(${others.join('|')})(/|$)`,
              message: `${folder}/ may import only ${allowed} (see docs/testing.md, import boundaries).`,
            },
          ],
        },
      ],
    },
  };
}

const services = ['api', 'relay', 'consumer', 'client'];
const outside = ['bench', 'chaos', 'stack', 'tests', 'mongo-double', 'mongo-init'];

export default tseslint.config(
  { ignores: ['node_modules/', '.readme-parts/', 'tmp/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_name` marks what is deliberately unused (destructured away, or a required parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // A mongosh script (CommonJS, with the shell's globals), run by `mongosh --file` in compose.
    files: ['mongo-init/**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        process: 'readonly',
        __dirname: 'readonly',
        print: 'readonly',
        sleep: 'readonly',
        db: 'writable',
        Mongo: 'readonly',
        rs: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  // The consumer CLI is built on the client library; the library runs in browsers, so not common/ (Node code).
  forbid('api', ['relay', 'consumer', 'client', ...outside]),
  forbid('relay', ['api', 'consumer', 'client', ...outside]),
  forbid('consumer', ['api', 'relay', ...outside], 'itself, client/, contract/ and common/'),
  forbid('client', ['api', 'relay', 'consumer', 'common', 'live-page', ...outside], 'itself and contract/'),
  forbid('contract', [...services, 'common', ...outside], 'itself'),
  forbid('common', [...services, 'contract', ...outside], 'itself'),
);
