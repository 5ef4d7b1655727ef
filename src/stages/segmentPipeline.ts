import type { DocumentRecord } from '../records/types';
import { PoisonRecordError } from '../core/errors';
import type { StructuredText } from '../text/blocks';
import {
  allCapsHeadingRule,
  capitalisationRule,
  duplicateInDocumentRule,
  emptyHeadingRule,
  languageRule,
  lengthRule,
  navigationHeadingRule,
  navigationSet,
  type NavigationHeadings,
  repeatedSentencesRule,
  type DropReason,
} from '../text/filters';
import { htmlToStructuredText, type HtmlToTextOptions } from '../text/htmlToText';
import { detectLanguage, toLanguageCode } from '../text/language';
import { markdownToStructuredText } from '../text/markdownToText';
import { NearDuplicateIndex } from '../text/minhash';
import { familiesKeeping } from '../text/navigationFamilies';
import { codePointLength, segmentId } from '../text/normalize';
import { plainToStructuredText } from '../text/plainToText';
import { cutSegments, type CandidateSegment } from '../text/segmenter';
import type { SegmentConfig } from './segment';

/** A candidate that passed every rule, with what the rules computed on the way. */
export interface KeptSegment {
  candidate: CandidateSegment;
  id: string;
  charCount: number;
  /** ISO 639-3, null when language ID is off (no `languages`). */
  language: string | null;
}
export interface DroppedSegment {
  candidate: CandidateSegment;
  reason: DropReason;
  charCount: number;
}
export interface SegmentOutcome {
  kept: KeptSegment[];
  dropped: DroppedSegment[];
}

/** The structure of a document by its content type (parameters such as `; charset=` ignored). */
export function structureDocument(doc: Pick<DocumentRecord, 'content_type' | 'content'>, html: HtmlToTextOptions = {}): StructuredText {
  const mime = doc.content_type.split(';')[0].trim().toLowerCase();
  switch (mime) {
    case 'text/html':
    case 'application/xhtml+xml':
      return htmlToStructuredText(doc.content, html);
    case 'text/markdown':
    case 'text/x-markdown':
      return markdownToStructuredText(doc.content);
    case 'text/plain':
      return plainToStructuredText(doc.content);
    default:
      // Ingest only writes the three types above: anything else is a bad record, kept for a look.
      throw new PoisonRecordError('segment.unsupported-content-type', `content type ${doc.content_type} is not html, markdown or plain text`);
  }
}

/** The HTML options of a segment config: its extraction switches, and its navigation headings for the furniture rule. */
export function htmlOptions(config: SegmentConfig): HtmlToTextOptions {
  return { ...config.extraction, navigation: navigation(config) };
}

/** The configured navigation headings; kept comments or bylines keep their families' headings too. */
function navigation(config: SegmentConfig): NavigationHeadings {
  return navigationSet(config.navigationHeadings, familiesKeeping(config.navigationFamilies, config.extraction));
}

/**
 * Structured text -> kept and dropped candidates. The rules run in a fixed order, cheapest first,
 * and a candidate is dropped for the first one that fires: heading rules, length, duplicate in the
 * document, repeated sentences, language, and last the near-duplicate index (last because it
 * remembers what it passes, so only segments that are kept may enter it). The index, when enabled,
 * is shared by every document the returned function sees.
 */
export function createSegmenter(config: SegmentConfig): (doc: StructuredText) => SegmentOutcome {
  const navigationHeadings = navigation(config);
  const languages = new Set(config.languages.map((code) => toLanguageCode(code) ?? code));
  const repeat = { ngram: config.ngram, threshold: config.repeatJaccard, maxPairs: config.maxRepeatedPairs, maxSentences: config.maxSentences };
  const near = config.nearDuplicates.enabled ? new NearDuplicateIndex(config.nearDuplicates) : undefined;

  const headingReason = (heading: string): DropReason | null =>
    emptyHeadingRule(heading) ??
    navigationHeadingRule(heading, navigationHeadings) ??
    allCapsHeadingRule(heading, config.allCapsMinLetters) ??
    capitalisationRule(heading, config.capitalShare);

  return (doc) => {
    const outcome: SegmentOutcome = { kept: [], dropped: [] };
    const idsInDocument = new Set<string>();
    for (const candidate of cutSegments(doc)) {
      const charCount = codePointLength(candidate.text);
      const drop = (reason: DropReason): void => void outcome.dropped.push({ candidate, reason, charCount });
      const early = headingReason(candidate.heading) ?? lengthRule(charCount, config.minChars, config.maxChars);
      if (early) {
        drop(early);
        continue;
      }
      const id = segmentId(candidate.text);
      const duplicate = duplicateInDocumentRule(id, idsInDocument);
      idsInDocument.add(id);
      const textReason = duplicate ?? repeatedSentencesRule(candidate.prose, repeat);
      if (textReason) {
        drop(textReason);
        continue;
      }
      const language = languages.size === 0 ? null : detectLanguage(candidate.prose, languages);
      const languageReason = languageRule(language, languages);
      if (languageReason) drop(languageReason);
      else if (near?.checkAndAdd(candidate.text)) drop('near-duplicate');
      else outcome.kept.push({ candidate, id, charCount, language });
    }
    return outcome;
  };
}
