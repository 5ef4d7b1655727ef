/**
 * Families of headings that open page furniture rather than content: "Related Stories", "More in
 * Politics", "You may also like", "Elsewhere on <site>", "From our advertisers", "Sponsored",
 * newsletter boxes, comment threads, contest banners, share rows, tag lists, author boxes. Used by the
 * segment stage's navigation-heading rule (src/text/filters.ts) and, in HTML, to drop the section such
 * a heading opens (src/text/html/furniture.ts). Phrases are in the languages crawls are mostly in
 * (English, German, French, Spanish, Polish, Italian), compared on `headingKey` (lower case, no
 * punctuation or digits): a phrase ending in ` *` also matches as the first words of a longer heading
 * ("more in *" matches "More in Politics"), the others only whole.
 */
export const NAVIGATION_FAMILY_NAMES = [
  'related', 'more', 'alsoLike', 'elsewhere', 'advertisers', 'sponsored', 'newsletter', 'comments', 'contest', 'share',
  'tags', 'contact', 'support', 'author',
] as const;
export type NavigationFamily = (typeof NAVIGATION_FAMILY_NAMES)[number];

const NAVIGATION_FAMILIES: Record<NavigationFamily, readonly string[]> = {
  related: [
    'related', 'related posts', 'related articles', 'related stories', 'related content', 'related news', 'related links',
    'related reading', 'related topics', 'related videos', 'related coverage', 'ähnliche *', 'verwandte *', 'passend dazu',
    'passende artikel', 'zum thema', 'articles similaires', 'sur le même sujet', 'à lire aussi', 'a lire aussi',
    'artículos relacionados', 'temas relacionados', 'noticias relacionadas', 'articoli correlati', 'zobacz też', 'czytaj też',
    'podobne artykuły',
  ],
  more: [
    'more in *', 'more from *', 'more stories *', 'more news', 'more articles', 'more like this',
    'read more', 'read next', 'read also', 'also read', 'keep reading', 'what to read next', 'mehr zum thema *', 'mehr aus *',
    'mehr von *', 'mehr zu *', 'mehr artikel', 'mehr news', 'mehr kolumnen', 'weitere artikel *', 'weitere beiträge *',
    'weitere nachrichten', 'weitere meldungen', 'lesen sie auch', 'lesen sie mehr', 'auch lesenswert', 'weiterlesen',
    'zurück zur übersicht', 'lire aussi', 'lire la suite', 'plus d articles', 'más noticias', 'leer más', 'leggi anche',
    'read further *', 'more information', 'further information', 'weitere informationen', 'mehr informationen',
    'weiterführende informationen', 'weiterführende links', 'plus d informations', 'más información',
  ],
  alsoLike: [
    'you may also like', 'you might also like', 'you may like', 'you might like', 'we recommend', 'recommended',
    'recommended for you', 'recommended stories', 'recommended articles', 'most popular', 'popular', 'popular posts',
    'popular stories', 'most read', 'most viewed', 'trending', 'trending now', 'latest news', 'latest posts', 'latest stories',
    'recent posts', 'top stories', 'das könnte sie auch interessieren', 'das könnte dich auch interessieren',
    'das könnte sie interessieren', 'das könnte dich interessieren', 'auch interessant', 'empfehlungen', 'meistgelesen',
    'meistgelesene artikel', 'meist gelesen', 'beliebte beiträge', 'beliebte artikel', 'neueste beiträge', 'neueste artikel',
    'aktuelle beiträge', 'neue beiträge', 'vous aimerez aussi', 'les plus lus', 'lo más leído', 'te puede interesar',
  ],
  elsewhere: ['elsewhere on *', 'elsewhere', 'around the web', 'from around the web', 'from the web', 'partner sites'],
  advertisers: [
    'from our advertisers', 'advertisement', 'advertisements', 'anzeige', 'werbung', 'publicité', 'publicidad', 'pubblicità',
    'reklama', 'partner content', 'promoted', 'promoted stories', 'paid content',
  ],
  sponsored: ['sponsored', 'sponsored content', 'sponsored links', 'sponsored stories', 'sponsored by *', 'gesponsert', 'sponsored post'],
  newsletter: [
    'newsletter *', 'newsletter', 'free newsletter', 'subscribe', 'subscribe to *', 'sign up *', 'get our newsletter',
    'stay up to date *', 'stay informed', 'sign up for *', 'follow us *', 'follow us', 'abonnieren', 'abonniere *', 'jetzt abonnieren',
    'folgen sie uns *', 'folge uns *', 'abonnez vous *', 'suscríbete *',
  ],
  comments: [
    'comments', 'comment', 'leave a comment', 'leave a reply', 'post a comment', 'add a comment', 'join the discussion',
    'join the conversation', 'reader comments', 'responses', 'kommentare', 'kommentar', 'kommentieren', 'leserkommentare',
    'schreibe einen kommentar', 'kommentar verfassen', 'kommentar schreiben', 'commentaires', 'laisser un commentaire',
    'comentarios', 'deja un comentario', 'komentarze', 'commenti',
  ],
  contest: ['enter to win *', 'win a *', 'win an *', 'giveaway', 'contest', 'contests', 'sweepstakes', 'gewinnspiel', 'gewinnspiele', 'jetzt gewinnen', 'concours'],
  share: [
    'share', 'share this', 'share this article', 'share this post', 'share this story', 'share on *', 'teilen', 'beitrag teilen',
    'artikel teilen', 'teilen sie dies mit', 'diesen artikel teilen', 'partager', 'partager cet article', 'compartir',
  ],
  tags: ['tags', 'tagged with', 'markiert mit', 'schlagworte', 'schlagwörter', 'stichworte', 'kategorien', 'categories', 'filed under'],
  contact: [
    'contact', 'contact us', 'press contact', 'media contact', 'kontakt', 'pressekontakt', 'ihr ansprechpartner *',
    'ihre ansprechpartnerin *', 'ansprechpartner', 'nous contacter', 'contacto',
  ],
  support: [
    'support us', 'support our work', 'donate', 'unterstütze *', 'unterstützen sie *', 'jetzt spenden', 'spenden',
    'soutenez *', 'apóyanos',
  ],
  author: ['about the author', 'über den autor', 'über die autorin', 'zur autorin', 'zum autor', 'à propos de l auteur', 'sobre el autor'],
};

