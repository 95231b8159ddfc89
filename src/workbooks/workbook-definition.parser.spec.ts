import { formatDefinitionErrors } from '../workflows/language';
import { parseWorkbookDefinition } from './workbook-definition.parser';
import { workbookSectionTexts } from './workbook-section.util';

const WORKBOOK = `version: '2.0'
name: ops
description: day-to-day jobs
tags: [ops]

actions:
  greet:
    base: std.echo output="hi <% $.who %>"
    input:
      - who

workflows:
  main:
    tasks:
      call:
        workflow: helper
        on-success: say
      say:
        action: greet who=me
  helper:
    input:
      - x: 1
    tasks:
      idle:
        action: std.noop
`;

const KNOWN = { has: (name: string) => name.startsWith('std.'), names: () => ['std.echo', 'std.noop'] };

function errorsOf(text: string): string {
  const result = parseWorkbookDefinition(text, { actions: KNOWN });
  if (result.valid) throw new Error('expected errors');
  return formatDefinitionErrors(result.errors);
}

describe('parseWorkbookDefinition', () => {
  it('reads the workbook, its workflows by short name and its actions', () => {
    const result = parseWorkbookDefinition(WORKBOOK, { actions: KNOWN });
    if (!result.valid) throw new Error(formatDefinitionErrors(result.errors));
    expect(result.workbook).toMatchObject({ name: 'ops', description: 'day-to-day jobs', tags: ['ops'] });
    expect(result.workbook.workflows.map((wf) => wf.name)).toEqual(['main', 'helper']);
    expect(result.workbook.actions).toEqual([{ name: 'greet', base: 'std.echo output="hi <% $.who %>"', input: ['who'] }]);
  });

  it('positions an error of a member workflow in the workbook text', () => {
    expect(errorsOf(WORKBOOK.replace('on-success: say', 'on-success: nowhere'))).toBe(
      "line 17, column 21: main.tasks.call.on-success: unknown task 'nowhere'",
    );
  });

  it('checks the shape of the actions', () => {
    expect(errorsOf(WORKBOOK.replace('base: std.echo output="hi <% $.who %>"', 'base: 42'))).toContain(
      'line 8, column 11: actions.greet.base: must be the name of the action it is based on',
    );
    expect(errorsOf(WORKBOOK.replace('    input:\n      - who\n', '    inputs: [who]\n'))).toContain(
      "line 9, column 5: actions.greet.inputs: unknown key 'inputs' (did you mean 'input'?)",
    );
    expect(errorsOf(WORKBOOK.replace('std.echo output=', 'std echo output='))).toContain("actions.greet.base:");
  });

  it('requires a name and refuses unknown keys and bad member names', () => {
    const text = WORKBOOK.replace('name: ops\n', '').replace('tags: [ops]', 'tag: [ops]').replace('  helper:', '  "bad.name":');
    const errors = errorsOf(text);
    expect(errors).toContain("missing required key 'name'");
    expect(errors).toContain("line 3, column 1: tag: unknown key 'tag'");
    expect(errors).toContain("workflows[\"bad.name\"]: 'bad.name' is not a valid workflow name");
  });

  it('names duplicate workflows of the workbook as such', () => {
    expect(errorsOf(`${WORKBOOK}  helper:\n    tasks:\n      t:\n        action: std.noop\n`)).toContain("duplicate workflow 'helper'");
  });

  it("cuts each member's text out of the workbook, as Mistral stores it", () => {
    const texts = workbookSectionTexts(WORKBOOK, 'workflows');
    expect(texts.get('helper')).toBe('helper:\n  input:\n    - x: 1\n  tasks:\n    idle:\n      action: std.noop\n');
    expect(workbookSectionTexts(WORKBOOK, 'actions').get('greet')).toBe('greet:\n  base: std.echo output="hi <% $.who %>"\n  input:\n    - who\n');
  });
});
