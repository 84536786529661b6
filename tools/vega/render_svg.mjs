// Draws Vega-Lite specs as static SVG files, the same figures certnn report's page shows.
//   node tools/vega/render_svg.mjs SPECS.json OUT_DIR [NAME ...]
// SPECS.json holds {"name": spec, ...} (a report's specs.json, or a bench script's); each spec
// becomes OUT_DIR/name.svg (only the NAMEs given, when some are). Exits 1 with one line on error.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

const [specsPath, outDir, ...names] = process.argv.slice(2);
if (!specsPath || !outDir) {
  console.error('usage: node render_svg.mjs SPECS.json OUT_DIR [NAME ...]');
  process.exit(1);
}
try {
  const specs = JSON.parse(readFileSync(specsPath, 'utf8'));
  mkdirSync(outDir, { recursive: true });
  for (const name of names.length ? names : Object.keys(specs)) {
    if (!(name in specs)) throw new Error(`${specsPath} has no spec named ${name}`);
    const view = new vega.View(vega.parse(vegaLite.compile(specs[name]).spec), { renderer: 'none' });
    const file = join(outDir, `${name}.svg`);
    writeFileSync(file, await view.toSVG());
    view.finalize();
    console.log(file);
  }
} catch (error) {
  console.error(`render_svg: ${error.message}`);
  process.exit(1);
}
