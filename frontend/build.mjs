// `make css`: one stylesheet for every page, static/build/app.css.
//
// Bootstrap, purged down to the selectors our markup can produce, then our own stylesheets
// (static/css/*.css, whole and in name order), minified together. The output is committed so that
// `make install` and `make run` need no Node; tests/test_static_build.py fails when it is stale.
//
// The header records a sha256 over the source stylesheets, computed exactly as
// tests/test_static_build.py recomputes it: for each source in bundle order, its path relative to
// static/, a NUL, its bytes, a NUL.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fg from "fast-glob";
import { PurgeCSS } from "purgecss";
import { transform } from "lightningcss";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STATIC = path.join(ROOT, "static");
const OUTPUT = path.join(STATIC, "build", "app.css");
const BOOTSTRAP = "vendor/bootstrap/bootstrap.min.css";

// Where crispy-bootstrap5's templates live: the Makefile asks the venv's Python.
const crispyTemplates = process.env.CRISPY_TEMPLATES;
if (!crispyTemplates) {
  console.error("CRISPY_TEMPLATES is not set: run this through `make css`.");
  process.exit(2);
}

const own = readdirSync(path.join(STATIC, "css"))
  .filter((name) => name.endsWith(".css"))
  .sort()
  .map((name) => `css/${name}`);
const sources = [BOOTSTRAP, ...own];

const hash = createHash("sha256");
const text = {};
for (const source of sources) {
  const bytes = readFileSync(path.join(STATIC, source));
  hash.update(source);
  hash.update("\0");
  hash.update(bytes);
  hash.update("\0");
  text[source] = bytes.toString("utf8");
}

// Every file that can put a class on a page: templates (ours and crispy's), our scripts, and the
// Python that sets classes on widgets and crispy layouts.
const apps = ["leanprogram", "pilots", "training", "plans", "followup"];
const content = [
  path.join(ROOT, "templates/**/*.{html,svg}"),
  path.join(STATIC, "js/*.js"),
  path.join(crispyTemplates, "**/*.html"),
  // ...but not those of crispy's Accordion, Modal and TabHolder layout objects, which no form uses.
  `!${path.join(crispyTemplates, "**/{accordion,accordion-group,modal,tab,tab-link}.html")}`,
  ...apps.map((app) => path.join(ROOT, app, "**/*.py")),
];

// A class a template builds from parts ("text-bg-{% if ... %}success{% endif %}") cannot be read
// whole: keep every selector that starts with such a prefix.
const files = fg.sync(content).sort();
const prefixes = new Set();
for (const file of files) {
  for (const [, value] of readFileSync(file, "utf8").matchAll(/class="([^"]*)"/g)) {
    for (const [, prefix] of value.matchAll(/([A-Za-z][\w-]*-)(?=\{[{%])/g)) {
      prefixes.add(prefix);
    }
  }
}

// Classes that scripts add at run time (static/js/navbar.js: collapse), and the form states that
// Django, crispy or a browser-side check set after the page was written. Bootstrap's own JS is not
// shipped, so its dropdowns, modals and tooltips are not kept unless a template names them.
const safelist = {
  standard: [
    "show",
    "collapse",
    "collapsing",
    "active",
    "disabled",
    "was-validated",
    "is-invalid",
    "is-valid",
    "invalid-feedback",
    "valid-feedback",
    ...[...prefixes].sort().map((prefix) => new RegExp(`^${prefix}`)),
  ],
};

const [purged] = await new PurgeCSS().purge({
  content: files,
  css: [{ raw: text[BOOTSTRAP] }],
  safelist,
  fontFace: true,
  keyframes: true,
  // Bootstrap's custom properties stay: our own stylesheets (not purged) read them through var(),
  // which the purge cannot see; dropping the unused ones would save under 1 KiB gzipped.
  variables: false,
  rejected: false,
});

const combined = [purged.css, ...own.map((source) => text[source])].join("\n");
const { code } = transform({
  filename: "app.css",
  code: Buffer.from(combined),
  minify: true,
  // The browsers Bootstrap 5.3 supports; lightningcss leaves what they all read alone.
  targets: { chrome: 60 << 16, firefox: 60 << 16, safari: 12 << 16 },
});

const header =
  `/*! Built by \`make css\` (frontend/build.mjs) from ${sources.join(", ")}; ` +
  `Bootstrap purged. Do not edit. sources-sha256=${hash.digest("hex")} */\n`;
mkdirSync(path.dirname(OUTPUT), { recursive: true });
writeFileSync(OUTPUT, header + code.toString() + "\n");
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const before = sources.reduce((sum, source) => sum + Buffer.byteLength(text[source]), 0);
console.log(`static/build/app.css: ${kib(before)} of sources -> ${kib(header.length + code.length)}`);
