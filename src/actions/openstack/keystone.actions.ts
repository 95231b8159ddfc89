import { ActionFailure } from '../action.types';
import { optionalText, type OpenStackActionSpec } from './openstack-action';

/** Keystone actions with Mistral's names. */
export const KEYSTONE_ACTIONS: OpenStackActionSpec[] = [
  {
    name: 'keystone.projects_get',
    description: "Shows a Keystone project (default: the execution's own project), with the execution's OpenStack credentials.",
    parameters: [{ name: 'project', default: null }],
    idempotent: true,
    async run(clients, input, signal) {
      const projectId = optionalText(input, 'project') ?? (await clients.session.projectId());
      if (!projectId) throw new ActionFailure('no project given and the token is not project-scoped');
      return clients.identity.getProject(projectId, signal);
    },
  },
];
