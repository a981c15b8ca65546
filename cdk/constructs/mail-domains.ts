import { CfnOutput, Stack } from 'aws-cdk-lib';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ses from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

/** TTL of the records this construct writes to Route 53. */
const RECORD_TTL_SECONDS = 1800;

export interface MailDomain {
  /** Construct id prefix and output name prefix: `Support`, `Reply`. */
  label: string;
  domain: string;
}

export interface MailDomainsProps {
  domains: readonly MailDomain[];
  /** Made the default configuration set of each identity, so no mail escapes event publishing. */
  configurationSet: ses.IConfigurationSet;
  /** Create the SES domain identities (false when they already exist in the account). */
  manageIdentities: boolean;
  /** When given, DKIM and MX records of the domains inside this zone are written there. */
  hostedZone?: route53.IHostedZone;
}

/** The SES inbound endpoint of the stack's region: the MX target of every receiving domain. */
export function inboundSmtpEndpoint(scope: Construct): string {
  return `inbound-smtp.${Stack.of(scope).region}.amazonaws.com`;
}

/** ARN of an SES identity (a domain or an address) in the stack's account and region. */
export function identityArn(scope: Construct, identity: string): string {
  return Stack.of(scope).formatArn({ service: 'ses', resource: 'identity', resourceName: identity });
}

function isInZone(domain: string, zoneName: string): boolean {
  const zone = zoneName.replace(/\.$/, '').toLowerCase();
  return domain === zone || domain.endsWith(`.${zone}`);
}

/**
 * The SES domain identities of the support address's domain and of the reply domain (Easy DKIM,
 * 2048-bit), and the DNS records that verify them and route their mail to SES: written to Route 53 when
 * a hosted zone is given, otherwise listed as stack outputs for whoever runs the DNS.
 */
export class MailDomains extends Construct {
  /** Identity ARNs of all domains, managed here or not. */
  readonly identityArns: string[];
  readonly identities: ses.EmailIdentity[] = [];

  constructor(scope: Construct, id: string, props: MailDomainsProps) {
    super(scope, id);
    const mxTarget = inboundSmtpEndpoint(this);
    const zone = props.hostedZone;

    this.identityArns = props.domains.map(({ domain }) => identityArn(this, domain));

    for (const { label, domain } of props.domains) {
      const targetZone = zone !== undefined && isInZone(domain, zone.zoneName) ? zone : undefined;

      if (props.manageIdentities) {
        const identity = new ses.EmailIdentity(this, `${label}Identity`, {
          identity: ses.Identity.domain(domain),
          configurationSet: props.configurationSet,
          dkimSigning: true,
          dkimIdentity: ses.DkimIdentity.easyDkim(ses.EasyDkimSigningKeyLength.RSA_2048_BIT),
        });
        this.identities.push(identity);
        identity.dkimRecords.forEach((record, index) => {
          const n = index + 1;
          if (targetZone !== undefined) {
            new route53.CfnRecordSet(this, `${label}DkimRecord${n}`, {
              hostedZoneId: targetZone.hostedZoneId,
              name: record.name,
              type: 'CNAME',
              resourceRecords: [record.value],
              ttl: String(RECORD_TTL_SECONDS),
            });
          } else {
            new CfnOutput(this, `${label}DkimCname${n}`, {
              key: `${label}DomainDkimCname${n}`,
              description: `DNS record ${n} of 3 that verifies ${domain} with SES and publishes its DKIM key`,
              value: `${record.name} CNAME ${record.value}`,
            });
          }
        });
      }

      if (targetZone !== undefined) {
        new route53.MxRecord(this, `${label}MxRecord`, {
          zone: targetZone,
          recordName: `${domain}.`,
          values: [{ priority: 10, hostName: mxTarget }],
        });
      } else {
        new CfnOutput(this, `${label}Mx`, {
          key: `${label}DomainMx`,
          description: `DNS record that routes mail for ${domain} to SES in this region`,
          value: `${domain} MX 10 ${mxTarget}`,
        });
      }
    }
  }
}
