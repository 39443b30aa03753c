// Grpc.Mrk from Node.js: creates a multi-Region key in one Region, replicates it, encrypts there, decrypts in another
// Region, and reads the AWS exception name of a deliberate error from google.rpc.ErrorInfo.
//
//   npm ci && node example.js --cluster-file ../../.mrk/cluster.json
//
// The stubs are generated from protos/ when the example loads (@grpc/proto-loader). The cluster file (written by
// scripts/run-local.sh) names each Region's endpoint and the CA to trust. Callers authenticate with an API key in
// MRK_API_KEY (sent as a Bearer token); the local cluster also accepts none.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const protos = path.join(__dirname, '..', '..', 'protos');
const definition = protoLoader.loadSync('mrk/v1/key_management_service.proto', {
  includeDirs: [protos],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
});
const mrk = grpc.loadPackageDefinition(definition).mrk.v1;

// google.rpc.Status and ErrorInfo, to read the details every refusal carries.
const rpc = new protobuf.Root();
rpc.resolvePath = (_, target) => path.join(protos, target);
rpc.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);
const Status = rpc.lookupType('google.rpc.Status');
const ErrorInfo = rpc.lookupType('google.rpc.ErrorInfo');

function awsException(error) {
  const [details] = error.metadata ? error.metadata.get('grpc-status-details-bin') : [];
  if (!details) return '(no ErrorInfo)';
  for (const any of Status.decode(details).details) {
    if (any.type_url === 'type.googleapis.com/google.rpc.ErrorInfo' || any.typeUrl === 'type.googleapis.com/google.rpc.ErrorInfo') {
      return ErrorInfo.decode(any.value).reason;
    }
  }
  return '(no ErrorInfo)';
}

function region(endpoint, caFile) {
  const client = new mrk.KeyManagementService(new URL(endpoint).host, grpc.credentials.createSsl(fs.readFileSync(caFile)));
  const metadata = new grpc.Metadata();
  if (process.env.MRK_API_KEY) metadata.set('authorization', `Bearer ${process.env.MRK_API_KEY}`);
  return (method, request) => new Promise((resolve, reject) =>
    client[method](request, metadata, { deadline: Date.now() + 10000 }, (error, response) => (error ? reject(error) : resolve(response))));
}

function argument(name, fallback) {
  const index = process.argv.indexOf(name);
  return index > 0 && process.argv[index + 1] ? process.argv[index + 1] : fallback;
}

async function main() {
  const cluster = JSON.parse(fs.readFileSync(argument('--cluster-file', process.env.MRK_CLUSTER_FILE || '../../.mrk/cluster.json'), 'utf8'));
  const [primaryName, replicaName] = [argument('--primary', 'us-east-1'), argument('--replica', 'eu-west-1')];
  const primary = region(cluster.regions[primaryName], cluster.caBundle);
  const replica = region(cluster.regions[replicaName], cluster.caBundle);

  const key = (await primary('CreateKey', { multi_region: true, description: 'node example' })).key_metadata;
  console.log(`created ${key.key_id} in ${primaryName}`);
  await primary('ReplicateKey', { key_id: key.key_id, replica_region: replicaName });
  // Replication is asynchronous: the replica is Creating until the material arrives, usually within a second. A
  // message lost on the way is sent again after the sync interval (30 s by default), so wait longer than that.
  const started = Date.now();
  const deadline = started + 90000;
  for (;;) {
    try {
      const state = (await replica('DescribeKey', { key_id: key.key_id })).key_metadata.key_state;
      if (state === 'KEY_STATE_ENABLED') break;
    } catch (error) {
      if (error.code !== grpc.status.NOT_FOUND) throw error;
    }
    if (Date.now() > deadline) throw new Error('the replica did not become Enabled in time');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log(`replica Enabled in ${replicaName} after ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const sealed = await primary('Encrypt', { key_id: key.key_id, plaintext: Buffer.from('hello from node') });
  const opened = await replica('Decrypt', { ciphertext_blob: sealed.ciphertext_blob });
  console.log(`decrypted in ${replicaName}: ${opened.plaintext.toString()}`);
  if (opened.plaintext.toString() !== 'hello from node') return 1;

  try {
    await primary('DescribeKey', { key_id: '00000000-0000-0000-0000-000000000000' });
    console.error('a missing key was found');
    return 1;
  } catch (error) {
    const reason = awsException(error);
    console.log(`deliberate error: ${grpc.status[error.code]} ${reason}`);
    return reason === 'NotFoundException' ? 0 : 1;
  }
}

main().then((code) => process.exit(code), (error) => {
  console.error(error.message);
  process.exit(1);
});
