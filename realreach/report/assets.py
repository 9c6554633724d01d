"""The report folder's shared assets, written once per folder rather than inlined per page.

Vega, Vega-Lite and vega-embed come from vl-convert-python, which ships them inside its wheel:
no CDN, nothing downloaded. Bundling them takes vl-convert ~10 s, so the bundle is cached per
vl-convert version in the user's cache folder and copied from there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from realreach_core.files import atomic_write_bytes

VEGA_JS = "vega.js"
REPORT_JS = "report.js"
REPORT_CSS = "report.css"

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px auto;
  max-width: 1100px; color: #1b1b1b; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; }
.muted { color: #666; } a { color: #0b5cad; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } th.sortable { cursor: pointer; user-select: none; }
th.sortable::after { content: " \\2195"; color: #aaa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.verdict { padding: 1px 7px; border-radius: 9px; color: #fff; font-size: 12px; }
.verdict-suspicious { background: #d62728; } .verdict-unexplained { background: #ff9f1c; }
.verdict-explained { background: #2ca02c; }
ul.reasons { margin: 4px 0 0 18px; padding: 0; }
.chart { margin: 12px 0; }
"""

# Sortable tables and chart embedding, shared by every page.
_JS = """
(function () {
  function cellValue(row, index) {
    var cell = row.children[index];
    var raw = cell.getAttribute('data-sort');
    if (raw === null) raw = cell.textContent.trim();
    var number = parseFloat(raw);
    return isNaN(number) ? raw.toLowerCase() : number;
  }
  function sortBy(table, index, th) {
    var body = table.tBodies[0];
    var ascending = th.getAttribute('data-order') !== 'asc';
    table.querySelectorAll('th').forEach(function (h) { h.removeAttribute('data-order'); });
    th.setAttribute('data-order', ascending ? 'asc' : 'desc');
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = cellValue(a, index), y = cellValue(b, index);
      if (x === y) return 0;
      if (typeof x !== typeof y) return typeof x === 'number' ? -1 : 1;
      return (x < y ? -1 : 1) * (ascending ? 1 : -1);
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th, index) {
      th.classList.add('sortable');
      th.addEventListener('click', function () { sortBy(table, index, th); });
    });
  });
  document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (el) {
    var target = document.getElementById(el.getAttribute('data-chart'));
    window.vegaEmbed(target, JSON.parse(el.textContent), { renderer: 'svg', actions: false })
      .then(function () { target.setAttribute('data-rendered', 'true'); })
      .catch(function (error) { console.error('chart failed: ' + error); });
  });
})();
"""


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "realreach"


def vega_bundle() -> bytes:
    import vl_convert

    cached = _cache_dir() / f"vega-bundle-{vl_convert.__version__}.js"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    data = vl_convert.javascript_bundle().encode("utf-8")
    # a read-only home directory: the bundle is still written to the report, just not cached
    with contextlib.suppress(OSError):
        atomic_write_bytes(cached, data)
    return data


def write_assets(folder: Path) -> Path:
    """Writes assets/ under the report folder (the Vega bundle only when missing or changed)."""
    import vl_convert

    assets = folder / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    stamp = assets / ".vega-version"
    vega = assets / VEGA_JS
    if not vega.exists() or not stamp.exists() or stamp.read_text() != vl_convert.__version__:
        atomic_write_bytes(vega, vega_bundle())
        atomic_write_bytes(stamp, vl_convert.__version__.encode())
    atomic_write_bytes(assets / REPORT_JS, _JS.encode())
    atomic_write_bytes(assets / REPORT_CSS, _CSS.encode())
    return assets


def copy_assets(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)
