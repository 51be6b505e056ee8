// ESLint flat config for the book's own browser scripts. Run it with `npm run lint` from web/.
// ESLint 10 ignores files outside its base path, which is the working directory when a config
// is named with --config, so the npm script lints from the repository root: the patterns
// below are relative to it.
// The scripts are served as they are, with no build step: classic browser scripts in ES2020.
"use strict";

const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
  {
    files: ["_static/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      ...js.configs.recommended.rules,
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: "error",
      "max-len": ["error", { code: 100, comments: 100 }],
      "no-unused-vars": ["error", { vars: "all", args: "after-used", caughtErrors: "all" }],
    },
  },
];
