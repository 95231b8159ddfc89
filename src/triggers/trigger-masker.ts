import { SecretMasker } from '../common/secret-mask';

/** The secrets of a trigger's workflow input and params, masked wherever they show. */
export function triggerMasker(trigger: { workflowInput: unknown; workflowParams?: unknown }): SecretMasker {
  return SecretMasker.of(trigger.workflowInput, trigger.workflowParams);
}
