import { formatMistralTime } from '../common/mistral-time';
import type { ResourceMemberEntity } from './resource-member.entity';

/** A membership as Mistral's API shows it (`project_id` is the owner's). */
export interface MemberResource extends Record<string, unknown> {
  id: string;
  resource_id: string;
  resource_type: string;
  project_id: string;
  member_id: string;
  status: string;
  created_at: string | null;
  updated_at: string | null;
}

export function toMemberResource(member: ResourceMemberEntity): MemberResource {
  return {
    id: member.id,
    resource_id: member.resourceId,
    resource_type: member.resourceType,
    project_id: member.projectId,
    member_id: member.memberId,
    status: member.status,
    created_at: formatMistralTime(member.createdAt),
    updated_at: formatMistralTime(member.updatedAt),
  };
}
