import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildEvidence, escapeHtml, renderEvidenceReport } from '../../../../core/domain/evidence/index.ts';
import { MIGRATION_ID, sampleInput } from './fixtures.ts';

const html = () => renderEvidenceReport(buildEvidence(sampleInput()));

describe('renderEvidenceReport', () => {
  it('escapes every value: a topic named customers<script> stays text', () => {
    expect(html()).toContain('customers&lt;script&gt;');
    expect(html()).toContain('ops &lt;alice&gt;');
    expect(html()).not.toMatch(/<script/i);
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('is self-contained: no script, no external resource, and a CSP that forbids fetching', () => {
    const page = html();

    expect(page).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(page).not.toMatch(/\s(src|href)=/i);
    expect(page).not.toMatch(/url\(|@import|https?:\/\//i);
  });

  it('shows a failed validation and the demo-key notice', () => {
    const input = sampleInput();
    const failed = renderEvidenceReport(
      buildEvidence({
        ...input,
        validation: {
          overall: 'FAILED',
          checks: [
            {
              name: 'counts_and_offsets',
              status: 'failed',
              summary: 'counts_and_offsets: 1 partition(s) exceed count_tolerance=1',
              lines: ['orders/1 source_span=330 target_span=295 diff=35'],
            },
          ],
        },
      }),
    );

    expect(failed).toContain('validation FAILED');
    expect(failed).toContain('orders/1 source_span=330 target_span=295 diff=35');
    expect(failed).toContain('built-in demo key');
  });
});

describe('evidence.html in headless Chromium', () => {
  const CHROMIUM = '/usr/bin/chromium';
  const flags = (profile: string) => [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    `--user-data-dir=${profile}`,
  ];

  it('shows the migration id, the overall result and a group translated offset; renders a screenshot', () => {
    // Arrange (scripts/test.sh installs Debian chromium when it is missing)
    expect(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium`).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'evidence-html-'));
    const page = join(dir, 'evidence.html');
    writeFileSync(page, html());
    const screenshot = join(dir, 'evidence.png');

    // Act
    const dom = spawnSync(CHROMIUM, [...flags(join(dir, 'p1')), '--dump-dom', `file://${page}`], {
      encoding: 'utf8',
      timeout: 90_000,
    });
    const shot = spawnSync(
      CHROMIUM,
      [...flags(join(dir, 'p2')), '--window-size=1200,2600', `--screenshot=${screenshot}`, `file://${page}`],
      { encoding: 'utf8', timeout: 90_000 },
    );

    // Assert
    expect(dom.status, dom.stderr).toBe(0);
    const text = dom.stdout.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain(MIGRATION_ID);
    expect(text).toContain('validation PASSED');
    expect(text).toMatch(
      /group billing topic partition committed source offset translated target offset orders 0 9007199254740990 9007199254740990/,
    );
    expect(text).toContain('customers&lt;script&gt;');
    expect(dom.stdout).not.toMatch(/<script/i);
    expect(shot.status, shot.stderr).toBe(0);
    const png = readFileSync(screenshot);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(statSync(screenshot).size).toBeGreaterThan(20_000);
    if (process.env.KRAFT_MIGRATE_KEEP_SCREENSHOT)
      writeFileSync(process.env.KRAFT_MIGRATE_KEEP_SCREENSHOT, png);
  }, 120_000);
});
