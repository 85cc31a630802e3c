// The real OpenTelemetry JS SDK, with each of its three OTLP trace exporters, sends a trace to
// the real tempo binary; the trace is then read back by ID and checked span by span.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SpanStatusCode, SpanKind, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';

import { startTempo, b64ToHex, attr } from './tempo_server.mjs';

let tempo;
let ports;

before(async () => {
  tempo = await startTempo();
  ports = tempo.ports;
});

after(async () => {
  if (tempo) await tempo.stop();
});

// Makes a root span with two children through `exporter`; returns what the test expects back.
// `Processor` chooses per-span export (Simple) or one batched export at forceFlush (Batch).
async function sendTrace(exporter, service, Processor = SimpleSpanProcessor) {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'deployment.environment': 'test' }),
    spanProcessors: [new Processor(exporter)],
  });
  const tracer = provider.getTracer('interop-test', '1.2.3');
  const root = tracer.startSpan('GET /checkout', {
    kind: SpanKind.SERVER,
    attributes: { 'http.method': 'GET', 'http.status_code': 500, 'retry.ratio': 0.5, cached: false },
  });
  const ctx = trace.setSpan(context.active(), root);
  const db = tracer.startSpan('SELECT orders', { kind: SpanKind.CLIENT, attributes: { 'db.system': 'postgresql' } }, ctx);
  db.addEvent('rows fetched', { rows: 12 });
  db.end();
  const pay = tracer.startSpan('charge card', { kind: SpanKind.CLIENT, attributes: { 'payment.tries': [1, 2, 3] } }, ctx);
  pay.setStatus({ code: SpanStatusCode.ERROR, message: 'card declined' });
  pay.end();
  root.setStatus({ code: SpanStatusCode.ERROR });
  root.end();
  await provider.forceFlush();
  await provider.shutdown();
  return {
    traceId: root.spanContext().traceId,
    rootId: root.spanContext().spanId,
    dbId: db.spanContext().spanId,
    payId: pay.spanContext().spanId,
  };
}

async function readBack(sent, service) {
  const res = await fetch(`http://127.0.0.1:${ports.http}/api/traces/${sent.traceId}`);
  assert.equal(res.status, 200, `trace ${sent.traceId} not found`);
  const body = await res.json();
  // One export per span (SimpleSpanProcessor) may come back as one batch or several (Tempo
  // does not promise to merge them), so every batch is checked and the spans are pooled.
  assert.ok(body.batches.length >= 1);
  for (const batch of body.batches) {
    const serviceAttr = batch.resource.attributes.find((a) => a.key === 'service.name');
    assert.equal(serviceAttr.value.stringValue, service);
    for (const { scope } of batch.scopeSpans) {
      assert.equal(scope.name, 'interop-test');
      assert.equal(scope.version, '1.2.3');
    }
  }
  const spans = body.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans));
  assert.equal(spans.length, 3);
  const byId = Object.fromEntries(spans.map((s) => [b64ToHex(s.spanId), s]));
  for (const s of spans) assert.equal(b64ToHex(s.traceId), sent.traceId);

  const root = byId[sent.rootId];
  assert.equal(root.name, 'GET /checkout');
  assert.equal(root.kind, 'SPAN_KIND_SERVER');
  assert.equal(root.parentSpanId, undefined);
  assert.equal(attr(root, 'http.method').stringValue, 'GET');
  assert.equal(attr(root, 'http.status_code').intValue, '500');
  assert.equal(attr(root, 'retry.ratio').doubleValue, 0.5);
  assert.equal(attr(root, 'cached').boolValue ?? false, false);
  assert.equal(root.status.code, 'STATUS_CODE_ERROR');
  assert.ok(BigInt(root.endTimeUnixNano) >= BigInt(root.startTimeUnixNano));

  const db = byId[sent.dbId];
  assert.equal(db.name, 'SELECT orders');
  assert.equal(db.kind, 'SPAN_KIND_CLIENT');
  assert.equal(b64ToHex(db.parentSpanId), sent.rootId);
  assert.equal(db.events[0].name, 'rows fetched');
  assert.equal(attr(db.events[0], 'rows').intValue, '12');

  const pay = byId[sent.payId];
  assert.equal(b64ToHex(pay.parentSpanId), sent.rootId);
  assert.equal(pay.status.code, 'STATUS_CODE_ERROR');
  assert.equal(pay.status.message, 'card declined');
  assert.deepEqual(
    attr(pay, 'payment.tries').arrayValue.values.map((v) => v.intValue),
    ['1', '2', '3'],
  );
}

test('OTLP gRPC exporter', async () => {
  const sent = await sendTrace(new GrpcExporter({ url: `http://127.0.0.1:${ports.grpc}` }), 'js-grpc');
  await readBack(sent, 'js-grpc');
});

test('OTLP HTTP protobuf exporter', async () => {
  const sent = await sendTrace(
    new ProtoExporter({ url: `http://127.0.0.1:${ports.otlpHttp}/v1/traces` }),
    'js-proto',
  );
  await readBack(sent, 'js-proto');
});

test('OTLP HTTP JSON exporter', async () => {
  const sent = await sendTrace(
    new HttpJsonExporter({ url: `http://127.0.0.1:${ports.otlpHttp}/v1/traces` }),
    'js-json',
    BatchSpanProcessor,
  );
  await readBack(sent, 'js-json');
});

test('traces survive a flush into a block', async () => {
  const sent = await sendTrace(new GrpcExporter({ url: `http://127.0.0.1:${ports.grpc}` }), 'js-flushed');
  const flush = await fetch(`http://127.0.0.1:${ports.http}/flush`, { method: 'POST' });
  assert.equal(flush.status, 204);
  await readBack(sent, 'js-flushed');
});
