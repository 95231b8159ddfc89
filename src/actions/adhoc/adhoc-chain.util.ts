import { ApiError } from '../../common/api-error';
import type { ActionCatalog } from '../action-catalog';
import { isAdhocHandler } from './adhoc-action.handler';
import { MAX_ADHOC_CHAIN, type AdhocActionSpec } from './adhoc-action.types';

/**
 * Checks, before anything is stored, that every action of an upload ends on a system action: each
 * base exists (in the upload, or visible to the project), no chain loops, none is longer than
 * MAX_ADHOC_CHAIN. The upload's own actions stand in for stored ones of the same name.
 */
export function checkAdhocChains(specs: AdhocActionSpec[], catalog: ActionCatalog, projectId: string): void {
  const uploaded = new Map(specs.map((spec) => [spec.name, spec]));
  const baseOf = (name: string): string | undefined => {
    const spec = uploaded.get(name);
    if (spec) return spec.base;
    const handler = catalog.get(name, projectId);
    return isAdhocHandler(handler) ? handler.base : undefined;
  };
  for (const spec of specs) {
    if (catalog.isSystem(spec.name)) throw ApiError.badRequest(`Attempt to modify a system action: ${spec.name}`);
    const seen = new Set([spec.name]);
    let name = spec.base;
    for (let depth = 1; ; depth += 1) {
      if (seen.has(name)) {
        throw ApiError.badRequest(`Found a cycle in an ad-hoc action chain [action_name=${spec.name}, duplicate_action_name=${name}]`);
      }
      if (depth > MAX_ADHOC_CHAIN) {
        throw ApiError.badRequest(`Action ${spec.name}: its chain of base actions is longer than ${MAX_ADHOC_CHAIN}`);
      }
      if (catalog.isSystem(name)) break;
      const next = baseOf(name);
      if (next === undefined) throw ApiError.badRequest(`Failed to find base action [action_name=${name} namespace=] (base of action ${spec.name})`);
      seen.add(name);
      name = next;
    }
  }
}
