import { type Span, SpanKind, trace, context } from '@opentelemetry/api';
import type { Knex } from 'knex';
import { failed, querySummary, tracer } from '../tracing';

type DbSystem = 'sqlite' | 'postgresql';

function startQuerySpan(system: DbSystem, sql: string): Span {
  const { operation, table } = querySummary(sql);
  const summary = table ? `${operation} ${table}` : operation;
  return tracer().startSpan(
    summary,
    {
      kind: SpanKind.CLIENT,
      attributes: { 'db.system.name': system, 'db.operation.name': operation, 'db.query.summary': summary, ...(table ? { 'db.collection.name': table } : {}) },
    },
    context.active(),
  );
}

/** A span per statement knex runs (OpenTelemetry's database conventions), under whatever span is current. */
export function traceKnexQueries(knex: Knex, system: DbSystem): void {
  const spans = new Map<string, Span>();
  const end = (uid: string | undefined, error?: unknown) => {
    if (uid === undefined) return;
    const span = spans.get(uid);
    if (!span) return;
    spans.delete(uid);
    if (error !== undefined) failed(span, error);
    span.end();
  };
  knex.on('query', (q: { __knexQueryUid?: string; sql?: string }) => {
    // Nothing to record while tracing is off (the API's tracer makes non-recording spans).
    if (!q.__knexQueryUid || !trace.getActiveSpan()?.isRecording()) return;
    spans.set(q.__knexQueryUid, startQuerySpan(system, q.sql ?? ''));
  });
  knex.on('query-response', (_response: unknown, q: { __knexQueryUid?: string }) => end(q.__knexQueryUid));
  knex.on('query-error', (error: unknown, q: { __knexQueryUid?: string }) => end(q.__knexQueryUid, error ?? new Error('query failed')));
}

/** The same span around a statement run outside knex (SQLite's read connection, PostgreSQL's prepared reads). */
export function tracedSync<T>(system: DbSystem, sql: string, run: () => T): T {
  if (!trace.getActiveSpan()?.isRecording()) return run();
  const span = startQuerySpan(system, sql);
  try {
    return run();
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

export async function traced<T>(system: DbSystem, sql: string, run: () => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()?.isRecording()) return run();
  const span = startQuerySpan(system, sql);
  try {
    return await run();
  } catch (error) {
    failed(span, error);
    throw error;
  } finally {
    span.end();
  }
}
