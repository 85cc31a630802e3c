// Real Zipkin clients against the real tempo binary: zipkin-js with its HTTP transport (Zipkin
// v2 and v1 JSON) and the OpenTelemetry JS SDK's Zipkin exporter. Each trace is read back by ID and
// checked field by field against what the client recorded.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import zipkin from 'zipkin';
import { HttpLogger } from 'zipkin-transport-http';
import { SpanStatusCode, SpanKind, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';

import { startTempo, b64ToHex, allSpans, attr, serviceOf } from './tempo_server.mjs';

const { Tracer, BatchRecorder, ExplicitContext, jsonEncoder, Annotation, InetAddress } = zipkin;

let tempo;

before(async () => {
  tempo = await startTempo();
});

after(async () => {
  if (tempo) await tempo.stop();
});

// zipkin-js records a server span with a client child, through its HTTP transport with
// `encoder` to `path`; the trace is read back and checked field by field.
async function zipkinJsRoundTrip(encoder, path) {
  const logger = new HttpLogger({
    endpoint: `http://127.0.0.1:${tempo.ports.zipkin}${path}`,
    jsonEncoder: encoder,
    httpInterval: 50,
  });
  const outcomes = [];
  logger.on('success', (res) => outcomes.push(res.status));
  logger.on('error', (err) => outcomes.push(err.message));
  const tracer = new Tracer({
    ctxImpl: new ExplicitContext(),
    recorder: new BatchRecorder({ logger }),
    localServiceName: 'shop-frontend',
    traceId128Bit: true,
  });

  let rootId;
  let childId;
  tracer.scoped(() => {
    rootId = tracer.createRootId();
    tracer.setId(rootId);
    tracer.recordServiceName('shop-frontend');
    tracer.recordRpc('GET /cart');
    tracer.recordAnnotation(new Annotation.ServerRecv());
    tracer.recordAnnotation(new Annotation.LocalAddr({ host: new InetAddress('10.1.2.3'), port: 8080 }));
    tracer.recordBinary('http.path', '/cart');

    tracer.scoped(() => {
      childId = tracer.createChildId();
      tracer.setId(childId);
      tracer.recordServiceName('shop-frontend');
      tracer.recordRpc('SELECT cart');
      tracer.recordAnnotation(new Annotation.ClientSend());
      tracer.recordAnnotation(new Annotation.ServerAddr({ serviceName: 'postgres', port: 5432 }));
      tracer.recordMessage('rows fetched');
      tracer.recordBinary('error', 'connection reset');
      tracer.recordAnnotation(new Annotation.ClientRecv());
    });

    tracer.setId(rootId);
    tracer.recordAnnotation(new Annotation.ServerSend());
  });

  const traceId = rootId.traceId;
  assert.equal(traceId.length, 32);
  const body = await tempo.trace(traceId, 2);
  assert.deepEqual(outcomes.filter((o) => o !== 202), [], 'every POST answered 202');

  const spans = allSpans(body);
  assert.equal(spans.length, 2);
  const byId = Object.fromEntries(spans.map((s) => [b64ToHex(s.spanId), s]));
  for (const s of spans) assert.equal(b64ToHex(s.traceId), traceId);

  const root = byId[rootId.spanId];
  assert.equal(root.name, 'get /cart');  // zipkin-js lower-cases span names
  assert.equal(root.kind, 'SPAN_KIND_SERVER');
  assert.equal(root.parentSpanId, undefined);
  assert.equal(attr(root, 'http.path').stringValue, '/cart');
  assert.equal(attr(root, 'net.host.ip').stringValue, '10.1.2.3');
  assert.equal(attr(root, 'net.host.port').intValue, '8080');
  assert.equal(serviceOf(body, rootId.spanId), 'shop-frontend');
  assert.ok(BigInt(root.endTimeUnixNano) >= BigInt(root.startTimeUnixNano));
  assert.equal(BigInt(root.startTimeUnixNano) % 1000n, 0n, 'microseconds scaled to nanoseconds');

  const child = byId[childId.spanId];
  assert.equal(child.name, 'select cart');
  assert.equal(child.kind, 'SPAN_KIND_CLIENT');
  assert.equal(b64ToHex(child.parentSpanId), rootId.spanId);
  assert.equal(attr(child, 'peer.service').stringValue, 'postgres');
  assert.equal(attr(child, 'net.peer.port').intValue, '5432');
  assert.equal(child.status.code, 'STATUS_CODE_ERROR');
  assert.equal(child.status.message, 'connection reset');
  assert.equal(attr(child, 'error'), undefined, 'the error tag becomes the status');
  assert.deepEqual(child.events.map((e) => e.name), ['rows fetched']);
}

test('zipkin-js HTTP transport, v2 JSON', async () => {
  await zipkinJsRoundTrip(jsonEncoder.JSON_V2, '/api/v2/spans');
});

test('zipkin-js HTTP transport, v1 JSON', async () => {
  await zipkinJsRoundTrip(jsonEncoder.JSON_V1, '/api/v1/spans');
});

test('OpenTelemetry JS SDK Zipkin exporter', async () => {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'otel-zipkin' }),
    spanProcessors: [
      new SimpleSpanProcessor(new ZipkinExporter({ url: `http://127.0.0.1:${tempo.ports.zipkin}/api/v2/spans` })),
    ],
  });
  const tracer = provider.getTracer('zipkin-interop', '0.0.1');
  const root = tracer.startSpan('POST /orders', { kind: SpanKind.SERVER, attributes: { 'http.status_code': 201 } });
  const ctx = trace.setSpan(context.active(), root);
  const producer = tracer.startSpan('publish order', { kind: SpanKind.PRODUCER }, ctx);
  producer.addEvent('enqueued');
  producer.setStatus({ code: SpanStatusCode.ERROR, message: 'queue full' });
  producer.end();
  root.end();
  await provider.forceFlush();
  await provider.shutdown();

  const traceId = root.spanContext().traceId;
  const body = await tempo.trace(traceId, 2);
  const spans = allSpans(body);
  const byId = Object.fromEntries(spans.map((s) => [b64ToHex(s.spanId), s]));
  const r = byId[root.spanContext().spanId];
  assert.equal(r.name, 'POST /orders');
  assert.equal(r.kind, 'SPAN_KIND_SERVER');
  // The Zipkin model has string tags only; the exporter stringifies numbers.
  assert.equal(attr(r, 'http.status_code').stringValue, '201');
  assert.equal(serviceOf(body, root.spanContext().spanId), 'otel-zipkin');
  const p = byId[producer.spanContext().spanId];
  assert.equal(p.kind, 'SPAN_KIND_PRODUCER');
  assert.equal(b64ToHex(p.parentSpanId), root.spanContext().spanId);
  assert.equal(p.status.code, 'STATUS_CODE_ERROR');
  assert.equal(p.status.message, 'queue full');
  assert.deepEqual(p.events.map((e) => e.name), ['enqueued']);
});

test('a malformed Zipkin body is answered 400 with the reason and stores nothing', async () => {
  const res = await fetch(`http://127.0.0.1:${tempo.ports.zipkin}/api/v2/spans`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([
      { traceId: 'aaaaaaaaaaaaaaaa', id: 'bbbbbbbbbbbbbbbb', name: 'good' },
      { traceId: 'not-hex', id: 'cccccccccccccccc', name: 'bad' },
    ]),
  });
  assert.equal(res.status, 400);
  assert.match(await res.text(), /zipkin span 1: traceId "not-hex" is not valid hex/);
  const get = await fetch(`${tempo.base}/api/traces/aaaaaaaaaaaaaaaa`);
  assert.equal(get.status, 404);
});
