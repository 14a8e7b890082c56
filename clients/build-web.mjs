// Bundles the dashboard for the jar, run by Maven (clients/pom.xml, execution bundle-dashboard, phase
// process-resources) on every build:   node build-web.mjs OUT_DIR
// src/main/web/main.js and everything it imports (its own modules, uPlot, dagre, fflate, their CSS) become
// OUT_DIR/app.js and OUT_DIR/app.css with source maps; src/main/web/index.html is copied beside them. The browser
// decoder (src/main/resources/web/tickwire-decoder.js) is bundled into app.js and is also copied by Maven's resources
// as a file of its own, for pages of other people (docs/feed.md).
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const out = process.argv[2];
if (!out) {
    console.error('usage: node build-web.mjs OUT_DIR');
    process.exit(2);
}
await mkdir(out, { recursive: true });
const result = await esbuild.build({
    entryPoints: { app: 'src/main/web/main.js' },
    outdir: out,
    bundle: true,
    format: 'esm',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
});
await copyFile('src/main/web/index.html', join(out, 'index.html'));
const bytes = Object.entries(result.metafile.outputs).filter(([name]) => !name.endsWith('.map'))
    .map(([name, o]) => `${name.split('/').pop()} ${(o.bytes / 1024).toFixed(0)} KB`).join(', ');
console.log(`dashboard bundled into ${out}: ${bytes}`);
