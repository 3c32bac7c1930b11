import { renderEntry } from '../journal/entry.ts';
import type { EvidenceDocument, ValidationCheck } from './schema.ts';
import { OPENSSL_VERIFY_ARGS } from './signing.ts';

/**
 * The human report `evidence.html`, generated from the evidence document alone (so it can always be
 * regenerated from a verified evidence.json). Self-contained: inline CSS, no script, no image, no
 * font, no link to fetch — and a Content-Security-Policy of `default-src 'none'` so a browser
 * would refuse to fetch anything even if a value slipped through. Every value is HTML-escaped.
 * The report is a view, not the proof: the signature covers evidence.json (the document, or the
 * envelope holding the digest of evidence-body.json), not this file.
 */
export function renderEvidenceReport(doc: EvidenceDocument): string {
  const overall = doc.validation.overall;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Migration evidence ${esc(doc.migration_id)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>Migration evidence</h1>
<p class="id" id="migration-id">${esc(doc.migration_id)}</p>
<p class="overall ${overall === 'PASSED' ? 'pass' : 'fail'}" id="overall">validation ${esc(overall)}</p>
</header>
${signingNotice(doc)}
${section('Summary', summary(doc))}
${doc.warnings.length > 0 ? section('Warnings', `<ul class="warnings">${doc.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>`) : ''}
${section('Validation', validationTable(doc.validation.checks))}
${section('Topics', topicTable(doc))}
${section('Cutover', cutover(doc))}
${section('Translated consumer offsets', translations(doc))}
${section('Journal', timeline(doc))}
${section('Artifacts', artifacts(doc))}
<footer>
${verifyFooter(doc)}
</footer>
</body>
</html>
`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:24px;color:#1d2330;background:#fff}
h1{font-size:22px;margin:0}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dde6;padding-bottom:4px}
header{display:flex;flex-wrap:wrap;gap:16px;align-items:baseline}
.id{font-family:ui-monospace,Menlo,Consolas,monospace;margin:0;color:#4a5568}
.overall{margin:0 0 0 auto;padding:4px 12px;border-radius:4px;font-weight:700;color:#fff}
.pass{background:#2f855a}.fail{background:#c53030}
.notice{margin:16px 0;padding:10px 14px;border-radius:4px;border:1px solid #d69e2e;background:#fffbea}
.notice.ok{border-color:#9ae6b4;background:#f0fff4}
table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #edf0f4;vertical-align:top}
th{background:#f5f7fa;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums;font-family:ui-monospace,Menlo,Consolas,monospace}
code,pre,.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f5f7fa;padding:8px;overflow-x:auto}
.status{font-weight:700}.status.passed{color:#2f855a}.status.failed{color:#c53030}.status.warning{color:#b7791f}.status.skipped{color:#718096}
ol.timeline{list-style:none;padding:0;margin:0;border-left:3px solid #cbd5e0}
ol.timeline li{position:relative;padding:4px 0 8px 16px}
ol.timeline li::before{content:"";position:absolute;left:-7px;top:9px;width:11px;height:11px;border-radius:50%;background:#4a5568}
ol.timeline li.failed::before{background:#c53030}ol.timeline li.finalized::before{background:#2f855a}
.ts{color:#718096}.hash{color:#a0aec0}
ul.warnings li{color:#975a16}
footer{margin-top:32px;color:#4a5568}
`;

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const esc = (value: unknown): string =>
  escapeHtml(value === undefined || value === null ? '' : String(value));

function section(title: string, body: string): string {
  return `<section><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly number[] = [],
): string {
  if (rows.length === 0) return '<p>none</p>';
  const head = headers.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const OPENSSL_VERIFY = `openssl ${OPENSSL_VERIFY_ARGS.join(' ')}`;

function verifyFooter(doc: EvidenceDocument): string {
  if (doc.signing.envelope_file !== undefined) {
    return `<p>This page is generated from <code>evidence-body.json</code>, the evidence document. The signature covers the envelope <code>evidence.json</code>, which holds the body's SHA-256 and size; not this page. Verify it with:</p>
<pre>${OPENSSL_VERIFY}
sha256sum evidence-body.json   # equal to body.sha256 in evidence.json</pre>
<p>or <code>kraft-migrate verify-evidence evidence.json</code> (signature, body, journal hash chain and artifacts).</p>`;
  }
  return `<p>This page is generated from <code>evidence.json</code>; the signature covers that file, not this page. Verify it with:</p>
<pre>${OPENSSL_VERIFY}</pre>
<p>or <code>kraft-migrate verify-evidence evidence.json</code> (signature, journal hash chain and artifacts).</p>`;
}

function signingNotice(doc: EvidenceDocument): string {
  const s = doc.signing;
  if (s.demo_key) {
    return `<p class="notice" id="signing">Signed with the <strong>built-in demo key</strong>: its private key is public, so the signature proves nothing about who wrote this evidence.</p>`;
  }
  return `<p class="notice ok" id="signing">Signed with Ed25519 key <span class="mono">${esc(s.key_id)}</span> (${esc(s.key_source)}), public key SHA-256 <span class="mono">${esc(s.public_key_sha256)}</span>.</p>`;
}

function identity(c: EvidenceDocument['source']): string {
  const where = c.cluster_arn ?? (c.bootstrap_servers ?? []).join(', ');
  const facts = [c.kafka_version && `Kafka ${c.kafka_version}`, c.metadata_mode].filter(Boolean).join(', ');
  return `<span class="mono">${esc(where)}</span>${facts ? ` (${esc(facts)})` : ''}`;
}

function summary(doc: EvidenceDocument): string {
  const groups = new Set(doc.cutover.translations.map((t) => t.group));
  const rows: [string, string][] = [
    ['Source', identity(doc.source)],
    ['Target', identity(doc.target)],
    [
      'Validation',
      `<span class="status ${doc.validation.overall === 'PASSED' ? 'passed' : 'failed'}">${esc(doc.validation.overall)}</span>`,
    ],
    ['Attempt', esc(doc.attempt)],
    ['Generated', esc(doc.generated_at)],
    ['Tool', esc(`${doc.tool.name} ${doc.tool.version}`)],
    ['Config fingerprint', `<span class="mono">${esc(doc.config_fingerprint)}</span>`],
    ['Evidence location', `<span class="mono">${esc(doc.storage.evidence)}</span>`],
    ['Topics', esc(doc.topology.topics.length)],
    ['Records copied (seed + tail)', esc(`${doc.seed.records} + ${doc.tail.records}`)],
    ['Gaps (data aged out on the source)', esc(doc.gaps.length)],
    ['Consumer groups translated', esc(groups.size)],
  ];
  return `<table class="summary"><tbody>${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</tbody></table>`;
}

function validationTable(checks: readonly ValidationCheck[]): string {
  return table(
    ['check', 'result', 'details'],
    checks.map((c) => [
      `<span class="mono">${esc(c.name)}</span>`,
      `<span class="status ${esc(c.status)}">${esc(c.status.toUpperCase())}</span>`,
      `${esc(c.summary)}${c.lines.length > 0 ? `<pre>${c.lines.map(esc).join('\n')}</pre>` : ''}`,
    ]),
  );
}

function sumBy<T>(items: readonly T[], topic: string, pick: (t: T) => [string, string]): bigint {
  let total = 0n;
  for (const item of items) {
    const [t, n] = pick(item);
    if (t === topic) total += BigInt(n);
  }
  return total;
}

function topicTable(doc: EvidenceDocument): string {
  return table(
    [
      'topic',
      'partitions',
      'replication',
      'cleanup.policy',
      'seed records',
      'tail records',
      'sentinels',
      'gaps',
    ],
    doc.topology.topics.map((t) => [
      `<span class="mono">${esc(t.name)}</span>`,
      esc(t.partitions),
      esc(t.replication_factor),
      esc(t.cleanup_policy),
      esc(sumBy(doc.seed.partitions, t.name, (p) => [p.topic, p.records])),
      esc(sumBy(doc.tail.partitions, t.name, (p) => [p.topic, p.records])),
      esc(doc.cutover.sentinels.filter((s) => s.topic === t.name).length),
      esc(doc.gaps.filter((g) => g.topic === t.name).length),
    ]),
    [1, 2, 4, 5, 6, 7],
  );
}

function cutover(doc: EvidenceDocument): string {
  const f = doc.cutover.freeze_window;
  const freeze = `<p>Producers frozen at <span class="mono">${esc(f.frozen_at)}</span> (${esc(f.method)}), unfrozen ${f.unfrozen_at ? `at <span class="mono">${esc(f.unfrozen_at)}</span>` : '— not unfrozen (clients moved to the target)'}.</p>`;
  const sentinels = table(
    ['topic', 'partition', 'sentinel source offset', 'sentinel target offset'],
    doc.cutover.sentinels.map((s) => [
      `<span class="mono">${esc(s.topic)}</span>`,
      esc(s.partition),
      esc(s.source_offset),
      esc(s.target_offset),
    ]),
    [1, 2, 3],
  );
  return `${freeze}\n<h3>Sentinels</h3>\n${sentinels}`;
}

function translations(doc: EvidenceDocument): string {
  const byGroup = new Map<string, typeof doc.cutover.translations>();
  for (const t of doc.cutover.translations) byGroup.set(t.group, [...(byGroup.get(t.group) ?? []), t]);
  if (byGroup.size === 0) return '<p>none</p>';
  return [...byGroup.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([group, rows]) =>
        `<h3 class="group">group <span class="mono">${esc(group)}</span></h3>\n${table(
          ['topic', 'partition', 'committed source offset', 'translated target offset'],
          rows.map((t) => [
            `<span class="mono">${esc(t.topic)}</span>`,
            esc(t.partition),
            esc(t.source_offset),
            esc(t.target_offset),
          ]),
          [1, 2, 3],
        )}`,
    )
    .join('\n');
}

function timeline(doc: EvidenceDocument): string {
  const items = doc.journal.map((e) => {
    const line = renderEntry(e);
    const rest = line.slice(e.ts.length + 1);
    return `<li class="${esc(e.to)}"><span class="ts mono">${esc(e.ts)}</span> ${esc(rest)} <span class="hash mono" title="${esc(e.hash)}">#${esc(e.seq)} ${esc(e.hash.slice(0, 12))}</span></li>`;
  });
  return `<ol class="timeline">\n${items.join('\n')}\n</ol>`;
}

function artifacts(doc: EvidenceDocument): string {
  return table(
    ['key', 'bytes', 'sha256'],
    doc.artifacts.map((a) => [
      `<span class="mono">${esc(a.key)}</span>`,
      esc(a.bytes),
      `<span class="mono">${esc(a.sha256)}</span>`,
    ]),
    [1],
  );
}
