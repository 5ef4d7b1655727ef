/**
 * The segment stage on the docs corpus (samples/corpus: 58 Python 3.11 documentation pages), with
 * the defaults: main-text extraction must not cost the docs their sections. Checks: >= 97% of kept
 * segments inside 600-3,000 characters, <= 2% navigation junk (segments under a navigation heading or
 * holding the docs' own page chrome), no duplicate, and main-text extraction keeps >= 97% of the
 * segments the whole-page conversion keeps.
 */
import fs from 'node:fs';
import path from 'node:path';
import { configSchema } from '../../src/stages/segment';
import { createSegmenter, htmlOptions, structureDocument, type KeptSegment } from '../../src/stages/segmentPipeline';
import { isNavigationHeading, navigationSet, DEFAULT_NAVIGATION_HEADINGS } from '../../src/text/filters';

const CORPUS = path.join(__dirname, '../../samples/corpus');
const SPHINX_CHROME = ['Table of Contents', 'Previous topic', 'Next topic', 'This Page', 'Report a Bug', 'Show Source', 'Quick search', '¶'];

function htmlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? htmlFiles(p) : e.name.endsWith('.html') ? [p] : [];
  });
}

function keptSegments(extraction: Record<string, unknown>): KeptSegment[] {
  const config = configSchema.parse({ extraction });
  const segmenter = createSegmenter(config);
  const html = htmlOptions(config);
  return htmlFiles(CORPUS).flatMap((f) => segmenter(structureDocument({ content_type: 'text/html', content: fs.readFileSync(f, 'utf8') }, html)).kept);
}

describe('docs corpus checks (samples/corpus, default segment options)', () => {
  const kept = keptSegments({});
  const nav = navigationSet(DEFAULT_NAVIGATION_HEADINGS);

  it('>= 97% of the kept segments are inside 600-3,000 characters', () => {
    expect(kept.length).toBeGreaterThan(200);
    const inside = kept.filter((s) => s.charCount >= 600 && s.charCount <= 3000).length;
    expect(inside / kept.length).toBeGreaterThanOrEqual(0.97);
  });

  it('<= 2% navigation junk and no duplicate', () => {
    const junk = kept.filter((s) => s.candidate.headingPath.some((h) => isNavigationHeading(h, nav)) || SPHINX_CHROME.some((c) => s.candidate.text.includes(c)));
    expect(junk.length / kept.length).toBeLessThanOrEqual(0.02);
    expect(new Set(kept.map((s) => s.id)).size).toBe(kept.length);
  });

  it('main-text extraction keeps >= 97% of the segments the whole-page conversion keeps', () => {
    const whole = new Set(keptSegments({ mainContent: false }).map((s) => s.id));
    const shared = kept.filter((s) => whole.has(s.id)).length;
    expect(shared / whole.size).toBeGreaterThanOrEqual(0.97);
  });
});
