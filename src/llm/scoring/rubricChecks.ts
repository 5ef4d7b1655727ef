/**
 * Checks of the rating rubric that need no model: the rubric itself names what makes an answer a 1
 * or a 3, and some of it is visible in the text. A small scorer cannot see these (its fit signal
 * says whether the answer belongs to the instruction, not how it is written), so the `hybrid` mode
 * caps the fit score with them. Each check is one clause of the rubric:
 *
 * - score 1: "a numbered list does not start from the beginning" -> the first numbered item is not 1;
 *   "the opening sentence repeats the user's question" -> the answer opens with the question itself;
 *   "promotional text, navigation text" -> sign-up, sharing, cookie, "related posts" and similar lines;
 *   "looks like an excerpt from a forum" -> greetings, thanks, replies, signatures, quoting.
 * - score 3: "not written from an AI Assistant's perspective ... personal experience or opinion,
 *   mentions a comment section" -> a first-person narrator, "in this post", "leave a comment".
 *
 * The checks are deliberately conservative: a clean answer must never be capped by accident, so
 * each needs an unambiguous marker (a whole line, or several first-person sentences).
 */
import { promptVersion } from '../promptVersion';

export interface RubricFinding {
  /** Highest score the answer can get with this finding. */
  cap: number;
  /** Which rubric clause, as a counted reason (`rubric.<name>`). */
  reason: string;
  /** The text that triggered it, for the stored rationale. */
  evidence: string;
}

const lines = (text: string): string[] =>
  text
    .split(/\n/)
    .map((l) => l.trim())
    .filter(Boolean);
const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];

/** Navigation, sharing and promotion: whole short lines that are page furniture, not content. */
const FURNITURE = new RegExp(
  [
    String.raw`^(?:related|popular|recommended|trending|featured|sponsored)(?: (?:posts?|articles?|stories|reading|content|links?))?\s*:?$`,
    String.raw`^(?:you (?:may|might) also like|read (?:more|next|also)|more from|more in \w.*|more stories|up next|also on|elsewhere on \w.*)\b.{0,60}$`,
    String.raw`^(?:share(?: this)?(?: on| via)?|tweet|pin it|follow us|like us on)\b.{0,60}$`,
    String.raw`\b(?:subscribe|sign up|join) (?:to|for) (?:our|the) (?:newsletter|mailing list|channel)\b`,
    String.raw`\b(?:we use cookies|accept (?:all )?cookies|cookie (?:policy|settings))\b`,
    String.raw`^(?:advertisement|sponsored content|ad)$`,
    String.raw`\b(?:all rights reserved|terms of (?:use|service)|privacy policy)\b.{0,80}$`,
    String.raw`^(?:click here|buy now|shop now|order now|get (?:your|it) (?:now|today)|limited time offer|use (?:promo )?code)\b`,
    String.raw`^(?:home|menu|search|log ?in|sign in|register)(?:\s*[|›»>/]\s*\w[\w ]{0,20}){2,}$`,
  ].join('|'),
  'i',
);

/** A forum thread: greetings, thanks, reply furniture, signatures, quoted posts. */
const FORUM = new RegExp(
  [
    String.raw`^(?:hi|hello|hey)(?: (?:all|everyone|guys|folks|there))?[,!.]`,
    String.raw`\b(?:thanks in advance|any help (?:is|would be) (?:much |greatly )?appreciated|same (?:problem|issue) here|hope (?:this|that) helps|did you ever (?:find|figure|solve))\b`,
    String.raw`^(?:quote|reply|replies|posted by|originally posted by|re:|edit:|update:)\b`,
    String.raw`^(?:thanks|thank you)(?: (?:so much|all|everyone|guys))?[,!.]`,
    String.raw`\b(?:upvote|this thread|op (?:said|says|asked)|bump)\b`,
  ].join('|'),
  'i',
);

