/** /dashboard/style.css: system fonts only (no web fonts), one grid of cards. */
export const DASHBOARD_CSS = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f4f6f9; --card: #fff;
  --accent: #2f6fdb; --accent2: #d9822b; --bad: #b3261e; --good: #1e7d45; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { padding: 12px 20px 8px; background: var(--card); border-bottom: 1px solid var(--line); }
h1 { margin: 0; font-size: 20px; }
h2 { margin: 0 0 8px; font-size: 15px; }
.sub { margin: 2px 0 8px; color: var(--muted); }
form { display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: center; }
label { color: var(--muted); }
input, select, button { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; background: #fff; color: var(--fg); }
input[type=number] { width: 6em; }
button { cursor: pointer; background: var(--accent); border-color: var(--accent); color: #fff; }
button[type=button] { background: #fff; color: var(--accent); }
button:disabled { opacity: .5; cursor: progress; }
button:focus-visible, input:focus-visible, select:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }
main { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; padding: 12px 20px 20px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; min-width: 0; }
.wide { grid-column: 1 / -1; }
.figures { display: flex; gap: 32px; margin: 0; }
.figures dt { color: var(--muted); }
.figures dd { margin: 0; font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.pairs { display: grid; grid-template-columns: max-content 1fr; gap: 4px 12px; margin: 0; }
.pairs div { display: contents; }
.pairs dt { color: var(--muted); }
.pairs dd { margin: 0; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { color: var(--muted); font-weight: 600; }
tfoot th, tfoot td { border-top: 2px solid var(--line); }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.zero { color: var(--muted); }
.strong { font-weight: 600; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.subject { max-width: 420px; overflow-wrap: anywhere; }
.urgent { color: var(--bad); font-weight: 600; }
.actions { white-space: nowrap; }
.actions button { padding: 2px 8px; margin-right: 4px; }
.actions .release { background: #fff; color: var(--accent); }
.muted, .note, .empty { color: var(--muted); }
.error { color: var(--bad); margin: 4px 0 0; }
.error:empty { display: none; }
.warn { color: var(--bad); }
#action-result { margin: 6px 0 0; color: var(--good); }
#action-result:empty { display: none; }
.chart { width: 100%; height: auto; display: block; }
.chart .grid { stroke: var(--line); }
.chart .axis, .chart .legend { fill: var(--muted); font-size: 11px; }
.chart .arrivals { fill: var(--accent); }
.chart .completions { fill: none; stroke: var(--accent2); stroke-width: 2; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
@media (max-width: 800px) { main { grid-template-columns: 1fr; } .figures { flex-wrap: wrap; gap: 16px; } }
`;
