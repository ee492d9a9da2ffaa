import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SESClient } from '@aws-sdk/client-ses';

/**
 * SDK clients, created once per process. Endpoints come from the standard AWS_ENDPOINT_URL_<SERVICE> variables,
 * which is how the same handlers talk to the local AWS stack; the emulators need path-style S3 and checksums only
 * when required, and SQS must not route by queue URL.
 */
const local = (service: string): boolean => Boolean(process.env[`AWS_ENDPOINT_URL_${service}`] ?? process.env.AWS_ENDPOINT_URL);

export function makeClients() {
  const dynamo = new DynamoDBClient({});
  return {
    dynamo,
    doc: DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false } }),
    s3: new S3Client(
      local('S3') ? { forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' } : {},
    ),
    sqs: new SQSClient(local('SQS') ? { useQueueUrlAsEndpoint: false } : {}),
    // No SDK retries for sends: a timeout after the request left may have sent the mail (SesMailer retries what did not).
    ses: new SESClient({ maxAttempts: 1, requestHandler: { connectionTimeout: 3_000, requestTimeout: 20_000, throwOnRequestTimeout: true } }),
  };
}

export type Clients = ReturnType<typeof makeClients>;
