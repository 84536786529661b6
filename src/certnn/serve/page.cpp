#include "certnn/serve/page.hpp"

namespace certnn::serve {

std::string_view index_html() {
  static constexpr std::string_view kPage = R"html(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>certnn serve</title>
<style>
body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em}
canvas{border:1px solid #888;image-rendering:pixelated;width:224px;height:224px;touch-action:none}
textarea{width:100%;height:5em}.bad{color:#b00}.good{color:#070}
table{border-collapse:collapse}td{padding:0 .6em;border-bottom:1px solid #ddd}
</style></head><body>
<h1>certnn serve</h1>
<p id="model">loading the model…</p>
<div id="draw" hidden><canvas id="canvas"></canvas><br>
<button id="clear">clear</button> draw a digit, then predict</div>
<p>Input (comma-separated, flattened row-major):</p>
<textarea id="input"></textarea><br>
<label><input type="checkbox" id="radius"> certified radius</label>
<button id="predict">predict</button>
<div id="result"></div>
<script>
"use strict";
let model = null, side = 0;
const $ = id => document.getElementById(id);
const canvas = $("canvas"), ctx = canvas.getContext("2d");
function pixels() {
  const data = ctx.getImageData(0, 0, side, side).data, values = [];
  for (let i = 0; i < side * side; ++i) values.push(+(data[4 * i + 3] / 255).toFixed(4));
  return values;
}
function paint(event) {
  if (!(event.buttons & 1)) return;
  const box = canvas.getBoundingClientRect();
  const x = Math.floor((event.clientX - box.left) / box.width * side);
  const y = Math.floor((event.clientY - box.top) / box.height * side);
  ctx.fillStyle = "#000"; ctx.fillRect(x, y, 1, 1);
  $("input").value = pixels().join(",");
}
function show(answer, status) {
  const out = $("result");
  if (status !== 200) { out.innerHTML = ""; const p = document.createElement("p");
    p.className = "bad"; p.id = "error"; p.textContent = status + ": " + answer.error; out.appendChild(p); return; }
  const c = answer.certificate || {};
  const certified = c.certified === true ? "certified" : c.certified === false ? "not certified" : "unfinished";
  const rows = (answer.scores || []).map((s, i) => "<tr><td>" + i + "</td><td>" + s.toFixed(4) + "</td></tr>").join("");
  out.innerHTML = "<p id=\"prediction\">prediction: <b>" + answer.prediction + "</b></p>" +
    "<p id=\"certificate\">" + certified + " at eps " + c.eps + " (" + c.method + "), margin lower bound " +
    c.margin_lower + (c.radius ? ", certified radius " + c.radius.certified : "") + "</p>" +
    "<p id=\"trusted\" class=\"" + (answer.trusted ? "good\">trusted" : "bad\">not trusted: " + answer.reasons.join(", ")) +
    "</p><table>" + rows + "</table>";
}
async function predict() {
  let values;
  try { values = JSON.parse("[" + $("input").value + "]"); } catch (e) { values = null; }
  const body = values ? JSON.stringify({input: values, radius: $("radius").checked}) : $("input").value;
  const response = await fetch("/v1/predict", {method: "POST", headers: {"Content-Type": "application/json"}, body});
  show(await response.json(), response.status);
}
$("predict").onclick = predict;
$("clear").onclick = () => { ctx.clearRect(0, 0, side, side); $("input").value = pixels().join(","); };
canvas.onpointerdown = canvas.onpointermove = paint;
fetch("/v1/model").then(r => r.json()).then(m => {
  model = m;
  $("model").textContent = "input " + m.input_shape.join("x") + ", " + m.classes + " classes, certificate: " +
    m.certificate.method + " at eps " + m.certificate.eps + (m.guard ? ", guard on" : "");
  side = m.input_size === 64 ? 8 : m.input_size === 784 ? 28 : 0;
  if (side) { canvas.width = canvas.height = side; $("draw").hidden = false; $("input").value = pixels().join(","); }
  document.body.dataset.ready = "1";
  const preset = new URLSearchParams(location.search).get("input");
  if (preset) { $("input").value = preset; predict(); }
});
</script></body></html>
)html";
  return kPage;
}

}  // namespace certnn::serve
