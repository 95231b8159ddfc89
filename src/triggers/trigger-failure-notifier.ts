import { Inject, Injectable, Logger } from '@nestjs/common';
import { SIROCCO_CONFIG } from '../config/config.module';
import type { SiroccoConfig } from '../config/sirocco-config';
import { MailSender } from '../mail/mail-sender';
import { formatUtc } from './schedule/trigger-schedule';
import type { FiringFailure } from './trigger-firing.record';
import { triggerMasker } from './trigger-masker';

/**
 * Mails a failed firing to the workflow input's `to_addr_error` (the address the shipped workflows
 * send their own error reports to) or else to the configured operator, so that a trigger never
 * fails silently, not even when the workflow could not start at all.
 */
@Injectable()
export class TriggerFailureNotifier {
  private readonly logger = new Logger(TriggerFailureNotifier.name);

  constructor(
    private readonly mail: MailSender,
    @Inject(SIROCCO_CONFIG) private readonly config: SiroccoConfig,
  ) {}

  recipients(input: Record<string, unknown>): string[] {
    const own = input.to_addr_error;
    const list = (Array.isArray(own) ? own : typeof own === 'string' ? own.split(',') : [])
      .map((address) => String(address).trim())
      .filter(Boolean);
    if (list.length > 0) return list;
    return this.config.triggers.operatorEmail ? [this.config.triggers.operatorEmail] : [];
  }

  async notify(failure: FiringFailure): Promise<void> {
    const to = this.recipients(failure.trigger.workflowInput);
    const { trigger } = failure;
    const reason = triggerMasker(trigger).text(failure.reason);
    if (to.length === 0) {
      this.logger.error(`cron trigger ${trigger.name}: ${reason} (no to_addr_error and no SIROCCO_OPERATOR_EMAIL: nobody to mail)`);
      return;
    }
    const text = [
      `The cron trigger "${trigger.name}" (project ${trigger.projectId}) could not start workflow "${trigger.workflowName}".`,
      '',
      `Scheduled for: ${formatUtc(failure.scheduledFor)} UTC`,
      `Reason: ${reason}`,
      failure.executionId === null ? 'Execution: none (the slot was not run)' : `Execution: ${failure.executionId} (state ERROR)`,
      '',
      'The trigger stays scheduled; fix the cause (GET /v2/cron_triggers/' + trigger.name + '/firings shows the history).',
    ].join('\n');
    try {
      await this.mail.send({ to, subject: `[Sirocco] ${trigger.workflowName} did not start: cron trigger ${trigger.name}`, text });
    } catch (error) {
      this.logger.error(`cron trigger ${trigger.name}: mailing the failure to ${to.join(', ')} failed: ${String(error)}`);
    }
  }
}
