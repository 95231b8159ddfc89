import type { SiroccoConfig } from '../../config/sirocco-config';
import type { MailSender } from '../../mail/mail-sender';
import type { ActionHandler } from '../action.types';
import { asyncNoopAction, echoAction, failAction, noopAction, sleepAction } from './basic.actions';
import { emailAction } from './email.action';
import { httpAction } from './http.action';
import { sshAction, sshProxiedAction } from './ssh.action';
import { mistralHttpAction } from './mistral-http.action';

/** Where receivers of std.mistral_http reach this service: SIROCCO_PUBLIC_URL, else its own port on localhost. */
function callbackBaseUrl(config: SiroccoConfig): string {
  return config.http.publicUrl ?? `http://127.0.0.1:${config.http.port}`;
}

/** The standard actions, with Mistral's names, parameters and defaults so existing definitions run. */
export function stdActions(mail: MailSender, config: SiroccoConfig): ActionHandler[] {
  const maxDurationSeconds = config.limits.durationSeconds;
  return [
    noopAction,
    asyncNoopAction,
    echoAction(maxDurationSeconds),
    failAction,
    sleepAction(maxDurationSeconds),
    httpAction,
    mistralHttpAction(callbackBaseUrl(config)),
    emailAction(mail),
    sshAction(config.ssh, maxDurationSeconds),
    sshProxiedAction(config.ssh, maxDurationSeconds),
  ];
}
