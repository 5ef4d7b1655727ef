import { STAGES, type RegisteredStage } from '../stages/registry';
import { stageTypeOf } from '../topology/builder';
import { writesTo, type ResolvedTopology } from '../topology/loader';

/** The README's pipeline table sits between these lines; a test keeps it equal to `humpback topology stages`. */
export const STAGE_TABLE_BEGIN = '<!-- humpback topology stages: begin (generated; edit the stage descriptions, then run the command) -->';
export const STAGE_TABLE_END = '<!-- humpback topology stages: end -->';

const short = (recordType: string): string => recordType.replace(/^humpback\./, '');

/**
 * A topology's stages as a Markdown table (`humpback topology stages`): name and type, the topics it
 * reads and writes with their record types, and what it does (the stage type's description in the
 * registry). The README's table is this for topologies/humpback.yaml, so a new stage type documents
 * itself by its description.
 */
export function stageTable(topology: ResolvedTopology, stages: readonly RegisteredStage[] = STAGES): string {
  const rows = topology.stages.map((s) => {
    const def = stageTypeOf(s, stages);
    const outputs = writesTo(s).map((t) => `\`${t}\``).join(', ');
    const stage = s.name === s.type ? `\`${s.name}\`` : `\`${s.name}\` (${s.type})`;
    return `| ${stage} | \`${s.input}\` → ${outputs} | ${short(s.recordTypes.input)} → ${short(s.recordTypes.output)} | ${def.description.replace(/\|/g, '\\|')} |`;
  });
  return [STAGE_TABLE_BEGIN, '| stage | reads → writes | records | what it does |', '| --- | --- | --- | --- |', ...rows, STAGE_TABLE_END, ''].join('\n');
}
