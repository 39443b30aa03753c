// The AWS SDK for JavaScript v3 and the AWS Encryption SDK for JavaScript, unchanged, against Grpc.Mrk's Regions.
//
//   node mrk.mjs call <region> <Operation> '<input as JSON>'         any KMS operation through @aws-sdk/client-kms
//   node mrk.mjs encrypt <region> <key ARN> <plaintext file> <out>    AWS Encryption SDK, multi-Region-aware strict keyring
//   node mrk.mjs decrypt-strict <region> <key ARN> <in> <out>         the strict keyring on the related key of <region>
//   node mrk.mjs decrypt-discovery <region> <account> <in> <out>      the multi-Region-aware discovery keyring in <region>
//
// MRK_AWS_ENDPOINTS is a JSON object of Region name to endpoint URL (https://127.0.0.1:port). The cluster's CA goes
// in NODE_EXTRA_CA_CERTS, the credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as for any AWS application.
// Prints the call's output as JSON; on a refusal prints {"error": <name>, "message": ...} and exits with 3.
import { readFileSync, writeFileSync } from 'node:fs';
import * as kms from '@aws-sdk/client-kms';
import {
  AwsKmsMrkAwareSymmetricDiscoveryKeyringNode,
  AwsKmsMrkAwareSymmetricKeyringNode,
  buildClient,
  CommitmentPolicy,
} from '@aws-crypto/client-node';

const endpoints = JSON.parse(process.env.MRK_AWS_ENDPOINTS ?? '{}');
const { encrypt, decrypt } = buildClient(CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT);

function client(region) {
  if (!endpoints[region]) throw new Error(`MRK_AWS_ENDPOINTS names no endpoint for ${region}`);
  // The aggregated client: the Encryption SDK's keyrings call its methods (generateDataKey, decrypt, ...).
  return new kms.KMS({ region, endpoint: endpoints[region], maxAttempts: 1 });
}

// The related multi-Region key in another Region: the same key ID, that Region in the ARN.
const inRegion = (arn, region) => arn.split(':').map((part, i) => (i === 3 ? region : part)).join(':');

async function run([command, region, ...rest]) {
  switch (command) {
    case 'call': {
      const [operation, input] = rest;
      const Command = kms[`${operation}Command`];
      if (!Command) throw new Error(`@aws-sdk/client-kms has no ${operation}`);
      const output = await client(region).send(new Command(JSON.parse(input ?? '{}')));
      delete output.$metadata;
      return output;
    }
    case 'encrypt': {
      const [keyArn, input, out] = rest;
      const keyring = new AwsKmsMrkAwareSymmetricKeyringNode({ client: client(region), keyId: keyArn });
      const { result } = await encrypt(keyring, readFileSync(input), { encryptionContext: { purpose: 'tour' } });
      writeFileSync(out, result);
      return { bytes: result.length };
    }
    case 'decrypt-strict': {
      const [keyArn, input, out] = rest;
      const keyring = new AwsKmsMrkAwareSymmetricKeyringNode({ client: client(region), keyId: inRegion(keyArn, region) });
      const { plaintext, messageHeader } = await decrypt(keyring, readFileSync(input));
      writeFileSync(out, plaintext);
      return { encryptionContext: messageHeader.encryptionContext };
    }
    case 'decrypt-discovery': {
      const [account, input, out] = rest;
      const keyring = new AwsKmsMrkAwareSymmetricDiscoveryKeyringNode({
        client: client(region),
        discoveryFilter: { accountIDs: [account], partition: 'aws' },
      });
      const { plaintext, messageHeader } = await decrypt(keyring, readFileSync(input));
      writeFileSync(out, plaintext);
      return { encryptionContext: messageHeader.encryptionContext };
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

try {
  console.log(JSON.stringify(await run(process.argv.slice(2))));
} catch (error) {
  console.log(JSON.stringify({ error: error.name, message: error.message }));
  process.exit(3);
}