/** The families minus those of what the extraction is asked to keep: kept comments keep their "Comments" heading. */
export function familiesKeeping(families: readonly NavigationFamily[], keep: { comments?: boolean; bylines?: boolean }): NavigationFamily[] {
  return families.filter((f) => !(keep.comments && f === 'comments') && !(keep.bylines && f === 'author'));
}

/** Phrases of the chosen families: whole headings, and first words of longer ones. */
export interface FamilyPhrases {
  whole: ReadonlySet<string>;
  prefixes: ReadonlySet<string>;
}

export function familyPhrases(families: readonly NavigationFamily[]): FamilyPhrases {
  const whole = new Set<string>();
  const prefixes = new Set<string>();
  for (const f of families) {
    for (const phrase of NAVIGATION_FAMILIES[f]) {
      if (phrase.endsWith(' *')) prefixes.add(phrase.slice(0, -2));
      else whole.add(phrase);
    }
  }
  return { whole, prefixes };
}

/** Longest prefix phrase, in words. */
const MAX_PREFIX_WORDS = 4;

/** True when `key` (a `headingKey`) is a phrase of the families, or starts with one of their prefixes. */
export function inFamilies(key: string, phrases: FamilyPhrases): boolean {
  if (phrases.whole.has(key)) return true;
  let end = -1;
  for (let words = 0; words < MAX_PREFIX_WORDS; words++) {
    end = key.indexOf(' ', end + 1);
    if (end < 0) return phrases.prefixes.has(key);
    if (phrases.prefixes.has(key.slice(0, end))) return true;
  }
  return false;
}
