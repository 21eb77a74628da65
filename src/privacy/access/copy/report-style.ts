/**
 * The report's stylesheet, inlined in report.html: the file is opened from disk, offline, so it
 * loads nothing. System fonts; colours at least 4.5:1 against their background (WCAG 2.1 AA);
 * readable on a phone and printable.
 */
export const REPORT_STYLE = `
body { background: #f3f2f1; color: #201f1e; font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; line-height: 1.5; margin: 0; }
main { background: #fff; box-sizing: border-box; margin: 0 auto; max-width: 64rem; padding: 1rem 1.25rem 2rem; }
h1 { font-size: 1.5rem; margin: 0.25rem 0 0.5rem; }
h2 { border-top: 1px solid #c8c6c4; font-size: 1.25rem; margin: 2rem 0 0.5rem; padding-top: 1rem; }
h3 { font-size: 1.05rem; margin: 1.5rem 0 0.25rem; }
p, ul { margin: 0.25rem 0 0.75rem; }
.table-wrap { margin: 0.5rem 0 1rem; overflow-x: auto; }
.table-wrap:focus-visible { outline: 3px solid #201f1e; outline-offset: 2px; }
table { border-collapse: collapse; font-size: 0.9rem; width: 100%; }
caption { color: #605e5c; padding-bottom: 0.25rem; text-align: left; }
th, td { border-bottom: 1px solid #e1dfdd; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
td { overflow-wrap: anywhere; white-space: pre-wrap; }
thead th { background: #f3f2f1; border-bottom: 2px solid #8a8886; white-space: nowrap; }
dl { display: grid; gap: 0.25rem 1rem; grid-template-columns: max-content 1fr; margin: 0.25rem 0 0.75rem; }
dt { font-weight: 600; }
dd { margin: 0; overflow-wrap: anywhere; }
.note { color: #605e5c; }
@media (max-width: 32rem) { dl { grid-template-columns: 1fr; } dd { margin-bottom: 0.5rem; } }
@media print { body { background: #fff; } .table-wrap { overflow: visible; } thead { display: table-header-group; } }
`.trim();
