import { Aws, Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import type { PageSignIn } from '../shared/api/report-page.ts';

export interface ReportSignInProps {
  /** Where the hosted sign-in returns to: the report page's address (the JWT-authorised API's URL). */
  pageUrl: string;
  /**
   * The hosted UI's domain prefix (https://<prefix>.auth.<region>.amazoncognito.com), unique in the region.
   * Default: "leakproof-" and the first 8 hex digits of the stack's id.
   */
  domainPrefix?: string;
}

/** The resource server's identifier and scopes: tokens carry "leakproof/read", "leakproof/write". */
export const COGNITO_RESOURCE_SERVER = 'leakproof';
export const COGNITO_SCOPES = { read: `${COGNITO_RESOURCE_SERVER}/read`, write: `${COGNITO_RESOURCE_SERVER}/write` } as const;

/**
 * Sign-in for the report page when no issuer is given: a Cognito user pool whose users an administrator creates
 * (no self sign-up: the verdicts of a leak are not for whoever finds the page), with MFA (TOTP) required; a
 * resource server with the API's read and write scopes; the page's app client — public (no secret: a page
 * cannot keep one), authorisation-code flow only (the page adds PKCE, S256), allowed the read scope only, and
 * returning to the page's address; and the hosted UI's domain. Access tokens live an hour.
 *
 * The write scope exists for other clients (an administrator adds an app client allowed it for whoever imports
 * keys); scripts keep IAM (the stack's IAM-authorised API).
 */
export class ReportSignIn extends Construct {
  readonly userPool: cognito.UserPool;
  readonly resourceServer: cognito.UserPoolResourceServer;
  readonly client: cognito.UserPoolClient;
  readonly domain: cognito.UserPoolDomain;

  constructor(scope: Construct, id: string, props: ReportSignInProps) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true, tempPasswordValidity: Duration.days(3) },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      // Its users are people: kept when the stack goes, like the evidence.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'The Plus feature plan (threat protection: compromised-credential and adaptive checks) is billed per user; this pool has a handful of ' +
        'administrator-created users, each with a strong password and MFA required, so the Essentials plan is chosen. Set featurePlan to PLUS where that is wanted.',
    });

    const read = new cognito.ResourceServerScope({ scopeName: 'read', scopeDescription: 'Read dumps, verdicts, evidence, exports and archived keys' });
    const write = new cognito.ResourceServerScope({ scopeName: 'write', scopeDescription: 'Import keys and start re-verifications' });
    this.resourceServer = this.userPool.addResourceServer('Api', { identifier: COGNITO_RESOURCE_SERVER, userPoolResourceServerName: 'Leakproof API', scopes: [read, write] });

    this.client = this.userPool.addClient('ReportPage', {
      userPoolClientName: 'leakproof-report-page',
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [cognito.OAuthScope.resourceServer(this.resourceServer, read)],
        callbackUrls: [props.pageUrl],
        logoutUrls: [props.pageUrl],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(12),
    });

    // The stack id is a UUID: its first group makes the prefix unique to this deployment without a name to choose.
    const stackIdGroup = Fn.select(0, Fn.split('-', Fn.select(2, Fn.split('/', Aws.STACK_ID))));
    this.domain = this.userPool.addDomain('HostedUi', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? Fn.join('-', ['leakproof', stackIdGroup]) },
    });
  }

  /** The issuer API Gateway checks tokens against: https://cognito-idp.<region>.amazonaws.com/<pool id>. */
  get issuer(): string {
    // ProviderURL lacks the scheme; tokens' iss has it.
    return `https://cognito-idp.${Stack.of(this).region}.${Aws.URL_SUFFIX}/${this.userPool.userPoolId}`;
  }

  /** What the page is told to sign in with (GET /auth-config). */
  get pageSignIn(): PageSignIn {
    const base = this.domain.baseUrl();
    return {
      issuer: this.issuer,
      clientId: this.client.userPoolClientId,
      authorizationEndpoint: `${base}/oauth2/authorize`,
      tokenEndpoint: `${base}/oauth2/token`,
      scopes: [COGNITO_SCOPES.read],
    };
  }
}
