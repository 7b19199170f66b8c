// Bundle the Ember app in app/ with ember-source and Ember Data into
// page/dist/ember-app.js (or the path given as the first argument), one
// classic script that page/index.html loads.
//
// WarpDrive publishes builds with its build-time macros already resolved
// under the "unpkg-dev-deprecated" export condition: the development build
// with every deprecated feature still on, which is what an existing Ember
// Data 5 app gets by default.  ember-source is a v2 addon whose modules
// (@ember/*, @glimmer/*, rsvp, ...) are listed in its "renamed-modules" map.

import * as esbuild from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const EMBER_ROOT = path.dirname(require.resolve("ember-source/package.json"));
const EMBER_MODULES = JSON.parse(fs.readFileSync(path.join(EMBER_ROOT, "package.json"), "utf8"))["ember-addon"]["renamed-modules"];

/** Resolve ember-source's module names to its development build. */
const emberSource = {
  name: "ember-source",
  setup(build) {
    build.onResolve({ filter: /^[@\w]/ }, (args) => {
      for (const candidate of [`${args.path}/index.js`, `${args.path}.js`]) {
        const target = EMBER_MODULES[candidate];
        if (target) return { path: path.join(EMBER_ROOT, "dist/dev/packages", target.replace(/^ember-source\//, "")) };
      }
      return undefined;
    });
    // @ember/test-waiters is the one dependency published with unresolved
    // macros; app/macros.js gives them their development-build values.
    build.onResolve({ filter: /^@embroider\/macros$/ }, () => ({ path: path.join(HERE, "app/macros.js") }));
  },
};

const outfile = path.resolve(process.argv[2] ?? path.join(HERE, "page/dist/ember-app.js"));
const started = Date.now();
await esbuild.build({
  entryPoints: [path.join(HERE, "app/app.js")],
  outfile,
  bundle: true,
  format: "iife",
  target: "es2022",
  conditions: ["unpkg-dev-deprecated", "development"],
  plugins: [emberSource],
  logLevel: "warning",
});
console.log(`built ${path.relative(process.cwd(), outfile)} in ${Date.now() - started} ms`);
