import { parse } from 'yaml';
import { AdhocActionsService } from '../../src/actions/adhoc/adhoc-actions.service';
import { useTestApp } from '../support/test-app';

const PROJECT = '<default-project>';

/** The service the workbooks feature calls to keep a workbook's `actions` section as ad-hoc actions. */
describe('ad-hoc actions of workbooks (AdhocActionsService)', () => {
  const t = useTestApp();
  const service = () => t.app.get(AdhocActionsService);
  const names = async () => ((await t.http.get('/v2/actions?fields=name').expect(200)).body.actions as Array<{ name: string }>).map((action) => action.name);

  it('stores a workbook\'s actions as <workbook>.<name>, runnable at once', async () => {
    const actions = parse(`
hello:
  base: std.echo
  base-input:
    output: <% 'hi ' & $.who %>
  input: [who]
louder:
  base: std.echo
  base-input:
    output: HI
`) as Record<string, unknown>;
    const stored = await service().replaceWorkbookActions('my_wb', actions, 'private', PROJECT);
    expect(stored.map((action) => action.name).sort()).toEqual(['my_wb.hello', 'my_wb.louder']);
    const shown = await t.http.get('/v2/actions/my_wb.hello').expect(200);
    expect(shown.body).toMatchObject({ name: 'my_wb.hello', input: 'who', is_system: false, scope: 'private' });
    expect(parse(shown.body.definition)).toEqual({ version: '2.0', 'my_wb.hello': actions.hello });
    const ran = await t.http.post('/v2/action_executions').send({ name: 'my_wb.hello', input: { who: 'wb' } }).expect(201);
    expect(JSON.parse(ran.body.output)).toEqual({ result: 'hi wb' });
  });

  it('replacing keeps, changes and drops actions as the new section says', async () => {
    await service().replaceWorkbookActions('my_wb', { hello: { base: 'std.echo', 'base-input': { output: 'changed' } } }, 'private', PROJECT);
    expect(await names()).toContain('my_wb.hello');
    expect(await names()).not.toContain('my_wb.louder');
    const ran = await t.http.post('/v2/action_executions').send({ name: 'my_wb.hello' }).expect(201);
    expect(JSON.parse(ran.body.output)).toEqual({ result: 'changed' });
  });

  it('refuses an invalid section (400) and a name taken outside the workbook (409), changing nothing', async () => {
    await expect(service().replaceWorkbookActions('my_wb', { broken: { input: ['a'] } }, 'private', PROJECT)).rejects.toMatchObject({
      status: 400,
      message: "Invalid DSL: action 'broken': 'base' is required: the action it runs",
    });
    await t.http.post('/v2/actions').set('content-type', 'text/plain').send("version: '2.0'\nother_wb.taken:\n  base: std.noop\n").expect(201);
    await expect(service().replaceWorkbookActions('other_wb', { taken: { base: 'std.noop' } }, 'private', PROJECT)).rejects.toMatchObject({ status: 409 });
    expect(await names()).toContain('my_wb.hello');
  });

  it('deleteWorkbookActions removes them all, and only them', async () => {
    await service().deleteWorkbookActions('my_wb', PROJECT);
    const left = await names();
    expect(left).not.toContain('my_wb.hello');
    expect(left).toContain('other_wb.taken');
    await t.http.post('/v2/action_executions').send({ name: 'my_wb.hello' }).expect(400);
  });
});
