// Builds the pages into the folder given (the binary serves it): each
// page's script bundled and minified by esbuild, the static files copied.
// Nothing is fetched: esbuild and the libraries come from node_modules,
// installed from package-lock.json.
import { build } from "esbuild";
import { cpSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const out = process.argv[2];
if (!out) {
  console.error("usage: node build.mjs OUT_DIR");
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync("static", out, { recursive: true });

const result = await build({
  entryPoints: {
    "assets/store": "src/store/main.tsx",
    "console/console": "src/console/main.tsx",
  },
  outdir: out,
  bundle: true,
  minify: true,
  format: "esm",
  target: "es2020",
  jsx: "automatic",
  jsxImportSource: "preact",
  metafile: true,
  logLevel: "warning",
});

// The weights the note reports and the browser test checks again.
const weights = {};
for (const [file, info] of Object.entries(result.metafile.outputs))
  weights[relative(resolve(out), resolve(file))] = info.bytes;
writeFileSync(join(out, "..", "web-weights.json"), JSON.stringify(weights, null, 2));
for (const [file, bytes] of Object.entries(weights))
  console.log(`web: ${file} ${(bytes / 1024).toFixed(1)} KiB`);
statSync(join(out, "index.html"));
