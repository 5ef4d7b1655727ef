/**
 * Main-text extraction (src/text/htmlToText.ts, src/text/html/mainContent.ts): one hand-written page
 * per failure class seen on real news and blog pages, each a small site frame around an article.
 */
import { htmlToStructuredText } from '../../src/text/htmlToText';
import { ARTICLE, P1, P2, P3, page, TEASERS, text } from '../helpers/articlePages';

describe('main-text extraction', () => {
  it('keeps the article and drops the site frame around it', () => {
    const out = text(page(`<div class="article">${ARTICLE}</div>`));
    for (const p of ['Seals return to the sandbanks', P1, P2, P3]) expect(out).toContain(p);
    for (const junk of ['Home', 'Sunny spells']) expect(out).not.toContain(junk);
  });

  it('a body inside one <form> (ASP.NET) is not dropped with the form', () => {
    const html = page(`<form id="aspnetForm" method="post" action="./news.aspx"><input type="hidden" name="__VIEWSTATE" value="x"><div id="content">${ARTICLE}</div></form>`);
    const out = text(html);
    for (const p of [P1, P2, P3]) expect(out).toContain(p);
  });

  it('a form inside the article (a comment form) still goes', () => {
    const out = text(page(`<div class="article">${ARTICLE}<form action="/post"><p>Your name (required): we never publish your e-mail address anywhere.</p><textarea></textarea></form></div>`));
    expect(out).toContain(P3);
    expect(out).not.toContain('Your name');
  });

  const COMMENTS =
    '<div id="comments"><h3>2 Comments</h3><ol class="comment-list">' +
    '<li class="comment"><p>Wonderful news, I saw hundreds of them from the ferry last week and could hardly believe my eyes.</p></li>' +
    '<li class="comment"><p>Let us hope the boat ban stays in place after the summer, the colony needs a few quiet years yet.</p></li></ol></div>';

  it('drops a reader comment thread by default and keeps it on request', () => {
    const html = page(`<div class="post">${ARTICLE}${COMMENTS}</div>`);
    expect(text(html)).toContain(P3);
    expect(text(html)).not.toContain('Wonderful news');
    expect(text(html, { comments: true })).toContain('Wonderful news');
  });

  it('drops a related-stories list inside the article, teasers with summaries included', () => {
    const related = '<h2>Related Stories</h2>' + TEASERS.map(([href, title, summary]) => `<div><h3><a href="${href}">${title}</a></h3><p>${summary}</p></div>`).join('');
    const out = text(page(`<article>${ARTICLE}${related}</article>`));
    expect(out).toContain(P3);
    for (const junk of ['Related Stories', 'Puffins', 'Warm weather', 'Otters']) expect(out).not.toContain(junk);
  });

  it('drops teaser cards whose link wraps the heading, with no heading naming the box', () => {
    const cards = TEASERS.map(([href, title, summary]) => `<div class="card"><a href="${href}"><h3>${title}</h3></a><p>${summary}</p></div>`).join('');
    const out = text(page(`<article>${ARTICLE}${cards}</article>`));
    expect(out).toContain(P3);
    for (const junk of ['Puffins', 'Warm weather', 'Otters', 'A family']) expect(out).not.toContain(junk);
  });

  it('drops the lines that speak to the reader about the site, one of each family, and keeps the article', () => {
    const lines = [
      'Subscribe to our newsletter for the week in nature.',
      '¿Ya sabías que tenemos canal de Telegram? Únete desde tu celular.',
      'Allow notifications to get the day’s top stories from Coast News.',
      'Support independent journalism: donate today.',
      'We want to hear what you think about this article. Submit a letter to the editor.',
      'Comments are closed.',
      'Anzeige',
      'This post contains affiliate links: we may earn a commission when you buy through them.',
      '© 2024 Coast News. All rights reserved.',
      'We use cookies to improve your experience.',
      'Source: Coastal Wildlife Office, 2 May 2024',
      'Photo: Coastal Wildlife Office',
      'Fig. 2: Seal counts since 1990.',
    ];
    const out = text(page(`<article>${ARTICLE}${lines.map((l) => `<p>${l}</p>`).join('')}</article>`));
    for (const p of [P1, P2, P3]) expect(out).toContain(p);
    for (const l of lines) expect(out).not.toContain(l);
  });

  it('keeps a slide whose picture credit shares its paragraph, and long prose that mentions a newsletter', () => {
    const slide = 'Seals rest on the outer sandbank at low tide, safe from the boats.<br>Photo: Coastal Wildlife Office';
    const long = `${P1} The office also publishes a newsletter with the counts, sent to every school on the coast.`;
    const out = text(page(`<article>${ARTICLE}<p>${slide}</p><p>${long}</p></article>`));
    expect(out).toContain('Photo: Coastal Wildlife Office');
    expect(out).toContain('sent to every school on the coast');
  });

  it('drops a status banner (class alert-banner) above the article', () => {
    const banner = '<div class="alert-banner"><h2>Office status</h2><p>The wildlife office is open, and all its visitor services now run online only.</p></div>';
    const out = text(page(`<div id="main">${banner}${ARTICLE}</div>`));
    expect(out).toContain(P1);
    expect(out).not.toContain('visitor services');
  });

  it('drops a footer with a compound class name (footer-wrap) inside the content area', () => {
    const footer = '<div class="footer-wrap"><p>Coast News is published by the Coastal Media Group, registered in the county of Norfolk under number 123456.</p></div>';
    const out = text(page(`<div id="main">${ARTICLE}${footer}</div>`));
    expect(out).toContain(P3);
    expect(out).not.toContain('Coastal Media Group');
  });

  it('keeps a paragraph whose hidden pop-up link card would make it look link-dense', () => {
    const card =
      '<span class="glossary-tooltip"><a href="/a">Seal facts</a> <a href="/b">Seal photos</a> <a href="/c">Seal videos</a> <a href="/d">All about harbour seals</a></span>';
    const para = `<p>Harbour <a href="/seals">seals</a>${card} rest on sandbanks between tides and are easily disturbed.</p>`;
    const out = text(page(`<div class="article">${ARTICLE}${para}</div>`));
    expect(out).toContain('Harbour seals rest on sandbanks between tides and are easily disturbed.');
    expect(out).not.toContain('Seal photos');
  });

  it('drops bylines and image captions by default, keeps them on request', () => {
    const html = page(
      `<div class="article"><p class="byline">By Anna Berg, 3 May 2024</p>${ARTICLE}` +
        '<figure><img src="seal.jpg"><figcaption>A harbour seal on the Blakeney sandbank.</figcaption></figure></div>',
    );
    expect(text(html)).not.toContain('Anna Berg');
    expect(text(html)).not.toContain('Blakeney');
    expect(text(html, { bylines: true, captions: true })).toContain('Anna Berg');
    expect(text(html, { bylines: true, captions: true })).toContain('Blakeney');
  });

  it('drops a heading left at the end with nothing under it (a box title whose links went)', () => {
    const box = '<h3>Coast News Extra</h3><ul><li><a href="/tides">Tide tables for May</a></li><li><a href="/ferries">Ferry times</a></li></ul>';
    const blocks = htmlToStructuredText(page(`<article>${ARTICLE}${box}</article>`)).blocks;
    expect(blocks[blocks.length - 1]).toEqual({ kind: 'paragraph', text: P3 });
  });

  it('a named wrapper that holds the whole article is a wrapper, not chrome', () => {
    const out = text(page(`<div id="Ads_TakeOver"><div class="widget Blog">${ARTICLE}</div></div>`));
    for (const p of [P1, P2, P3]) expect(out).toContain(p);
  });

  it('keeps the structure the segmenter needs: headings, lists, code, tables', () => {
    const body =
      `${ARTICLE}<h2>How to count</h2><p>${P2}</p><ol><li>Fly the transect</li><li>Photograph each group</li></ol>` +
      '<pre>count = len(seals)\nprint(count)</pre><table><tr><th>Year</th><th>Seals</th></tr><tr><td>2024</td><td>4100</td></tr></table>';
    const blocks = htmlToStructuredText(page(`<main>${body}</main>`)).blocks;
    expect(blocks.map((b) => b.kind)).toEqual(['heading', 'paragraph', 'paragraph', 'paragraph', 'heading', 'paragraph', 'list', 'code', 'table']);
    expect(blocks[4]).toEqual({ kind: 'heading', level: 2, text: 'How to count' });
  });

  it('a page that is all chrome yields no blocks, and `mainContent: false` converts the whole page', () => {
    const chrome =
      '<html><body><header><a href="/">Coast News</a></header><ul class="menu"><li><a href="/a">About</a></li><li><a href="/b">Contact</a></li></ul>' +
      '<div class="sidebar"><p>Sign up for our newsletter!</p></div><footer><p>© 2024 Coast News. All rights reserved.</p></footer></body></html>';
    expect(htmlToStructuredText(chrome).blocks).toEqual([]);
    const notice = '<div><p>Ferry timetables change on 1 June.</p></div>';
    expect(text(page(`<div>${ARTICLE}</div>${notice}`))).not.toContain('Ferry timetables');
    expect(text(page(`<div>${ARTICLE}</div>${notice}`), { mainContent: false })).toContain('Ferry timetables');
  });
});
