/**
 * The second look at a page whose main text came out thin (src/text/html/thinText.ts): one
 * hand-written page per place the text hides, and the pages where nothing may come back.
 */
import { htmlToStructuredText } from '../../src/text/htmlToText';
import { P1, P2, page as framed, text } from '../helpers/articlePages';

/** A page with a menu (the frame's sidebar is prose, which the second look must not be tested with). */
const MENU = '<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li></ul></nav>';
const page = (body: string, head = ''): string => framed(MENU + body, false, head);

describe('a thin main text gets a second look', () => {
  it('reads the article from <noscript> when the page renders it by script', () => {
    const html = page(`<div class="post"><h1>Seals return</h1><script type="text/template"><p>${P1}</p></script><noscript><p>${P1}</p><p>${P2}</p></noscript></div>`);
    expect(text(html)).toContain(P2);
  });

  it('reads the article inside an <aside> a theme left unclosed around <main>', () => {
    const html = page(`<aside class="ad-slot"><main><article><h1>Seals return</h1><p>${P1}</p><p>${P2}</p></article></main>`);
    expect(text(html)).toContain(P2);
  });

  it('keeps the captions of a gallery, which are its text', () => {
    const captions = [
      'A grey seal pup rests on the sand while its mother keeps watch from the shallow water nearby.',
      'Two adult harbour seals haul out on the northern sandbank as the tide falls in the late afternoon.',
      'Researchers count the colony from a light aircraft flying a fixed line over the sandbanks each spring.',
      'A ranger marks the edge of the pupping ground, which boats may not enter between May and August.',
    ];
    const figures = captions.map((c, i) => `<figure><img src="/seal${i}.jpg"><figcaption>${c}</figcaption></figure>`).join('');
    const out = text(page(`<div class="gallery">${figures}</div>`));
    for (const c of captions) expect(out).toContain(c);
  });

  it('reads the JSON-LD articleBody when no visible element holds the article', () => {
    const ld = JSON.stringify({ '@context': 'https://schema.org', '@type': 'NewsArticle', headline: 'Seals return', articleBody: `${P1}\n${P2}` });
    const html = page('<div id="app">Loading…</div>', `<script type="application/ld+json">${ld}</script>`);
    expect(htmlToStructuredText(html).blocks).toEqual([
      { kind: 'paragraph', text: P1 },
      { kind: 'paragraph', text: P2 },
    ]);
  });

  it('keeps a page of short lines (a data sheet), which holds no prose the scorer counts', () => {
    const rows = ['Species: harbour seal', 'Colony: northern sandbanks', 'Count 2024: 4,100', 'Count 2023: 3,200', 'Method: aerial survey', 'Next count: August'];
    const intro = '<div class="intro"><p>The latest figures from the regional wildlife office.</p></div>';
    const out = text(page(`${intro}<div class="sheet">${rows.map((r) => `<div>${r}</div>`).join('')}</div>`));
    for (const r of rows) expect(out).toContain(r);
  });

  it('keeps a forum thread, whose posts are all it has', () => {
    const posts = [P1, P2].map((p) => `<div class="comment"><p>${p}</p></div>`).join('');
    expect(text(page(`<div class="thread"><h1>Seal counts?</h1>${posts}</div>`))).toContain(P2);
  });

  it('a short post keeps its few lines, not the comment thread under it', () => {
    const posts = [P1, P2].map((p) => `<div class="comment"><p>${p}</p></div>`).join('');
    const out = text(page(`<div class="post"><h1>Sunset</h1><p>The seals at dusk, from the pier.</p><div class="comments">${posts}</div></div>`));
    expect(out).toContain('The seals at dusk');
    expect(out).not.toContain(P1);
  });

  it('brings back nothing from a page of chrome, prose in its footer or sidebar included', () => {
    const html = page(
      '<aside><p>Coast News is the independent voice of the northern coast, read by fishermen and ferry crews since 1921.</p></aside>' +
        '<footer><p>Coast News is published by the Coastal Media Group, registered in the county of Norfolk under number 123456.</p></footer>',
    );
    expect(htmlToStructuredText(html).blocks).toEqual([]);
  });

  it('leaves a page whose main text is not thin as it was (comments and captions still go)', () => {
    const html = page(
      `<article><h1>Seals return</h1><figure><img src="/s.jpg"><figcaption>A seal on the sandbank</figcaption></figure><p>${P1}</p><p>${P2}</p>` +
        '<div class="comment"><p>Wonderful news, I saw hundreds of them from the ferry last week and could hardly believe it.</p></div></article>',
    );
    const out = text(html);
    expect(out).toContain(P2);
    for (const junk of ['A seal on the sandbank', 'Wonderful news']) expect(out).not.toContain(junk);
  });
});
