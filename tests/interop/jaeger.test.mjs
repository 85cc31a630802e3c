// The real Jaeger Node.js client (jaeger-client) against the real tempo binary, through both of
// its senders: UDP to the agent port (Thrift binary, 6832) and HTTP to the collector
// (Thrift binary over POST /api/traces, 14268). Traces are read back by ID and compared with
// what the client recorded: process tags as resource attributes, typed tags, span.kind and
// error tags as OTLP kind and status, logs as events.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import jaegerClient from 'jaeger-client';

import { startTempo, b64ToHex, allSpans, attr } from './tempo_server.mjs';

let tempo;

before(async () => {
  tempo = await startTempo();
});

after(async () => {
  if (tempo) await tempo.stop();
});

async function sendTrace(reporter, service) {
  const errors = [];
  const tracer = jaegerClient.initTracer(
    { serviceName: service, sampler: { type: 'const', param: 1 }, reporter: { ...reporter, flushIntervalMs: 50 } },
    {
      tags: { 'deployment.region': 'eu-1' },
      traceId128bit: true,
      logger: { info() {}, error: (m) => errors.push(m) },
    },
  );
  const root = tracer.startSpan('GET /inventory', { tags: { 'span.kind': 'server', 'http.status_code': 200 } });
  const child = tracer.startSpan('load stock', {
    childOf: root,
    tags: { 'span.kind': 'client', error: true, 'db.rows': 3, 'cache.hit': false, ratio: 0.25 },
  });
  child.log({ event: 'retry', attempt: 2 });
  child.finish();
  root.finish();
  await new Promise((resolve) => tracer.close(resolve));
  assert.deepEqual(errors, []);
  return {
    traceId: root.context().toTraceId().padStart(32, '0'),
    rootId: root.context().toSpanId().padStart(16, '0'),
    childId: child.context().toSpanId().padStart(16, '0'),
  };
}

async function checkTrace(sent, service) {
  const body = await tempo.trace(sent.traceId, 2);
  assert.equal(body.batches.length >= 1, true);
  for (const b of body.batches) {
    assert.equal(attr(b.resource, 'service.name').stringValue, service);
    assert.equal(attr(b.resource, 'deployment.region').stringValue, 'eu-1');
  }
  const spans = allSpans(body);
  assert.equal(spans.length, 2);
  const byId = Object.fromEntries(spans.map((s) => [b64ToHex(s.spanId), s]));
  for (const s of spans) assert.equal(b64ToHex(s.traceId), sent.traceId);

  const root = byId[sent.rootId];
  assert.equal(root.name, 'GET /inventory');
  assert.equal(root.kind, 'SPAN_KIND_SERVER');
  assert.equal(root.parentSpanId, undefined);
  // jaeger-client sends every JS number as a DOUBLE tag; the type is kept as sent.
  assert.equal(attr(root, 'http.status_code').doubleValue, 200);
  assert.equal(attr(root, 'span.kind'), undefined, 'span.kind becomes the OTLP kind');

  const child = byId[sent.childId];
  assert.equal(child.name, 'load stock');
  assert.equal(child.kind, 'SPAN_KIND_CLIENT');
  assert.equal(b64ToHex(child.parentSpanId), sent.rootId);
  assert.equal(child.status.code, 'STATUS_CODE_ERROR');
  assert.equal(attr(child, 'db.rows').doubleValue, 3);
  assert.equal(attr(child, 'cache.hit').boolValue ?? false, false);
  assert.equal(attr(child, 'ratio').doubleValue, 0.25);
  assert.equal(child.events.length, 1);
  assert.equal(child.events[0].name, 'retry');
  assert.equal(attr(child.events[0], 'attempt').doubleValue, 2);
  assert.ok(BigInt(child.endTimeUnixNano) >= BigInt(child.startTimeUnixNano));
}

test('jaeger-client UDP sender to the agent port (thrift binary)', async () => {
  const sent = await sendTrace({ agentHost: '127.0.0.1', agentPort: tempo.ports.jaegerBinary }, 'jaeger-udp');
  await checkTrace(sent, 'jaeger-udp');
});

test('jaeger-client HTTP sender to the collector endpoint (thrift over HTTP)', async () => {
  const sent = await sendTrace(
    { collectorEndpoint: `http://127.0.0.1:${tempo.ports.jaegerHttp}/api/traces` },
    'jaeger-http',
  );
  await checkTrace(sent, 'jaeger-http');
});

test('a body that is not a thrift batch is answered 400', async () => {
  const res = await fetch(`http://127.0.0.1:${tempo.ports.jaegerHttp}/api/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-thrift' },
    body: 'definitely not thrift',
  });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /cannot decode jaeger thrift batch/);
  const wrongType = await fetch(`http://127.0.0.1:${tempo.ports.jaegerHttp}/api/traces`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: '{}',
  });
  assert.equal(wrongType.status, 400);
  assert.match(await wrongType.text(), /unsupported content type "application\/json"/);
});
