// Runs s3rver (an S3-compatible server from npm) on loopback for the S3 tests. Usage:
//   node s3rver_server.mjs <port> <directory> <bucket>
// Prints "listening <port>" once the bucket exists; stops on SIGTERM. The access key must be
// s3rver's own, S3RVER (an unknown key is refused); s3rver does not verify SigV4 signatures,
// so signing is checked against AWS's documented example in tests/backend/sigv4_test.cc.

import S3rver from 's3rver';
import FilesystemStore from 's3rver/lib/stores/filesystem.js';

// s3rver 3.7.1 prunes its directory walk below the first delimiter, so a delimited listing
// misses common prefixes of keys two or more levels down ("tenant/block/meta.json" under
// prefix ""), which S3, MinIO and Ceph all return. List flat and group here, as S3 does.
const listFlat = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function listObjects(bucket, options) {
  const { delimiter } = options;
  if (!delimiter) return listFlat.call(this, bucket, options);
  const all = await listFlat.call(this, bucket, { ...options, delimiter: undefined, maxKeys: Infinity });
  const prefix = options.prefix || '';
  const objects = [];
  const commonPrefixes = new Set();
  for (const o of all.objects) {
    const rest = o.key.slice(prefix.length);
    const i = rest.indexOf(delimiter);
    if (i === -1) objects.push(o);
    else commonPrefixes.add(prefix + rest.slice(0, i + delimiter.length));
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: false };
};

const [port, directory, bucket] = process.argv.slice(2);
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(port),
  directory,
  silent: true,
  configureBuckets: [{ name: bucket }],
});
const address = await server.run();
process.stdout.write(`listening ${address.port}\n`);
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
