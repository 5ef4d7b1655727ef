import type { Piece } from './linkDensity';

/**
 * Short paragraphs that speak to the reader about the site rather than the subject: calls to
 * subscribe, follow, download the app, donate; rights and disclaimer lines; cookie notices. Pages put
 * them inside the article's own container, where no class name gives them away. Only paragraphs up to
 * PROMO_CHARS are judged, so an article that discusses newsletters or copyright keeps its prose. The
 * phrases cover the languages crawls are mostly in; every pattern is a plain alternation (no nested
 * quantifiers), linear on any input.
 */

const PROMO_CHARS = 250;

const PROMO = new RegExp(
  [
    // subscribe, sign up, newsletters
    '\\bsubscri(?:be|ption)\\b', '\\bsign up\\b', 'newsletter', '\\babonn(?:ier|ez|ement)', '\\bsuscr[ií]b',
    // follow us, apps, social
    '\\bfollow (?:us|the\\b|@)', '\\bfolg(?:en sie|e) uns', '\\bsuivez[- ]nous', '\\bs[ií]guenos', '\\b[uú]nete\\b',
    '\\bdownload (?:the|our)\\b', '\\b(?:unsere|die) app\\b', '\\bjoin (?:us|our)\\b',
    // support, donate
    '\\bdonat(?:e|ion)', '\\bsupport (?:us|our|independent)', '\\bspende', '\\bunterst[üu]tze (?:uns|unsere)', '\\bap[óo]yanos',
    // rights, disclaimers, sources of pictures
    'all rights reserved', 'alle rechte vorbehalten', 'tous droits r[ée]serv[ée]s', 'todos los derechos reservados',
    'wszelkie prawa zastrze', '^©', '^copyright\\b', 'does not (?:offer|provide|constitute) (?:medical|legal|financial)',
    'meinung des autors', 'nicht notwendigerweise die (?:der|des)',
    // cookie notices (not every mention of cookies: docs explain http.cookies)
    '\\b(?:we|site|website|seite|webseite|website) (?:use|uses|verwendet|verwenden|nutzt|nutzen) (?:\\S+ ){0,3}cookies',
    'cookie[- ]?(?:policy|settings|richtlinie|einstellungen|hinweis)', 'korzystamy z (?:plików )?cookies',
    'utilise des cookies', 'utiliza cookies',
  ].join('|'),
  'i',
);

/** True when a short paragraph is such a line. */
export function isPromoLine(text: string): boolean {
  return text.length <= PROMO_CHARS && PROMO.test(text);
}

/** The pieces without promotional paragraphs. */
export function dropPromoLines(pieces: readonly Piece[]): Piece[] {
  return pieces.filter((p) => p.block.kind !== 'paragraph' || !isPromoLine(p.block.text));
}
