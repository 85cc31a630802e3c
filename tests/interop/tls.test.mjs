// The OpenTelemetry JS OTLP exporters talk TLS to the real tempo binary: OTLP/HTTP over https
// with the test CA, OTLP/gRPC with TLS channel credentials, and both again with a client
// certificate against RequireAndVerifyClientCert. Traces are read back by ID over https. The
// CA and certificates are made at test time with the openssl command.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, context, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as HttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import grpc from '@grpc/grpc-js';

import { startTempo, allSpans, b64ToHex } from './tempo_server.mjs';

let dir;
let pki;

function openssl(...args) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'tempo-tls-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-days', '2', '-subj', '/CN=interop-ca', '-keyout', 'ca.key',
          '-out', 'ca.crt', '-addext', 'basicConstraints=critical,CA:TRUE',
          '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, ext] of [['server', 'server.ext'], ['client', 'client.ext']]) {
    openssl('req', ...ec, '-subj', `/CN=${name}`, '-keyout', `${name}.key`, '-out', `${name}.csr`);
    openssl('x509', '-req', '-days', '2', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key',
            '-CAcreateserial', '-out', `${name}.crt`, '-extfile', ext);
  }
  const read = (f) => readFileSync(join(dir, f));
  pki = {
    certFile: join(dir, 'server.crt'),
    keyFile: join(dir, 'server.key'),
    caFile: join(dir, 'ca.crt'),
    ca: read('ca.crt'),
    clientCert: read('client.crt'),
    clientKey: read('client.key'),
  };
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Makes a root span with one child, then exports both through `exporter` in one call; returns
// the export's result code and the IDs.
async function exportTrace(exporter, service) {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('interop-tls', '1.0.0');
  const root = tracer.startSpan('GET /secure', { kind: SpanKind.SERVER, attributes: { 'tls.test': true } });
  const child = tracer.startSpan('SELECT 1', { kind: SpanKind.CLIENT }, trace.setSpan(context.active(), root));
  child.end();
  root.end();
  await provider.forceFlush();
  const spans = memory.getFinishedSpans();
  const result = await new Promise((resolve) => exporter.export(spans, resolve));
  await exporter.shutdown();
  await provider.shutdown();
  return {
    code: result.code,
    error: result.error,
    traceId: root.spanContext().traceId,
    ids: [root.spanContext().spanId, child.spanContext().spanId].sort(),
  };
}

async function readBack(tempo, sent, service) {
  const body = await tempo.trace(sent.traceId, 2);
  const spans = allSpans(body);
  assert.deepEqual(spans.map((s) => b64ToHex(s.spanId)).sort(), sent.ids);
  for (const s of spans) assert.equal(b64ToHex(s.traceId), sent.traceId);
  const names = spans.map((s) => s.name).sort();
  assert.deepEqual(names, ['GET /secure', 'SELECT 1']);
  for (const b of body.batches) {
    const svc = b.resource.attributes.find((a) => a.key === 'service.name');
    assert.equal(svc.value.stringValue, service);
  }
}

const SUCCESS = 0;

test('TLS: OTLP/HTTP over https and OTLP/gRPC with TLS credentials', async () => {
  const tempo = await startTempo({ tls: { certFile: pki.certFile, keyFile: pki.keyFile, ca: pki.ca } });
  try {
    const { ports } = tempo;
    const json = await exportTrace(
      new HttpJsonExporter({ url: `https://127.0.0.1:${ports.otlpHttp}/v1/traces`, httpAgentOptions: { ca: pki.ca } }),
      'tls-json',
    );
    assert.equal(json.code, SUCCESS, String(json.error));
    await readBack(tempo, json, 'tls-json');

    const proto = await exportTrace(
      new ProtoExporter({ url: `https://127.0.0.1:${ports.otlpHttp}/v1/traces`, httpAgentOptions: { ca: pki.ca } }),
      'tls-proto',
    );
    assert.equal(proto.code, SUCCESS, String(proto.error));
    await readBack(tempo, proto, 'tls-proto');

    const overGrpc = await exportTrace(
      new GrpcExporter({ url: `https://127.0.0.1:${ports.grpc}`, credentials: grpc.credentials.createSsl(pki.ca) }),
      'tls-grpc',
    );
    assert.equal(overGrpc.code, SUCCESS, String(overGrpc.error));
    await readBack(tempo, overGrpc, 'tls-grpc');

    // A plaintext exporter gets nowhere with a TLS port.
    const plain = await exportTrace(
      new GrpcExporter({ url: `http://127.0.0.1:${ports.grpc}`, credentials: grpc.credentials.createInsecure(), timeoutMillis: 5000 }),
      'plain-grpc',
    );
    assert.notEqual(plain.code, SUCCESS);
  } finally {
    await tempo.stop();
  }
});

test('mutual TLS: exporters with a client certificate get in, those without do not', async () => {
  const tempo = await startTempo({
    tls: {
      certFile: pki.certFile,
      keyFile: pki.keyFile,
      clientCaFile: pki.caFile,
      ca: pki.ca,
      clientCert: pki.clientCert,
      clientKey: pki.clientKey,
    },
  });
  try {
    const { ports } = tempo;
    const httpUrl = `https://127.0.0.1:${ports.otlpHttp}/v1/traces`;
    const withCert = await exportTrace(
      new HttpJsonExporter({ url: httpUrl, httpAgentOptions: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } }),
      'mtls-json',
    );
    assert.equal(withCert.code, SUCCESS, String(withCert.error));
    await readBack(tempo, withCert, 'mtls-json');

    const grpcWithCert = await exportTrace(
      new GrpcExporter({
        url: `https://127.0.0.1:${ports.grpc}`,
        credentials: grpc.credentials.createSsl(pki.ca, pki.clientKey, pki.clientCert),
      }),
      'mtls-grpc',
    );
    assert.equal(grpcWithCert.code, SUCCESS, String(grpcWithCert.error));
    await readBack(tempo, grpcWithCert, 'mtls-grpc');

    const httpNoCert = await exportTrace(
      new HttpJsonExporter({ url: httpUrl, httpAgentOptions: { ca: pki.ca }, timeoutMillis: 5000 }),
      'mtls-none-http',
    );
    assert.notEqual(httpNoCert.code, SUCCESS);
    const grpcNoCert = await exportTrace(
      new GrpcExporter({
        url: `https://127.0.0.1:${ports.grpc}`,
        credentials: grpc.credentials.createSsl(pki.ca),
        timeoutMillis: 5000,
      }),
      'mtls-none-grpc',
    );
    assert.notEqual(grpcNoCert.code, SUCCESS);
  } finally {
    await tempo.stop();
  }
});
