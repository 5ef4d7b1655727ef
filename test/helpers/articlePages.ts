/**
 * Hand-written pages for the main-text extraction tests (test/unit/mainText.test.ts,
 * test/unit/thinText.test.ts): an article about seals and a small site frame around it.
 */
import { htmlToStructuredText, type HtmlToTextOptions } from '../../src/text/htmlToText';

export const P1 =
  'The harbour seals returned to the northern sandbanks this spring in larger numbers than at any time since counts began, ' +
  'according to the survey published by the regional wildlife office on Monday.';
export const P2 =
  'Researchers counted more than four thousand animals from the air, and they credit the quieter shipping lanes and a ban on ' +
  'recreational boats near the pupping grounds for the recovery of the colony.';
export const P3 =
  'The office will repeat the survey in August, when the seals moult and spend most of the day hauled out on the sand, which ' +
  'makes them easier to count than at any other time of the year.';

export const ARTICLE = `<h1>Seals return to the sandbanks</h1><p>${P1}</p><p>${P2}</p><p>${P3}</p>`;

/** A site frame (menu, sidebar, footer) around `main`; `head` goes into <head>. */
export const page = (main: string, frame = true, head = ''): string =>
  `<html><head><title>Coast News</title>${head}</head><body>` +
  (frame ? '<div id="top"><ul class="menu"><li><a href="/">Home</a></li><li><a href="/news">News</a></li><li><a href="/sport">Sport</a></li></ul></div>' : '') +
  main +
  (frame ? '<div class="sidebar"><h3>Weather</h3><p>Sunny spells, a light breeze from the west and 18 degrees at noon.</p></div>' : '') +
  '</body></html>';

/** The extracted blocks' text, one per line. */
export const text = (html: string, options?: HtmlToTextOptions): string => htmlToStructuredText(html, options).blocks.map((b) => b.text).join('\n');

/** Two teasers for other stories: path, title, summary. */
export const TEASERS: ReadonlyArray<readonly [string, string, string]> = [
  ['/puffins', 'Puffins nest early', 'Warm weather brought the birds back to the cliffs two weeks before their usual date this year.'],
  ['/otters', 'Otters spotted in the estuary', 'A family of otters has been filmed near the old mill for the first time in decades.'],
];
