import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test-results/", "data/", "src/db/migrations/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    files: ["src/**/*.ts"],
    ignores: ["src/config.ts"],
    rules: {
      // Configuration is parsed once, in src/config.ts; everything else receives it.
      "no-restricted-properties": [
        "error",
        { object: "process", property: "env", message: "Read configuration from src/config.ts." },
      ],
      "no-restricted-imports": [
        "error",
        {
          patterns: [{ group: ["**/sandbox/**", "**/sandbox"], message: "Production code never imports the sandbox." }],
        },
      ],
      "@typescript-eslint/no-explicit-any": "error",
    },
  },
  {
    files: ["test/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off", "@typescript-eslint/no-non-null-assertion": "off" },
  },
);
