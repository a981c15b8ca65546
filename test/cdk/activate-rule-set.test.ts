import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DescribeActiveReceiptRuleSetCommand,
  type SetActiveReceiptRuleSetCommand,
} from '@aws-sdk/client-ses';
import type { CloudFormationCustomResourceEvent, CloudFormationCustomResourceResponse } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActiveRuleSetConflictError,
  applyActivation,
  createActivationHandler,
  type SesCommandSender,
  sendResponse,
} from '../../cdk/functions/activate-rule-set.js';

/** An SES client double: one active rule set (or none), every command recorded. */
class FakeSes implements SesCommandSender {
  readonly calls: string[] = [];
  constructor(public active: string | undefined) {}
  async send(command: DescribeActiveReceiptRuleSetCommand | SetActiveReceiptRuleSetCommand) {
    if (command instanceof DescribeActiveReceiptRuleSetCommand) {
      this.calls.push('describe');
      return this.active === undefined ? {} : { Metadata: { Name: this.active } };
    }
    this.calls.push(`set:${command.input.RuleSetName ?? '(none)'}`);
    this.active = command.input.RuleSetName;
    return {};
  }
}

const base = {
  ServiceToken: 'arn:aws:lambda:eu-west-1:111122223333:function:activate',
  ResponseURL: 'https://cloudformation-custom-resource-response.example/signed',
  StackId: 'arn:aws:cloudformation:eu-west-1:111122223333:stack/SpocInbox/1',
  RequestId: 'request-1',
  LogicalResourceId: 'IngestActivation',
  ResourceType: 'Custom::SesActiveReceiptRuleSet',
};

function createEvent(name: string): CloudFormationCustomResourceEvent {
  return {
    ...base,
    RequestType: 'Create',
    ResourceProperties: { ServiceToken: base.ServiceToken, RuleSetName: name },
  };
}
function updateEvent(name: string, previous: string): CloudFormationCustomResourceEvent {
  return {
    ...base,
    RequestType: 'Update',
    PhysicalResourceId: previous,
    ResourceProperties: { ServiceToken: base.ServiceToken, RuleSetName: name },
    OldResourceProperties: { ServiceToken: base.ServiceToken, RuleSetName: previous },
  };
}
function deleteEvent(name: string, physicalId = name): CloudFormationCustomResourceEvent {
  return {
    ...base,
    RequestType: 'Delete',
    PhysicalResourceId: physicalId,
    ResourceProperties: { ServiceToken: base.ServiceToken, RuleSetName: name },
  };
}

describe('activate-rule-set: create', () => {
  it('activates our rule set when none is active', async () => {
    const ses = new FakeSes(undefined);
    await expect(applyActivation(createEvent('ours'), ses)).resolves.toBe('ours');
    expect(ses.calls).toEqual(['describe', 'set:ours']);
  });

  it('does nothing more when ours is already active (a retried create)', async () => {
    const ses = new FakeSes('ours');
    await expect(applyActivation(createEvent('ours'), ses)).resolves.toBe('ours');
    expect(ses.calls).toEqual(['describe']);
  });

  it('refuses to replace another active rule set, and says what to do', async () => {
    const ses = new FakeSes('company-inbound');
    const result = applyActivation(createEvent('ours'), ses);
    await expect(result).rejects.toBeInstanceOf(ActiveRuleSetConflictError);
    await expect(result).rejects.toThrow(/"company-inbound" is already active.*existingRuleSetName/s);
    expect(ses.calls).toEqual(['describe']);
    expect(ses.active).toBe('company-inbound');
  });
});

describe('activate-rule-set: update', () => {
  it('moves activation from our old rule set to the new one', async () => {
    const ses = new FakeSes('old');
    await expect(applyActivation(updateEvent('new', 'old'), ses)).resolves.toBe('new');
    expect(ses.active).toBe('new');
  });

  it('re-activates ours when nothing is active', async () => {
    const ses = new FakeSes(undefined);
    await applyActivation(updateEvent('new', 'old'), ses);
    expect(ses.active).toBe('new');
  });

  it('refuses when someone else activated another rule set meanwhile', async () => {
    const ses = new FakeSes('someone-else');
    await expect(applyActivation(updateEvent('new', 'old'), ses)).rejects.toBeInstanceOf(
      ActiveRuleSetConflictError,
    );
    expect(ses.active).toBe('someone-else');
  });
});

