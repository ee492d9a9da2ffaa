/** The one region, account and key pair every local server answers for. */
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT_ID = '000000000000';
/** s3rver only accepts this key pair; the other emulators accept anything, so every service uses it. */
export const LOCAL_CREDENTIALS: { readonly accessKeyId: string; readonly secretAccessKey: string } = {
  accessKeyId: 'S3RVER',
  secretAccessKey: 'S3RVER',
};
