/**
 * Creates the local resources from the CloudFormation templates the CDK app synthesizes, so local and cloud cannot
 * drift: every AWS::DynamoDB::Table / GlobalTable, AWS::S3::Bucket and AWS::SQS::Queue is created in the local
 * emulators, bucket → queue notifications (CDK's Custom::S3BucketNotifications) are wired with
 * local/notifications.ts, and Lambda environments / SQS event source mappings are resolved to local names and URLs.
 *
 * Cross-stack references are resolved both ways CDK emits them: `Fn::ImportValue` of an Output's Export.Name
 * (strong references) and `Fn::GetStackOutput` {StackName, OutputName} (weak references,
 * "@aws-cdk/core:defaultCrossStackReferences": "weak").
 */
export { normalizeTemplates, loadTemplatesFromCdkOut } from './provision/templates.ts';
export { provisionFromTemplates } from './provision/provision-from-templates.ts';
export { resolveFunctionEnvironment } from './provision/function-environment.ts';
export type {
  CfnValue,
  CfnResource,
  CfnTemplate,
  NamedTemplate,
  TemplateInput,
  ProvisionedResource,
  ProvisionedTable,
  ProvisionedResources,
  ProvisionOptions,
  LocalEventSourceMapping,
  LocalFunctionConfig,
} from './provision/types.ts';