describe('activate-rule-set: delete', () => {
  it('deactivates when ours is still the active rule set', async () => {
    const ses = new FakeSes('ours');
    await expect(applyActivation(deleteEvent('ours'), ses)).resolves.toBe('ours');
    expect(ses.calls).toEqual(['describe', 'set:(none)']);
    expect(ses.active).toBeUndefined();
  });

  it('leaves another active rule set alone', async () => {
    const ses = new FakeSes('company-inbound');
    await applyActivation(deleteEvent('ours'), ses);
    expect(ses.calls).toEqual(['describe']);
    expect(ses.active).toBe('company-inbound');
  });

  it('does nothing when no rule set is active', async () => {
    const ses = new FakeSes(undefined);
    await applyActivation(deleteEvent('ours'), ses);
    expect(ses.calls).toEqual(['describe']);
  });
});

describe('activate-rule-set: handler', () => {
  const run = async (event: CloudFormationCustomResourceEvent, ses: SesCommandSender) => {
    const responses: CloudFormationCustomResourceResponse[] = [];
    const logs: Record<string, unknown>[] = [];
    const handler = createActivationHandler({
      ses: () => ses,
      respond: async (url, response) => {
        expect(url).toBe(base.ResponseURL);
        responses.push(response);
      },
      log: (entry) => logs.push(entry),
    });
    await handler(event);
    return { responses, logs };
  };

  it('answers SUCCESS with the rule set name as physical id', async () => {
    const { responses, logs } = await run(createEvent('ours'), new FakeSes(undefined));
    expect(responses).toEqual([
      {
        Status: 'SUCCESS',
        PhysicalResourceId: 'ours',
        StackId: base.StackId,
        RequestId: base.RequestId,
        LogicalResourceId: base.LogicalResourceId,
      },
    ]);
    expect(logs).toEqual([
      { requestType: 'Create', ruleSetName: 'ours', status: 'SUCCESS', reason: undefined },
    ]);
  });

  it('answers FAILED with the reason, and a physical id the rollback delete treats as not ours', async () => {
    const ses = new FakeSes('company-inbound');
    const { responses } = await run(createEvent('ours'), ses);
    expect(responses[0]).toMatchObject({
      Status: 'FAILED',
      PhysicalResourceId: 'IngestActivation-not-created',
      Reason: expect.stringMatching(/^ActiveRuleSetConflictError: receipt rule set "company-inbound"/),
    });
    // CloudFormation then rolls back with a delete: the other rule set stays active.
    await run(deleteEvent('ours', 'IngestActivation-not-created'), ses);
    expect(ses.active).toBe('company-inbound');
  });

  it('answers FAILED when SES fails, instead of leaving CloudFormation waiting', async () => {
    const failing: SesCommandSender = {
      send: async () => {
        throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
      },
    };
    const { responses } = await run(deleteEvent('ours'), failing);
    expect(responses[0]).toMatchObject({ Status: 'FAILED', Reason: 'ThrottlingException: Rate exceeded' });
  });
});

describe('activate-rule-set: sendResponse', () => {
  const received: { method?: string; headers: IncomingHttpHeaders; body: string; url?: string }[] = [];
  let status = 200;
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    request.on('end', () => {
      received.push({ method: request.method, headers: request.headers, body, url: request.url });
      response.statusCode = status;
      response.end();
    });
  });
  let url = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bucket/key?X-Amz-Signature=abc`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const response: CloudFormationCustomResourceResponse = {
    Status: 'SUCCESS',
    PhysicalResourceId: 'ours',
    StackId: base.StackId,
    RequestId: base.RequestId,
    LogicalResourceId: base.LogicalResourceId,
  };

  it('PUTs the JSON body to the presigned URL with an empty Content-Type', async () => {
    status = 200;
    await sendResponse(url, response);
    const last = received.at(-1);
    expect(last).toMatchObject({ method: 'PUT', url: '/bucket/key?X-Amz-Signature=abc' });
    expect(last?.headers['content-type']).toBe('');
    expect(JSON.parse(last?.body ?? '')).toEqual(response);
  });

  it('rejects when the upload is refused', async () => {
    status = 403;
    await expect(sendResponse(url, response)).rejects.toThrow(/HTTP 403/);
  });
});
