// Partial plotly.js bundle for the Integrationsatlas: only the trace types the app draws.
// Run through scripts/build_plotly_bundle.py (pins plotly.js and esbuild, installs them into var/plotly-build).
// Mirrors plotly.js's own esbuild-config.js (iife, globalName Plotly, regl alias, inline CSS) without its
// dev-only plugins: the maplibre CSS is injected by a tiny inline plugin, NODE_DEBUG is a define.
import { createRequire } from "node:module";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const [, , nodeModules, entry, outfile] = process.argv;
const { build } = createRequire(path.join(nodeModules, "noop.js"))("esbuild");   // esbuild from var/plotly-build
const inlineCss = {
  name: "inline-css",
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, (args) => {
      const css = readFileSync(args.path, "utf8");
      const id = createHash("sha256").update(css).digest("hex");
      return {
        loader: "js",
        contents: `(function(){if(!document.getElementById(${JSON.stringify(id)})){var e=document.createElement("style");` +
          `e.id=${JSON.stringify(id)};e.textContent=${JSON.stringify(css)};document.head.appendChild(e);}})();`,
      };
    });
  },
};

await build({
  entryPoints: [entry],
  outfile,
  format: "iife",
  globalName: "Plotly",
  bundle: true,
  minify: true,
  sourcemap: false,
  legalComments: "eof",
  nodePaths: [nodeModules],
  absWorkingDir: path.dirname(entry),
  plugins: [inlineCss],
  alias: { regl: "@plotly/regl", stream: "stream-browserify" },
  define: { global: "window", "define.amd": "false", "process.env.NODE_DEBUG": "false" },
  target: "es2016",
  logLevel: "warning",
});
