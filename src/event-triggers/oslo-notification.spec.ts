import { eventView, parseOsloNotification, UnreadableNotification } from './oslo-notification';

const message = {
  message_id: '6b1ef4f3-0d59-4a5d-9bd2-5b0a3a37d0a1',
  publisher_id: 'compute.host1',
  event_type: 'compute.instance.create.end',
  priority: 'INFO',
  payload: { instance_id: 'srv-1', metadata: { backup: 'true' } },
  timestamp: '2026-12-02 05:00:00.000000',
  _context_project_id: 'p-1',
  _context_user_id: 'u-1',
  _context_auth_token: 'gAAAAA-token',
  _unique_id: 'abc',
};
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('parseOsloNotification', () => {
  it("reads oslo's v2 envelope (messagingv2) and the bare message (messaging) alike", () => {
    const expected = {
      messageId: message.message_id,
      eventType: 'compute.instance.create.end',
      payload: message.payload,
      publisherId: 'compute.host1',
      priority: 'INFO',
      timestamp: message.timestamp,
      projectId: 'p-1',
      userId: 'u-1',
    };
    expect(parseOsloNotification(body({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(message) }))).toEqual(expected);
    expect(parseOsloNotification(body(message))).toEqual(expected);
  });

  it('takes the older context keys (tenant, user) and names a message without message_id by its content', () => {
    const { message_id: _, _context_project_id: __, _context_user_id: ___, ...rest } = message;
    const parsed = parseOsloNotification(body({ ...rest, _context_tenant: 'p-2', _context_user: 'u-2' }));
    expect(parsed).toMatchObject({ projectId: 'p-2', userId: 'u-2', messageId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(parseOsloNotification(body({ ...rest, _context_tenant: 'p-2', _context_user: 'u-2' })).messageId).toBe(parsed.messageId);
  });

  it.each([
    ['not JSON', Buffer.from('{nope')],
    ['a list', body([message])],
    ['no event_type', body({ ...message, event_type: undefined })],
    ['an envelope holding no JSON', body({ 'oslo.version': '2.0', 'oslo.message': '{' })],
  ])('refuses %s', (_case, content) => {
    expect(() => parseOsloNotification(content)).toThrow(UnreadableNotification);
  });

  it("shows the workflow the event without the context's token", () => {
    const view = eventView(parseOsloNotification(body(message)));
    expect(view).toEqual({
      event_type: 'compute.instance.create.end',
      message_id: message.message_id,
      publisher_id: 'compute.host1',
      priority: 'INFO',
      timestamp: message.timestamp,
      service: 'compute.host1',
      project_id: 'p-1',
      user_id: 'u-1',
      payload: message.payload,
    });
    expect(JSON.stringify(view)).not.toContain('gAAAAA');
  });
});
