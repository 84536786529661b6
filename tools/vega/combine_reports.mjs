// One figure of several certnn reports drawn together as static SVG, the models told apart by the
// line's dash (and the point's shape): the founding experiments compare models this way.
//   node tools/vega/combine_reports.mjs FIGURE OUT.svg [--filter EXPR] [--title TEXT] LABEL=REPORT_DIR ...
// FIGURE is a line figure of the reports' specs.json ("widths" or "accuracy"); each report's rows
// get a field "model" holding its LABEL. --filter keeps the rows a Vega expression over `datum`
// holds for (e.g. "datum.measure == 'certified'") and then tells the models apart by colour;
// --title replaces the figure's title.
// Exits 1 with one line on error.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

const [figure, out, ...rest] = process.argv.slice(2);
let filter = null;
let title = null;
const reports = [];
for (let i = 0; i < rest.length; ++i) {
  if (rest[i] === '--filter') filter = rest[++i];
  else if (rest[i] === '--title') title = rest[++i];
  else reports.push(rest[i]);
}
try {
  if (!figure || !out || reports.length === 0) throw new Error('usage: combine_reports.mjs FIGURE OUT.svg LABEL=DIR ...');
  let spec = null;
  const rows = [];
  const labels = [];
  for (const entry of reports) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new Error(`'${entry}' is not LABEL=REPORT_DIR`);
    const [label, dir] = [entry.slice(0, at), entry.slice(at + 1)];
    const specs = JSON.parse(readFileSync(join(dir, 'specs.json'), 'utf8'));
    if (!(figure in specs)) throw new Error(`${dir}/specs.json has no figure ${figure}`);
    if (!specs[figure].encoding || !specs[figure].data) throw new Error(`figure ${figure} is not a single-view line figure`);
    spec ??= structuredClone(specs[figure]);
    for (const row of specs[figure].data.values) rows.push({ ...row, model: label });
    labels.push(label);
  }
  spec.data = { name: 'table', values: rows };
  if (title) spec.title = title;
  const byModel = { field: 'model', type: 'nominal', sort: labels, title: 'model' };
  if (filter) {
    spec.transform = [...(spec.transform ?? []), { filter }];
    spec.encoding.color = byModel;
  } else {
    spec.encoding.strokeDash = byModel;
    spec.encoding.shape = byModel;
  }
  const view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: 'none' });
  writeFileSync(out, await view.toSVG());
  view.finalize();
  console.log(out);
} catch (error) {
  console.error(`combine_reports: ${error.message}`);
  process.exit(1);
}
