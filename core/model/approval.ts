/** Stored states; `expired` is also what a pending or unused approved request past its expiry reads as. */
export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'used'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A held tool call waiting for (or past) a person's decision. It covers that exact call only. */
export interface ApprovalRequest {
  id: string;
  organizationId: string;
  serverId: string;
  tool: string;
  /** The tool's definition when the call was held (tool-hash rules). */
  toolHash: string;
  /** SHA-256 of the arguments in canonical JSON. */
  argumentsHash: string;
  /** The arguments, encrypted (bound to the request id). */
  argumentsCiphertext: string;
  callerKeyId: string;
  callerUserId: string | null;
  status: ApprovalStatus;
  requestedAt: number;
  expiresAt: number;
  decidedAt: number | null;
  decidedByKeyId: string | null;
  decidedByUserId: string | null;
  reason: string | null;
  approveAlways: boolean;
  usedAt: number | null;
  /**
   * An approved call the upstream answered with `input_required`: the SHA-256 of the
   * `requestState` it gave, so the agent's retry with that state continues the same call
   * without asking again. Null once the call completes.
   */
  continuation: string | null;
}

export interface ApprovalQuery {
  organizationId: string;
  serverId?: string;
  status?: ApprovalStatus;
  /** Only requests of these servers (a member who owns some); undefined: all. */
  serverIds?: string[];
  limit: number;
  offset: number;
}

/** The exact call a decision covers. */
export interface HeldCall {
  serverId: string;
  tool: string;
  toolHash: string;
  argumentsHash: string;
  callerKeyId: string;
}
