import { ApiError } from '../common/api-error';
import { MEMBER_STATUSES, type MemberStatus } from './resource-member.entity';

/** The fields of Mistral's Member resource: a client may send back what it read. */
const MEMBER_FIELDS = ['id', 'resource_id', 'resource_type', 'project_id', 'member_id', 'status', 'created_at', 'updated_at'];

/** Mistral's project id column holds 80 characters. */
const MAX_PROJECT_ID_LENGTH = 80;

function memberBody(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw ApiError.badRequest('Request is not in valid JSON format');
  const body = raw as Record<string, unknown>;
  const unknown = Object.keys(body).filter((key) => !MEMBER_FIELDS.includes(key));
  // Mistral's (WSME's) wording
  if (unknown.length > 0) throw ApiError.badRequest(`Unknown attribute for argument member_info: ${unknown.join(', ')}`);
  return body;
}

function invalidInput(field: string, value: unknown, expected: string): ApiError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return ApiError.badRequest(`Invalid input for field/attribute ${field}. Value: '${shown}'. ${expected}`);
}

/** POST .../members: `{"member_id": "<project id>"}`, the project to share with. */
export function parseNewMemberId(raw: unknown): string {
  const value = memberBody(raw).member_id;
  if (value === undefined || value === null || value === '') throw ApiError.badRequest('Member id must be provided.');
  if (typeof value !== 'string') throw invalidInput('member_id', value, 'Value should be a string (a project id)');
  if (value.length > MAX_PROJECT_ID_LENGTH || value.trim() !== value) {
    throw invalidInput('member_id', value, `Value should be a project id of at most ${MAX_PROJECT_ID_LENGTH} characters, without surrounding spaces`);
  }
  return value;
}

/** PUT .../members/{member_id}: `{"status": "accepted"}` (or rejected, pending). */
export function parseMemberStatus(raw: unknown): MemberStatus {
  const value = memberBody(raw).status;
  if (value === undefined || value === null || value === '') throw ApiError.badRequest('Status must be provided.');
  if (typeof value !== 'string' || !(MEMBER_STATUSES as readonly string[]).includes(value)) {
    throw invalidInput('status', value, `Value should be one of: ${MEMBER_STATUSES.join(', ')}`);
  }
  return value as MemberStatus;
}