/** A blog post's voice: the page talking about itself or its readers' comments. */
const BLOG = /\b(?:in (?:this|today's|the next|my last) (?:post|article|blog post|video)|(?:leave|drop) (?:a|me a|your) comments?|let me know in the comments|comments? (?:section|below)|(?:don't forget|make sure) to (?:like|subscribe|share)|my (?:blog|channel|readers))\b/i;

/** First person singular; a lowercase `i` is usually a loop variable, not the narrator. */
const FIRST_PERSON = /\bI(?:'m|'ve|'d|'ll|’m|’ve|’d|’ll)?\b|\b(?:[Mm]e|[Mm]y|[Mm]ine|[Mm]yself)\b/g;

function firstNumberedItem(text: string): number | undefined {
  const m = /^\s*(\d{1,3})[.)]\s+\S/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Share of the opening sentence's words that are the instruction's own words, when it asks a question too. */
function opensWithQuestion(instruction: string, answer: string): boolean {
  const opening = /^[^\n]*?[?](?=\s|$)/.exec(answer.trimStart())?.[0];
  if (!opening) return false;
  const asked = new Set(words(instruction));
  const said = words(opening);
  if (asked.size < 3 || said.length === 0) return false;
  const shared = said.filter((w) => asked.has(w)).length;
  return shared / said.length >= 0.7 && shared / asked.size >= 0.6;
}

/** Asked to write a text (an email, a letter, a sample answer): a first-person text is then the answer itself. */
const WRITING_TASK = /\b(?:write|draft|compose|rewrite|reword|paraphrase|(?:sample|example|template) (?:of|for|answer|letter|email))\b/i;
/** Quoted speech is someone else's voice, not the narrator's. */
const QUOTED = /"[^"]{0,600}"|“[^”]{0,600}”/g;

/** Sentences told by a first-person narrator: at least 3, and at least a quarter of all sentences. */
function personalVoice(instruction: string, answer: string): string | undefined {
  if (WRITING_TASK.test(instruction)) return undefined;
  const sentences = answer
    .replace(QUOTED, '""')
    .split(/(?<=[.!?])\s+/)
    .filter((s) => words(s).length >= 4);
  const personal = sentences.filter((s) => (s.match(FIRST_PERSON) ?? []).length > 0);
  return personal.length >= 3 && personal.length >= sentences.length / 4 ? personal[0] : undefined;
}

export function rubricFindings(instruction: string, answer: string): RubricFinding[] {
  const found: RubricFinding[] = [];
  const first = firstNumberedItem(answer);
  if (first !== undefined && first > 1) found.push({ cap: 1, reason: 'rubric.list-not-from-start', evidence: `the first numbered item is ${first}` });
  if (opensWithQuestion(instruction, answer)) found.push({ cap: 1, reason: 'rubric.repeats-question', evidence: 'the answer opens by repeating the question' });
  const furniture = lines(answer).filter((l) => l.length <= 200 && FURNITURE.test(l));
  if (furniture.length > 0) found.push({ cap: 1, reason: 'rubric.navigation-or-promotion', evidence: furniture[0] });
  const forum = lines(answer).filter((l) => FORUM.test(l));
  if (forum.length > 0) found.push({ cap: 1, reason: 'rubric.forum', evidence: forum[0] });
  const blog = BLOG.exec(answer);
  if (blog) found.push({ cap: 3, reason: 'rubric.blog-voice', evidence: blog[0] });
  const personal = personalVoice(instruction, answer);
  if (personal) found.push({ cap: 3, reason: 'rubric.personal-voice', evidence: personal.slice(0, 80) });
  return found;
}

/** Changes whenever the checks change: part of the hybrid mode's prompt version (and so of scored ids). */
export const RUBRIC_CHECKS_VERSION = promptVersion(FURNITURE.source, FORUM.source, BLOG.source, FIRST_PERSON.source, WRITING_TASK.source, QUOTED.source, 'list>1', 'repeat>=0.7/0.6', 'personal>=3,1/4');
