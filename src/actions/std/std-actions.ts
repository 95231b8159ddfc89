import type { SshSettings } from '../../config/sirocco-config';
import type { MailSender } from '../../mail/mail-sender';
import type { ActionHandler } from '../action.types';
import { asyncNoopAction, echoAction, failAction, noopAction, sleepAction } from './basic.actions';
import { emailAction } from './email.action';
import { httpAction } from './http.action';
import { sshAction, sshProxiedAction } from './ssh.action';

/** The standard actions, with Mistral's names, parameters and defaults so existing definitions run. */
export function stdActions(mail: MailSender, maxDurationSeconds: number, ssh: SshSettings): ActionHandler[] {
  return [
    noopAction,
    asyncNoopAction,
    echoAction(maxDurationSeconds),
    failAction,
    sleepAction(maxDurationSeconds),
    httpAction,
    emailAction(mail),
    sshAction(ssh, maxDurationSeconds),
    sshProxiedAction(ssh, maxDurationSeconds),
  ];
}
