import { CustomResource, Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SpocFunction } from './spoc-function.js';

export interface RuleSetActivationProps {
  /** The rule set to activate (created by this stack). */
  ruleSetName: string;
}

/**
 * Activates the stack's receipt rule set (SetActiveReceiptRuleSet) and, on delete, deactivates it only
 * if it is still the active one. Refuses to take over when another rule set is already active.
 * A plain Lambda-backed custom resource: the handler answers CloudFormation itself.
 */
export class RuleSetActivation extends Construct {
  readonly resource: CustomResource;
  readonly handler: SpocFunction;

  constructor(scope: Construct, id: string, props: RuleSetActivationProps) {
    super(scope, id);

    this.handler = new SpocFunction(this, 'Handler', {
      entry: 'cdk/functions/activate-rule-set.ts',
      description: 'spoc-inbox: activates the SES receipt rule set of this stack',
      serviceName: 'spoc-rule-set-activation',
      memorySize: 256,
      timeout: Duration.seconds(30),
      environment: {},
    });
    this.handler.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ActivateReceiptRuleSet',
        actions: ['ses:DescribeActiveReceiptRuleSet', 'ses:SetActiveReceiptRuleSet'],
        resources: ['*'],
      }),
    );
    const policy = this.handler.role.node.tryFindChild('DefaultPolicy');
    if (policy !== undefined) {
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ses:DescribeActiveReceiptRuleSet and ses:SetActiveReceiptRuleSet are account-level SES actions ' +
          'that support no resource-level permissions; this role allows nothing else besides its own logs.',
      });
    }

    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: this.handler.function.functionArn,
      resourceType: 'Custom::SesActiveReceiptRuleSet',
      properties: { RuleSetName: props.ruleSetName },
      serviceTimeout: Duration.minutes(5),
    });
    // The role's policy must exist before CloudFormation invokes the handler, and outlive it on delete.
    this.resource.node.addDependency(this.handler);
  }
}
