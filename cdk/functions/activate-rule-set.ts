import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import {
  DescribeActiveReceiptRuleSetCommand,
  SESClient,
  SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';

/**
 * Custom resource `Custom::SesActiveReceiptRuleSet`: makes the stack's receipt rule set the active one
 * (CloudFormation creates rule sets inactive, and only one can be active per account and region).
 *
 * - Create: activates the rule set; refuses when another rule set is already active, so a deploy never
 *   silently switches off mail handling someone else set up.
 * - Update (rule set renamed): activates the new one when the active one is the old one, ours, or none.
 * - Delete: deactivates only when our rule set is still the active one.
 */

/** The `Properties` of the custom resource. */
export interface ActivationProperties {
  RuleSetName: string;
}

/** The subset of the SES v1 client this resource calls. */
export interface SesCommandSender {
  send(
    command: DescribeActiveReceiptRuleSetCommand | SetActiveReceiptRuleSetCommand,
  ): Promise<{ Metadata?: { Name?: string } }>;
}

/** Another rule set is active; activating ours would disable it. */
export class ActiveRuleSetConflictError extends Error {
  override readonly name = 'ActiveRuleSetConflictError';
  constructor(active: string, ours: string) {
    super(
      `receipt rule set "${active}" is already active in this account and region; activating "${ours}" ` +
        `would stop it. Either set deploy.existingRuleSetName to "${active}" so the stack adds its rule ` +
        'there, or deactivate it first (aws ses set-active-receipt-rule-set) and deploy again.',
    );
  }
}

/** The active rule set's name, or undefined when none is active. */
export async function describeActiveRuleSet(ses: SesCommandSender): Promise<string | undefined> {
  const output = await ses.send(new DescribeActiveReceiptRuleSetCommand({}));
  return output.Metadata?.Name;
}

/** Activates `name`, or deactivates every rule set when `name` is undefined. */
export async function setActiveRuleSet(ses: SesCommandSender, name: string | undefined): Promise<void> {
  await ses.send(new SetActiveReceiptRuleSetCommand(name === undefined ? {} : { RuleSetName: name }));
}

function ruleSetNameOf(properties: unknown, field: string): string {
  const name = (properties as Partial<ActivationProperties> | undefined)?.RuleSetName;
  if (typeof name !== 'string' || name === '') throw new Error(`${field}.RuleSetName is missing`);
  return name;
}

/** Applies one CloudFormation request; returns the physical resource id (the rule set name). */
export async function applyActivation(
  event: CloudFormationCustomResourceEvent,
  ses: SesCommandSender,
): Promise<string> {
  const ours = ruleSetNameOf(event.ResourceProperties, 'ResourceProperties');
  const active = await describeActiveRuleSet(ses);

  switch (event.RequestType) {
    case 'Create': {
      if (active !== undefined && active !== ours) throw new ActiveRuleSetConflictError(active, ours);
      if (active !== ours) await setActiveRuleSet(ses, ours);
      return ours;
    }
    case 'Update': {
      const previous = ruleSetNameOf(event.OldResourceProperties, 'OldResourceProperties');
      if (active !== undefined && active !== ours && active !== previous) {
        throw new ActiveRuleSetConflictError(active, ours);
      }
      if (active !== ours) await setActiveRuleSet(ses, ours);
      return ours;
    }
    case 'Delete': {
      if (active === ours) await setActiveRuleSet(ses, undefined);
      return event.PhysicalResourceId;
    }
  }
}

/** CloudFormation accepts a response body of up to 4 KB; keep the reason well inside it. */
const MAX_REASON_LENGTH = 1000;

/** PUTs the response to CloudFormation's presigned URL (empty Content-Type: it is part of the signature). */
export function sendResponse(url: string, response: CloudFormationCustomResourceResponse): Promise<void> {
  const body = JSON.stringify(response);
  const target = new URL(url);
  const request = target.protocol === 'http:' ? httpRequest : httpsRequest;
  return new Promise((resolve, reject) => {
    const outgoing = request(
      target,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (incoming) => {
        incoming.resume();
        incoming.on('end', () => {
          const status = incoming.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`CloudFormation response upload failed with HTTP ${status}`));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

export interface ActivationHandlerDependencies {
  ses: () => SesCommandSender;
  respond: (url: string, response: CloudFormationCustomResourceResponse) => Promise<void>;
  log: (entry: Record<string, unknown>) => void;
}

/** Builds the Lambda handler; every request gets exactly one response, success or failure. */
export function createActivationHandler(
  dependencies: ActivationHandlerDependencies,
): (event: CloudFormationCustomResourceEvent) => Promise<void> {
  return async (event) => {
    const fallbackId =
      event.RequestType === 'Create' ? `${event.LogicalResourceId}-not-created` : event.PhysicalResourceId;
    let response: CloudFormationCustomResourceResponse;
    try {
      const physicalResourceId = await applyActivation(event, dependencies.ses());
      response = {
        Status: 'SUCCESS',
        PhysicalResourceId: physicalResourceId,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      response = {
        Status: 'FAILED',
        Reason: message.slice(0, MAX_REASON_LENGTH),
        PhysicalResourceId: fallbackId,
        StackId: event.StackId,
        RequestId: event.RequestId,
        LogicalResourceId: event.LogicalResourceId,
      };
    }
    dependencies.log({
      requestType: event.RequestType,
      ruleSetName: (event.ResourceProperties as Partial<ActivationProperties>).RuleSetName,
      status: response.Status,
      reason: response.Status === 'FAILED' ? response.Reason : undefined,
    });
    await dependencies.respond(event.ResponseURL, response);
  };
}

let sesClient: SESClient | undefined;

export const handler = createActivationHandler({
  ses: () => {
    sesClient ??= new SESClient({});
    return sesClient;
  },
  respond: sendResponse,
  log: (entry) => console.log(JSON.stringify(entry)),
});
