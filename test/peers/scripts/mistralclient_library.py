"""python-mistralclient used as a library against Sirocco, as a team's own tooling would.

Usage: python3 mistralclient_library.py <sirocco v2 URL>
Prints one JSON object with what the client saw; exits non-zero when a call fails.
"""
import json
import sys
import time

from mistralclient.api import client

DEFINITION = """---
version: '2.0'

lib_wf:
  input:
    - server
  output:
    snapshot: <% $.snapshot %>
  tasks:
    name_it:
      action: std.echo output=<% $.server & '_nightly' %>
      publish:
        snapshot: <% $task().result %>
"""


def wait_for_end(mistral, execution_id, deadline_s=60):
    end = time.monotonic() + deadline_s
    while True:
        execution = mistral.executions.get(execution_id)
        if execution.state in ('SUCCESS', 'ERROR', 'CANCELLED'):
            return execution
        if time.monotonic() > end:
            raise RuntimeError('execution %s still %s' % (execution_id, execution.state))
        time.sleep(0.2)


def main(url):
    mistral = client.client(mistral_url=url)
    seen = {}

    created = mistral.workflows.create(DEFINITION)
    seen['created'] = [wf.name for wf in created]
    seen['listed'] = 'lib_wf' in [wf.name for wf in mistral.workflows.list()]

    execution = mistral.executions.create('lib_wf', workflow_input={'server': 'vm1'})
    ended = wait_for_end(mistral, execution.id)
    seen['state'] = ended.state
    seen['output'] = json.loads(ended.output)
    seen['tasks'] = [(t.name, t.state) for t in mistral.tasks.list(workflow_execution_id=execution.id)]

    env = mistral.environments.create(name='lib_env', variables={'region': 'zone-a'})
    seen['environment'] = env.variables

    trigger = mistral.cron_triggers.create(
        'lib_trigger', 'lib_wf', workflow_input={'server': 'vm2'}, pattern='0 5 * * *'
    )
    seen['trigger'] = {'pattern': trigger.pattern, 'next': trigger.next_execution_time}

    action = mistral.action_executions.create('std.echo', {'output': 'from the library'})
    seen['action'] = {'state': action.state, 'output': json.loads(action.output)}

    mistral.cron_triggers.delete('lib_trigger')
    mistral.environments.delete('lib_env')
    mistral.executions.delete(execution.id)
    mistral.workflows.delete('lib_wf')
    seen['deleted'] = 'lib_wf' not in [wf.name for wf in mistral.workflows.list()]

    print(json.dumps(seen))


if __name__ == '__main__':
    main(sys.argv[1])
