// Starts the real tempo binary for an interop test: free loopback ports, a temp directory, a
// config with every receiver on its own port, and waits for /ready. Shared by the *.test.mjs
// files so each tests clients, not process plumbing.

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync, readFileSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import dgram from 'node:dgram';
import https from 'node:https';

function freeTcpPort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

// GET over https with the test's CA (and client certificate, for mutual TLS); resolves to
// { status, text() , json() } like fetch's response.
function httpsGet(url, tls) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: tls.ca, cert: tls.clientCert, key: tls.clientKey }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, text: async () => body, json: async () => JSON.parse(body) });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

// The YAML lines of a receiver's `tls` block (Collector keys), at `indent`.
function receiverTls(indent, tls) {
  const lines = [`${indent}tls:`, `${indent}  cert_file: ${tls.certFile}`, `${indent}  key_file: ${tls.keyFile}`];
  if (tls.clientCaFile) lines.push(`${indent}  client_ca_file: ${tls.clientCaFile}`);
  return lines;
}

// The YAML lines of server.http_tls_config / grpc_tls_config (dskit keys).
function serverTls(name, tls) {
  const lines = [`  ${name}:`, `    cert_file: ${tls.certFile}`, `    key_file: ${tls.keyFile}`];
  if (tls.clientCaFile) {
    lines.push('    client_auth_type: RequireAndVerifyClientCert', `    client_ca_file: ${tls.clientCaFile}`);
  }
  return lines;
}

// `options.tls` ({ certFile, keyFile, clientCaFile?, ca, clientCert?, clientKey? }: files for
// the server, PEM buffers for the test's own requests) puts the API port, OTLP gRPC (shared
// with server.grpc_listen_port) and OTLP HTTP behind TLS; with clientCaFile, mutual TLS.
export async function startTempo(options = {}) {
  const tls = options.tls;
  const binary = process.env.TEMPO_BINARY;
  if (!binary) throw new Error('TEMPO_BINARY must name the tempo binary');
  const dir = mkdtempSync(join(tmpdir(), 'tempo-interop-'));
  const ports = {
    http: await freeTcpPort(),
    grpc: await freeTcpPort(),
    otlpHttp: await freeTcpPort(),
    zipkin: await freeTcpPort(),
    jaegerGrpc: await freeTcpPort(),
    jaegerHttp: await freeTcpPort(),
    jaegerCompact: await freeUdpPort(),
    jaegerBinary: await freeUdpPort(),
  };
  writeFileSync(
    join(dir, 'tempo.yaml'),
    [
      'server:',
      `  http_listen_port: ${ports.http}`,
      `  grpc_listen_port: ${ports.grpc}`,
      ...(tls ? [...serverTls('http_tls_config', tls), ...serverTls('grpc_tls_config', tls)] : []),
      'distributor:',
      '  receivers:',
      '    otlp:',
      '      protocols:',
      '        grpc:',
      `          endpoint: 127.0.0.1:${ports.grpc}`,
      ...(tls ? receiverTls('          ', tls) : []),
      '        http:',
      `          endpoint: 127.0.0.1:${ports.otlpHttp}`,
      ...(tls ? receiverTls('          ', tls) : []),
      '    zipkin:',
      `      endpoint: 127.0.0.1:${ports.zipkin}`,
      '    jaeger:',
      '      protocols:',
      '        grpc:',
      `          endpoint: 127.0.0.1:${ports.jaegerGrpc}`,
      '        thrift_http:',
      `          endpoint: 127.0.0.1:${ports.jaegerHttp}`,
      '        thrift_compact:',
      `          endpoint: 127.0.0.1:${ports.jaegerCompact}`,
      '        thrift_binary:',
      `          endpoint: 127.0.0.1:${ports.jaegerBinary}`,
      'storage:',
      '  trace:',
      '    backend: local',
      '    local:',
      `      path: ${join(dir, 'blocks')}`,
      '    wal:',
      `      path: ${join(dir, 'wal')}`,
      '',
    ].join('\n'),
  );
  const logPath = join(dir, 'tempo.log');
  const proc = spawn(binary, [`-config.file=${join(dir, 'tempo.yaml')}`], {
    stdio: ['ignore', 'ignore', openSync(logPath, 'a')],
  });
  const base = `${tls ? 'https' : 'http'}://127.0.0.1:${ports.http}`;
  const get = (url) => (tls ? httpsGet(url, tls) : fetch(url));
  const end = Date.now() + 20000;
  for (;;) {
    try {
      const res = await get(`${base}/ready`);
      if (res.status === 200 && (await res.text()) === 'ready') break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`tempo not ready:\n${readFileSync(logPath, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    ports,
    base,
    get,
    log: () => readFileSync(logPath, 'utf8'),
    // GET /api/traces/{id} until it has `spans` spans (UDP and batching senders deliver
    // asynchronously) or the deadline passes; returns the last JSON body.
    async trace(traceId, spans, deadlineMs = 10000) {
      const until = Date.now() + deadlineMs;
      let body;
      for (;;) {
        const res = await get(`${base}/api/traces/${traceId}`);
        if (res.status === 200) {
          body = await res.json();
          const n = body.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans)).length;
          if (n >= spans) return body;
        }
        if (Date.now() > until) {
          throw new Error(`trace ${traceId}: wanted ${spans} spans, got ${JSON.stringify(body)}\n` +
                          readFileSync(logPath, 'utf8'));
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async stop() {
      if (proc.exitCode === null) {
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Helpers for reading Tempo's JSON trace format.
export const b64ToHex = (b64) => Buffer.from(b64, 'base64').toString('hex');
export const allSpans = (body) => body.batches.flatMap((b) => b.scopeSpans.flatMap((s) => s.spans));
export function attr(obj, key) {
  const a = (obj.attributes || []).find((x) => x.key === key);
  return a ? a.value : undefined;
}
export function serviceOf(body, spanIdHex) {
  for (const b of body.batches) {
    for (const s of b.scopeSpans) {
      if (s.spans.some((sp) => b64ToHex(sp.spanId) === spanIdHex)) {
        return attr(b.resource, 'service.name').stringValue;
      }
    }
  }
  return undefined;
}
