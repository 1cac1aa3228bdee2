import type { Transport } from '@modelcontextprotocol/server';
import type { AgentReplies, AgentReply, WaitingReply } from '../../core/proxy/agent-replies';

type Message = Parameters<Transport['send']>[0];

/** The shape of the ids the gateway's questions carry (RelayIds). */
const RELAY_ID = /^gw-[0-9a-f]{32}$/;

/**
 * The transport of one 2025-era request, seen through the reply relay: every request the gateway
 * sends the agent (an upstream's elicitation, sampling or roots request) goes out under a relay
 * id, and the agent's answer, which arrives as a POST of its own at any instance, is handed back
 * to this exchange under the SDK's own id. Everything else passes untouched. Written here
 * because the SDK's per-request legacy serving has no way to receive an answer posted later.
 */
export function relayedTransport(inner: Transport, replies: AgentReplies, owner: string): Transport {
  const waiting = new Set<WaitingReply>();
  const stopWaiting = () => {
    for (const w of waiting) w.cancel();
    waiting.clear();
  };
  const send = async (message: Message, options?: Parameters<Transport['send']>[1]) => {
    if (!isRequest(message)) return inner.send(message, options);
    const relayId = replies.newId(owner);
    const w = replies.expect(relayId, owner);
    waiting.add(w);
    void w.answer.then((reply) => {
      waiting.delete(w);
      inner.onmessage?.({ jsonrpc: '2.0', ...reply, id: message.id } as never);
    });
    try {
      await inner.send({ ...message, id: relayId }, options);
    } catch (error) {
      w.cancel();
      waiting.delete(w);
      throw error;
    }
  };
  return new Proxy(inner, {
    get(target, property) {
      if (property === 'send') return send;
      if (property === 'close')
        return async () => {
          stopWaiting();
          await target.close();
        };
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(target, property, value) {
      // When the exchange ends, nothing waits for its answers any more.
      if (property === 'onclose') {
        target.onclose = () => {
          stopWaiting();
          (value as (() => void) | undefined)?.();
        };
        return true;
      }
      return Reflect.set(target, property, value, target);
    },
  });
}

function isRequest(message: Message): message is Message & { id: string | number; method: string } {
  const m = message as { id?: unknown; method?: unknown };
  return typeof m.method === 'string' && m.id !== undefined;
}

/** A JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Whether a posted body is a JSON-RPC response (no method, an id, a result or an error), which the gateway relays. */
export function isResponse(body: unknown): boolean {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  return b.method === undefined && b.id !== undefined && ('result' in b || 'error' in b);
}

/** A posted response as it is relayed: its id and its result or error, nothing else; null when it is not well formed. */
export function agentReplyOf(body: unknown): AgentReply | null {
  if (!isResponse(body)) return null;
  const b = body as Record<string, unknown>;
  if (typeof b.id !== 'string' || !RELAY_ID.test(b.id)) return null;
  if (b.error === undefined) return isObject(b.result) ? { id: b.id, result: b.result } : null;
  const e = b.error;
  if (b.result !== undefined || !isObject(e) || !Number.isInteger(e.code) || typeof e.message !== 'string') return null;
  return { id: b.id, error: { code: e.code, message: e.message.slice(0, 4096), ...(e.data === undefined ? {} : { data: e.data }) } };
}
