/**
 * Prepended to every bundle. The output is ESM (`index.mjs`), but mailparser, nodemailer and parts of the
 * SDK are CommonJS and call `require` for Node built-ins; esbuild's shim needs a real `require` in scope.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as spocCreateRequire } from 'node:module';const require = spocCreateRequire(import.meta.url);";

/**
 * The esbuild settings every function of the stack is bundled with (`SpocFunction` hands them to
 * NodejsFunction, which adds ESM output, an external source map and the externals below). Kept free of
 * aws-cdk-lib so the cold-start benchmark builds its bundles from these very settings.
 */
export const FUNCTION_BUNDLING = {
  /** The functions' runtime is nodejs22.x. */
  target: 'node22',
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  minify: true,
  keepNames: true,
  sourcesContent: false,
} as const;

/**
 * Imports the bundles resolve elsewhere (esbuild `alias`; paths relative to the project root, where the
 * stack and the benchmark run esbuild).
 *
 * libmime: mailparser imports it as ESM while mailparser's splitter (`@zone-eu/mailsplit`) requires it
 * as CommonJS, so a bundle would hold both builds of the one installed version (87 KB minified, and its
 * charset and MIME-type tables set up twice at every cold start). Both now take the CommonJS build:
 * its `module.exports` is the libmime instance, which is what the ESM build's default export is and
 * all that mailparser imports.
 */
export const BUNDLE_ALIASES: Readonly<Record<string, string>> = {
  libmime: './node_modules/libmime/dist/cjs/libmime.js',
};

/**
 * Packages installed beside the inbound bundle instead of inside it (NodejsFunction's `nodeModules`).
 *
 * jsdom and planer are only imported (`import()`) for an owner's HTML answer, so a cold start never reads
 * them. iconv-lite is not lazy: libmime imports it at its top level and builds the GBK decoder there, so
 * every cold start reads about 155 KB of it from disk; only the other code pages stay unread until a
 * mail needs them. Measured, the inbound cold start is the same with iconv-lite inside the bundle
 * (bench/README.md, "Cold start"): beside it, it makes the bundle smaller, not the cold start faster.
 */
export const INBOUND_NODE_MODULES = ['jsdom', 'planer', 'iconv-lite'] as const;
